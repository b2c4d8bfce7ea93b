import type { RequestHandler } from "express";
import { type Agent as CalendarAgent, hashAgentKey } from "../arbiter/index.js";
import type { Context } from "../context.js";
import { AuthRequiredError } from "../errors.js";
import { bearerToken, isAdminToken } from "./admin-auth.js";

declare module "http" {
  interface IncomingMessage {
    /** The agent an API key identifies; the key implies the user. */
    caller?: CalendarAgent;
    /** True when the request carries the admin token. */
    isAdmin?: boolean;
  }
}

/**
 * `/v1` authentication: an agent key (`Authorization: Bearer cal_agent_…`), or the admin
 * token where a route allows it. An unknown key is a 401, like a missing one.
 */
export function authenticateAgent(
  ctx: Context,
  opts: { allowAdmin?: boolean } = {},
): RequestHandler {
  return async (req, _res, next) => {
    try {
      const token = bearerToken(req.headers.authorization);
      if (token === undefined)
        throw new AuthRequiredError("Agent key required: Authorization: Bearer <key>");
      if (opts.allowAdmin && isAdminToken(ctx.adminToken, token)) {
        req.isAdmin = true;
        next();
        return;
      }
      const agent = await ctx.store.findAgentByKeyHash(hashAgentKey(token));
      if (!agent) throw new AuthRequiredError("Agent key is not valid", "invalid_api_key");
      req.caller = agent;
      next();
    } catch (err) {
      next(err);
    }
  };
}
