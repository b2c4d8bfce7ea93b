/**
 * `/mcp`: the Model Context Protocol door, Streamable HTTP, stateless — a new server and
 * transport per POST, so any node process answers any request without sticky sessions.
 * The agent key is the bearer token, checked before the MCP layer sees the request.
 */

import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { hostHeaderValidation } from "@modelcontextprotocol/sdk/server/middleware/hostHeaderValidation.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import {
  CallToolRequestSchema,
  type CallToolResult,
  ErrorCode,
  ListToolsRequestSchema,
  McpError,
} from "@modelcontextprotocol/sdk/types.js";
import { AjvJsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/ajv";
import { type RequestHandler, Router } from "express";
import { hashAgentKey } from "../../arbiter/index.js";
import { type AgentCaller, agentCaller } from "../../booking/index.js";
import type { Context } from "../../context.js";
import { AppError, AuthRequiredError } from "../../errors.js";
import { SOFTWARE_VERSION } from "../../version.js";
import { bearerToken } from "../auth.js";
import { statusOf } from "../error-status.js";
import { logFailure } from "../errors.js";
import { pollSignal } from "../v1/events.js";
import { TOOL_LIST, toolNamed } from "./tools.js";

const INSTRUCTIONS =
  "Calendario books time on one person's calendar for the agents acting for them. Loop: whoami → get_availability → create_hold → commit_booking. A lost race is a result (outcome: conflict, with the winner and suggested_times), not an error: pick a suggested time and try again. Times are RFC 3339 in UTC (Z); local_* labels are in the user's zone.";

/** Hosts a request may name: PUBLIC_URL's, and the listening host for local use. */
export function allowedHosts(ctx: Context): string[] {
  const hosts = new Set([new URL(ctx.cfg.service.publicUrl).hostname]);
  const listen = ctx.cfg.service.host;
  if (listen !== "0.0.0.0" && listen !== "::")
    hosts.add(listen.includes(":") ? `[${listen}]` : listen);
  if (hosts.has("127.0.0.1") || hosts.has("localhost")) {
    hosts.add("localhost");
    hosts.add("127.0.0.1");
  }
  return [...hosts];
}

const callers = new WeakMap<object, AgentCaller>();

/** The agent key → the caller; a missing, unknown or revoked key is a 401 with a challenge. */
function authenticateAgent(ctx: Context): RequestHandler {
  return async (req, res, next) => {
    try {
      const token = bearerToken(req.headers.authorization);
      if (token === undefined)
        throw new AuthRequiredError("Agent key required: Authorization: Bearer <key>");
      const agent = await ctx.store.findAgentByKeyHash(hashAgentKey(token));
      if (!agent) throw new AuthRequiredError("Agent key is not valid", "invalid_api_key");
      callers.set(req, agentCaller(agent));
      next();
    } catch (err) {
      if (err instanceof AuthRequiredError)
        res.set(
          "WWW-Authenticate",
          `Bearer realm="calendario", error="${err.code === "invalid_api_key" ? "invalid_token" : "invalid_request"}"`,
        );
      next(err);
    }
  };
}

/** A use case's error as a tool error: the model reads the code and the status. */
function toolError(err: unknown, ctx: Context): CallToolResult {
  const mapped = AppError.fromError(err);
  const status = statusOf(mapped.code);
  logFailure(ctx.logger, err, mapped, status, { tool: "mcp" });
  const body = { error: { ...(mapped.payload.error as object), status } };
  return { isError: true, content: [{ type: "text", text: JSON.stringify(body) }] };
}

/**
 * One validator for every request's server: the SDK would otherwise build an Ajv instance
 * per server, that is per request (it checks only elicitation answers, which we never ask).
 */
const sharedValidator = new AjvJsonSchemaValidator();

function mcpServer(ctx: Context, caller: AgentCaller, longPoll: () => AbortSignal): Server {
  const server = new Server(
    { name: "calendario", version: SOFTWARE_VERSION },
    {
      capabilities: { tools: { listChanged: false } },
      instructions: INSTRUCTIONS,
      jsonSchemaValidator: sharedValidator,
    },
  );
  server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: TOOL_LIST }));
  server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
    const tool = toolNamed(request.params.name);
    if (!tool) throw new McpError(ErrorCode.InvalidParams, `Unknown tool ${request.params.name}`);
    try {
      const result = await tool.run({
        ctx,
        caller,
        args: request.params.arguments,
        signal: extra.signal,
        longPollSignal: () => AbortSignal.any([extra.signal, longPoll()]),
      });
      return {
        structuredContent: result,
        content: [{ type: "text", text: JSON.stringify(result) }],
      };
    } catch (err) {
      return toolError(err, ctx);
    }
  });
  return server;
}

const methodNotAllowed: RequestHandler = (_req, res) => {
  res
    .status(405)
    .set("Allow", "POST")
    .json({
      jsonrpc: "2.0",
      error: {
        code: -32000,
        message: "Method not allowed: this MCP server is stateless, POST only",
      },
      id: null,
    });
};

export function mcpRouter(ctx: Context): Router {
  const router = Router();
  router.use("/mcp", hostHeaderValidation(allowedHosts(ctx)));
  router.post("/mcp", authenticateAgent(ctx), async (req, res) => {
    const caller = callers.get(req)!;
    let poll: ReturnType<typeof pollSignal> | undefined;
    const longPoll = () => {
      poll ??= pollSignal(req, res);
      return poll.signal;
    };
    const server = mcpServer(ctx, caller, longPoll);
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: true,
    });
    res.on("close", () => {
      poll?.done();
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(req, res, req.body);
  });
  router.get("/mcp", methodNotAllowed);
  router.delete("/mcp", methodNotAllowed);
  return router;
}
