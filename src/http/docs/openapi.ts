/**
 * The OpenAPI 3.1 document of the node, built once at start from the route table
 * (`routes.ts`) and the schemas of `schemas/` (`schemas.ts`), served at `GET /openapi.json`.
 */
import { PROTOCOL_VERSION, SOFTWARE_VERSION } from "../../version.js";
import { type Answer, ROUTES, type Route, type Security } from "./routes.js";
import { componentSchemas } from "./schemas.js";

type Json = Record<string, unknown>;

const SECURITY_SCHEMES = {
  agentKey: {
    type: "http",
    scheme: "bearer",
    bearerFormat: "cal_agent_…",
    description: "An agent API key, made by the admin (POST /admin/v1/users/{username}/agents)",
  },
  adminToken: {
    type: "http",
    scheme: "bearer",
    description: "The node's ADMIN_TOKEN",
  },
  requestToken: {
    type: "http",
    scheme: "bearer",
    bearerFormat: "JWT",
    description:
      "A request token of another organization: a JWS signed with the key of its did:web, bound to method, URL and body (PROTOCOL.md §13.1)",
  },
};

const SECURITY: Record<Security, Json[]> = {
  agent: [{ agentKey: [] }],
  admin: [{ adminToken: [] }],
  request_token: [{ requestToken: [] }],
  optional_request_token: [{ requestToken: [] }, {}],
};

const STATUS_TEXT: Record<string, string> = {
  "200": "OK",
  "201": "Created",
  "202": "Accepted: waiting for the person",
  "204": "No content",
  "304": "Not modified (If-None-Match)",
  "409": "Conflict: the slot is taken",
  "422": "Rule violation: see reason_code",
};

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

function answer(status: string, a: Answer): Json {
  const description = STATUS_TEXT[status] ?? status;
  if (a === null) return { description };
  if (typeof a === "string")
    return { description, content: { "application/json": { schema: ref(a) } } };
  return {
    description: a.description ?? description,
    content: {
      [a.mediaType]: {
        schema: a.schema
          ? ref(a.schema)
          : { type: a.mediaType.endsWith("json") ? "object" : "string" },
      },
    },
  };
}

function operation(route: Route): Json {
  const pathParams = [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => ({
    name: m[1],
    in: "path",
    required: true,
    schema: { type: "string" },
  }));
  const query = (route.query ?? []).map((q) => ({
    name: q.name,
    in: "query",
    required: q.required ?? false,
    description: q.description,
    schema: { type: q.type ?? "string" },
  }));
  const responses: Json = {};
  for (const [status, a] of Object.entries(route.responses)) responses[status] = answer(status, a);
  responses.default = {
    description: "An error: { error: { code, message, details? } }",
    content: { "application/json": { schema: ref("Error") } },
  };
  const idempotent = route.body === "HoldRequest" || route.body === "BookingRequest";
  return {
    operationId: `${route.method}${route.path.replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ?? "").toUpperCase())}`,
    summary: route.summary,
    tags: [route.tag],
    security: route.security.flatMap((s) => SECURITY[s]),
    parameters: [
      ...pathParams,
      ...query,
      ...(idempotent
        ? [
            {
              name: "Idempotency-Key",
              in: "header",
              required: false,
              description: "Same as the body's idempotency_key; both must agree if both are given",
              schema: { type: "string", minLength: 1, maxLength: 255 },
            },
          ]
        : []),
    ],
    ...(route.body && {
      requestBody: {
        required: route.body !== "PendingDecisionRequest",
        content: { "application/json": { schema: ref(route.body) } },
      },
    }),
    responses,
  };
}

/** The document, for a node reached at `publicUrl`. */
export function openApiDocument(publicUrl: string): Json {
  const paths: Record<string, Json> = {};
  for (const route of ROUTES) {
    paths[route.path] ??= {};
    paths[route.path]![route.method] = operation(route);
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "Calendario node",
      version: SOFTWARE_VERSION,
      summary: `Calendario protocol ${PROTOCOL_VERSION}: signed availability profiles, federated discovery, atomic agent booking`,
      description:
        "Agents: read the skill at /api/skill (or /v1/skill with your key), or connect an MCP client to /mcp. Times are RFC 3339 instants with Z; intervals are half-open [start, end).",
      license: { name: "MIT", identifier: "MIT" },
    },
    servers: [{ url: publicUrl }],
    security: [],
    tags: [
      { name: "agents", description: "The AgentDraft-compatible /v1 API, for agents" },
      { name: "discovery", description: "Profiles, availability and free/busy" },
      { name: "federation", description: "Booking across organizations" },
      { name: "admin", description: "The organization's administrator" },
      { name: "documents", description: "This document, the skill, llms.txt" },
      { name: "operations", description: "Health" },
    ],
    paths,
    components: { schemas: componentSchemas(), securitySchemes: SECURITY_SCHEMES },
  };
}
