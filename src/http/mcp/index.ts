/**
 * `/mcp`: the Model Context Protocol door, Streamable HTTP, stateless — a new server and
 * transport per POST, so any node process answers any request without sticky sessions.
 * The agent key is the bearer token, checked before the MCP layer sees the request.
 */

import { hostHeaderValidation } from "@modelcontextprotocol/sdk/server/middleware/hostHeaderValidation.js";
import { type RequestHandler, Router } from "express";
import { hashAgentKey } from "../../arbiter/index.js";
import { type AgentCaller, agentCaller } from "../../booking/index.js";
import type { Context } from "../../context.js";
import { AuthRequiredError } from "../../errors.js";
import { bearerToken } from "../auth.js";
import { pollSignal } from "../v1/events.js";

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
      ctx.agentSeen.record(agent);
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

let mcpServerModule: Promise<typeof import("./mcp-server.js")> | undefined;
/** The SDK's server, loaded with the first MCP request. */
const loadMcpServer = () => (mcpServerModule ??= import("./mcp-server.js"));

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
    const { answerMcpPost } = await loadMcpServer();
    await answerMcpPost(ctx, caller, longPoll, req, res, req.body, () => poll?.done());
  });
  router.get("/mcp", methodNotAllowed);
  router.delete("/mcp", methodNotAllowed);
  return router;
}
