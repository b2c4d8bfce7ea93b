/**
 * Every public route of the node, as the OpenAPI document and the skill describe it:
 * method, path, who may call, the request body's schema and the answers' schemas (schema
 * names are the PascalCase file names of `schemas/`, see `schemas.ts`). A test compares
 * this table with the routes the express app registers.
 */

export type Security = "agent" | "admin" | "request_token" | "optional_request_token";

export interface QueryParam {
  name: string;
  description: string;
  type?: "string" | "integer" | "boolean";
  required?: boolean;
}

/** An answer: a schema name, or a media type with an optional schema, or nothing (`null`). */
export type Answer = string | null | { mediaType: string; schema?: string; description?: string };

export interface Route {
  method: "get" | "post" | "put" | "patch" | "delete";
  /** OpenAPI path template, e.g. `/v1/bookings/{id}`. */
  path: string;
  summary: string;
  tag: "discovery" | "agents" | "federation" | "admin" | "documents" | "operations";
  security: Security[];
  body?: string;
  query?: QueryParam[];
  responses: Record<string, Answer>;
}

/** What the MCP transport answers outside a tool call: a JSON-RPC error object. */
const JSON_RPC_ERROR: Answer = {
  mediaType: "application/json",
  description: "A JSON-RPC error (`{jsonrpc, error: {code, message}, id}`)",
};

const RANGE: QueryParam[] = [
  { name: "range_start", description: "RFC 3339 instant with Z", required: true },
  { name: "range_end", description: "RFC 3339 instant with Z, after range_start", required: true },
];
const SLOTS: QueryParam[] = [
  {
    name: "duration_minutes",
    description: "length of each slot, 5-1440 (default 30)",
    type: "integer",
  },
  { name: "step_minutes", description: "grid of slot starts, 5-1440", type: "integer" },
];
const ADMIN_USER: QueryParam = {
  name: "user_id",
  description: "whose: required with the admin token; an agent may name only its own user",
};

const AGENT_WRITE = { "409": "AgentConflict", "422": "RuleViolation" };
const V1_ALL: Security[] = ["agent", "admin"];

export const ROUTES: readonly Route[] = [
  // Operations and documents
  {
    method: "get",
    path: "/healthz",
    summary: "Liveness",
    tag: "operations",
    security: [],
    responses: { "200": "Health" },
  },
  {
    method: "get",
    path: "/readyz",
    summary:
      "Readiness: 503 while starting, stopping, or when the store does not answer within a second",
    tag: "operations",
    security: [],
    responses: { "200": "Readiness", "503": "Readiness" },
  },
  {
    method: "get",
    path: "/metrics",
    summary: "Prometheus metrics (text exposition format)",
    tag: "operations",
    security: ["admin"],
    responses: {
      "200": { mediaType: "text/plain", description: "Prometheus text format 0.0.4" },
    },
  },
  {
    method: "get",
    path: "/openapi.json",
    summary: "This OpenAPI 3.1 document",
    tag: "documents",
    security: [],
    responses: { "200": { mediaType: "application/json" } },
  },
  {
    method: "get",
    path: "/llms.txt",
    summary: "Where an LLM finds the skill and the OpenAPI document",
    tag: "documents",
    security: [],
    responses: { "200": { mediaType: "text/plain" } },
  },
  {
    method: "get",
    path: "/api/skill",
    summary: "The agent skill (SKILL.md): how to book on this node",
    tag: "documents",
    security: [],
    responses: { "200": { mediaType: "text/markdown" } },
  },
  {
    method: "get",
    path: "/v1/skill",
    summary: "The agent skill, personalized for the calling agent",
    tag: "documents",
    security: ["agent"],
    responses: { "200": { mediaType: "text/markdown" } },
  },
  // Discovery
  {
    method: "get",
    path: "/.well-known/calendario",
    summary: "Node metadata: protocol version, domain, DID, endpoints",
    tag: "discovery",
    security: [],
    responses: { "200": "NodeMetadata" },
  },
  {
    method: "get",
    path: "/.well-known/did.json",
    summary: "The organization's did:web document",
    tag: "discovery",
    security: [],
    responses: { "200": { mediaType: "application/did+json", schema: "DidDocument" } },
  },
  {
    method: "get",
    path: "/.well-known/calendario/{username}",
    summary: "A person's signed availability profile",
    tag: "discovery",
    security: [],
    responses: { "200": "CalendarioProfile", "304": null },
  },
  {
    method: "get",
    path: "/api/availability/{username}",
    summary: "Free slots of a person (public profiles, or to callers who can see the profile)",
    tag: "discovery",
    security: [],
    query: [
      { name: "start", description: "RFC 3339 instant with Z", required: true },
      { name: "end", description: "RFC 3339 instant with Z", required: true },
      ...SLOTS,
    ],
    responses: { "200": "PublicAvailability" },
  },
  {
    method: "get",
    path: "/api/freebusy/{username}",
    summary: "Busy intervals of a person",
    tag: "discovery",
    security: [],
    query: [
      { name: "start", description: "RFC 3339 instant with Z (default now)" },
      { name: "end", description: "RFC 3339 instant with Z (default start + 30 days, max 90)" },
    ],
    responses: { "200": "Freebusy" },
  },
  // Federation
  {
    method: "post",
    path: "/api/bookings/{username}",
    summary: "Ask for a person's time from another organization (request token) or anonymously",
    tag: "federation",
    security: ["optional_request_token"],
    body: "PeerBookingRequest",
    responses: {
      "201": "PeerBooking",
      "202": "PeerPending",
      "409": "CalendarioConflict",
      "422": "RuleViolation",
    },
  },
  {
    method: "get",
    path: "/api/bookings/{username}/{booking_id}",
    summary: "Read a booking this organization asked for",
    tag: "federation",
    security: ["request_token"],
    responses: { "200": "PeerBooking" },
  },
  {
    method: "delete",
    path: "/api/bookings/{username}/{booking_id}",
    summary: "Cancel a booking this organization asked for",
    tag: "federation",
    security: ["request_token"],
    responses: { "200": "PeerBooking" },
  },
  {
    method: "post",
    path: "/api/callbacks/{username}/{booking_id}",
    summary: "Another node tells what became of a meeting asked for by a local agent",
    tag: "federation",
    security: ["request_token"],
    body: "PeerCallback",
    responses: { "200": "CallbackAnswer" },
  },
  // Agents: /v1
  {
    method: "get",
    path: "/v1/agents/me",
    summary: "Who am I: the agent, its user, priority, scopes, the user's zone, the node's clock",
    tag: "agents",
    security: ["agent"],
    responses: { "200": "AgentMe" },
  },
  {
    method: "post",
    path: "/mcp",
    summary:
      "MCP (Streamable HTTP, stateless): tools whoami, get_availability, create_hold, release_hold, commit_booking, cancel_booking, list_bookings, get_booking, propose_times, answer_counter, get_audit, wait_for_events, request_meeting",
    tag: "agents",
    security: ["agent"],
    body: undefined,
    responses: {
      "200": {
        mediaType: "application/json",
        description: "A JSON-RPC answer (or text/event-stream)",
      },
      "202": null,
      "403": JSON_RPC_ERROR,
    },
  },
  {
    method: "get",
    path: "/mcp",
    summary: "Not served: the MCP server is stateless, POST only (405)",
    tag: "agents",
    security: ["agent"],
    responses: { "405": JSON_RPC_ERROR },
  },
  {
    method: "delete",
    path: "/mcp",
    summary: "Not served: the MCP server is stateless, there is no session to end (405)",
    tag: "agents",
    security: ["agent"],
    responses: { "405": JSON_RPC_ERROR },
  },
  {
    method: "get",
    path: "/v1/availability",
    summary: "Free slots of the agent's user (with=user@domain: also free for them)",
    tag: "agents",
    security: ["agent"],
    query: [
      ...RANGE,
      ...SLOTS,
      { name: "with", description: "a Calendario address user@domain at another organization" },
    ],
    responses: { "200": "Availability" },
  },
  {
    method: "post",
    path: "/v1/holds",
    summary: "Hold a slot (expires after the hold TTL)",
    tag: "agents",
    security: ["agent"],
    body: "HoldRequest",
    responses: { "201": "Hold", "200": "Hold", ...AGENT_WRITE },
  },
  {
    method: "delete",
    path: "/v1/holds/{id}",
    summary: "Release a hold",
    tag: "agents",
    security: ["agent"],
    responses: { "200": "Hold" },
  },
  {
    method: "post",
    path: "/v1/bookings",
    summary:
      "Commit a booking (201; 200 when an idempotent replay; 202 pending when the agent requires the person's acknowledgement)",
    tag: "agents",
    security: ["agent"],
    body: "BookingRequest",
    responses: { "201": "Booking", "200": "Booking", "202": "Booking", ...AGENT_WRITE },
  },
  {
    method: "get",
    path: "/v1/bookings",
    summary: "The agent's user's bookings",
    tag: "agents",
    security: ["agent"],
    query: RANGE.map((q) => ({ ...q, required: false })),
    responses: { "200": "Bookings" },
  },
  {
    method: "get",
    path: "/v1/bookings/{id}",
    summary: "One booking",
    tag: "agents",
    security: ["agent"],
    responses: { "200": "Booking" },
  },
  {
    method: "delete",
    path: "/v1/bookings/{id}",
    summary: "Cancel one of the agent's own bookings",
    tag: "agents",
    security: ["agent"],
    responses: { "200": "Booking" },
  },
  {
    method: "post",
    path: "/v1/bookings/{id}/counter",
    summary: "Counter-propose other times for another agent's booking",
    tag: "agents",
    security: ["agent"],
    body: "CounterRequest",
    responses: { "201": "Counter" },
  },
  {
    method: "get",
    path: "/v1/bookings/{id}/counters",
    summary: "Counter-proposals on a booking",
    tag: "agents",
    security: ["agent"],
    responses: { "200": "Counters" },
  },
  {
    method: "post",
    path: "/v1/bookings/{id}/counters/{counter_id}/accept",
    summary: "Accept one proposed slot: the booking moves there",
    tag: "agents",
    security: ["agent"],
    body: "CounterAcceptRequest",
    responses: { "201": "CounterAnswer", "409": "CounterConflict", "422": "RuleViolation" },
  },
  {
    method: "post",
    path: "/v1/bookings/{id}/counters/{counter_id}/reject",
    summary: "Reject a counter-proposal",
    tag: "agents",
    security: ["agent"],
    responses: { "200": "CounterAnswer" },
  },
  {
    method: "post",
    path: "/v1/meetings",
    summary: "Book a meeting with someone at another organization (both sides or neither)",
    tag: "agents",
    security: ["agent"],
    body: "MeetingRequest",
    responses: { "201": "Booking", "202": "Booking", "409": "Conflict", "422": "RuleViolation" },
  },
  {
    method: "get",
    path: "/v1/mentions",
    summary: "The agent's mentions: what its person asked it to do (status sent or done)",
    tag: "agents",
    security: ["agent"],
    query: [{ name: "status", description: "sent or done (default: both)" }],
    responses: { "200": "Mentions" },
  },
  {
    method: "patch",
    path: "/v1/mentions",
    summary: "Mark mentions done",
    tag: "agents",
    security: ["agent"],
    body: "MentionUpdateRequest",
    responses: { "200": "Mentions" },
  },
  {
    method: "post",
    path: "/v1/suggestions",
    summary:
      "Propose 1-5 slots to the person, who accepts one (booked as this agent) or rejects them",
    tag: "agents",
    security: ["agent"],
    body: "SuggestionRequest",
    responses: { "201": "Suggestion" },
  },
  {
    method: "get",
    path: "/v1/suggestions",
    summary: "The agent's suggestions and how the person decided them",
    tag: "agents",
    security: ["agent"],
    query: [
      { name: "status", description: "open, accepting, accepted or rejected (default: all)" },
    ],
    responses: { "200": "Suggestions" },
  },
  {
    method: "post",
    path: "/v1/presence",
    summary:
      "Say what the agent is doing on its user's calendar (reading, thinking, acting, completed); lasts 60 s, refresh every 30 s",
    tag: "agents",
    security: ["agent"],
    body: "PresenceRequest",
    responses: { "200": "Presence" },
  },
  {
    method: "get",
    path: "/v1/presence",
    summary: "The live presence of the user's agents",
    tag: "agents",
    security: ["agent"],
    responses: { "200": "PresenceList" },
  },
  {
    method: "get",
    path: "/v1/audit",
    summary: "The user's audit chain, with a signed checkpoint",
    tag: "agents",
    security: V1_ALL,
    query: [
      ADMIN_USER,
      { name: "resource", description: "only events about this id" },
      { name: "after", description: "only events after this seq", type: "integer" },
      { name: "limit", description: "1-1000", type: "integer" },
      { name: "archive", description: "admin: a deleted user's closed chain", type: "integer" },
    ],
    responses: { "200": "AuditPage" },
  },
  {
    method: "get",
    path: "/v1/events",
    summary: "Poll for events (webhook envelopes) after a cursor; wait up to 30 s",
    tag: "agents",
    security: V1_ALL,
    query: [
      ADMIN_USER,
      { name: "after", description: "the cursor (next_cursor of the last page)", type: "integer" },
      { name: "limit", description: "1-100", type: "integer" },
      {
        name: "wait",
        description: "seconds to wait for an event, 0-30 (at most 4 waiting polls per agent: 429)",
        type: "integer",
      },
    ],
    responses: { "200": "EventsPage" },
  },
  {
    method: "get",
    path: "/v1/webhooks/events",
    summary: "The event catalogue",
    tag: "agents",
    security: V1_ALL,
    responses: { "200": "EventTypes" },
  },
  {
    method: "post",
    path: "/v1/webhooks",
    summary: "Subscribe to events (the secret is shown once)",
    tag: "agents",
    security: V1_ALL,
    body: "WebhookCreateRequest",
    responses: { "201": "WebhookSubscription" },
  },
  {
    method: "get",
    path: "/v1/webhooks",
    summary: "Subscriptions",
    tag: "agents",
    security: V1_ALL,
    query: [ADMIN_USER],
    responses: { "200": "WebhookSubscriptions" },
  },
  {
    method: "get",
    path: "/v1/webhooks/{id}",
    summary: "One subscription",
    tag: "agents",
    security: V1_ALL,
    responses: { "200": "WebhookSubscription" },
  },
  {
    method: "delete",
    path: "/v1/webhooks/{id}",
    summary: "Delete a subscription",
    tag: "agents",
    security: V1_ALL,
    responses: { "204": null },
  },
  {
    method: "post",
    path: "/v1/webhooks/{id}/rotate",
    summary: "Rotate the signing secret",
    tag: "agents",
    security: V1_ALL,
    responses: { "200": "WebhookSubscription" },
  },
  {
    method: "get",
    path: "/v1/webhooks/{id}/deliveries",
    summary: "Deliveries of a subscription, newest first",
    tag: "agents",
    security: V1_ALL,
    query: [
      { name: "limit", description: "1-100", type: "integer" },
      { name: "before", description: "seq to page back from", type: "integer" },
      { name: "status", description: "pending, succeeded or dead_lettered" },
    ],
    responses: { "200": "WebhookDeliveries" },
  },
  // Administration
  ...adminRoutes(),
];

function adminRoutes(): Route[] {
  const u = "/admin/v1/users/{username}";
  const admin = (
    method: Route["method"],
    path: string,
    summary: string,
    responses: Route["responses"],
    body?: string,
  ): Route => ({ method, path, summary, tag: "admin", security: ["admin"], body, responses });
  const managedByFile: Answer = {
    mediaType: "application/json",
    schema: "Error",
    description: "managed_by_file: the profile comes from a file in PROFILES_DIR; edit the file",
  };
  return [
    admin("get", "/admin/v1/users", "Usernames", { "200": "Users" }),
    admin("get", u, "A user: the input and the published profile", { "200": "UserRecord" }),
    admin(
      "put",
      u,
      "Create or replace a user's profile (unsigned; the node signs it)",
      { "200": "UserProfile", "201": "UserProfile", "409": managedByFile },
      "ProfileInput",
    ),
    admin("delete", u, "Delete a user (the audit chain is archived)", {
      "204": null,
      "409": managedByFile,
    }),
    admin("get", `${u}/audit/archives`, "Closed audit chains of deleted users of this name", {
      "200": "AuditArchives",
    }),
    admin(
      "post",
      `${u}/agents`,
      "Create an agent (the API key is shown once)",
      { "201": "Agent" },
      "AgentCreateRequest",
    ),
    admin("get", `${u}/agents`, "A user's agents", { "200": "Agents" }),
    admin(
      "patch",
      `${u}/agents/{agent_id}`,
      "Rename or re-rank an agent",
      { "200": "Agent" },
      "AgentUpdateRequest",
    ),
    admin("delete", `${u}/agents/{agent_id}`, "Revoke an agent", { "204": null }),
    admin("get", `${u}/rules`, "A user's node-level rules", { "200": "UserRulesAnswer" }),
    admin("put", `${u}/rules`, "Replace a user's rules", { "200": "UserRulesAnswer" }, "UserRules"),
    admin("get", `${u}/requests`, "Requests waiting for the person", { "200": "Requests" }),
    admin(
      "post",
      `${u}/login-links`,
      "A single-use sign-in link to the person's inbox (15 minutes)",
      {
        "201": "LoginLink",
      },
    ),
    admin(
      "post",
      `${u}/mentions`,
      "Ask one of the user's agents to do something (a mention), for the person",
      { "201": "Mention" },
      "MentionCreateRequest",
    ),
    ...(["accept", "decline"] as const).map((d) =>
      admin(
        "post",
        `${u}/bookings/{booking_id}/${d}`,
        `${d === "accept" ? "Accept" : "Decline"} a request waiting for the person`,
        { "200": "Booking", "409": "Conflict", "422": "RuleViolation" },
        "PendingDecisionRequest",
      ),
    ),
  ];
}
