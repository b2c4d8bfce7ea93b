import type { Server } from "node:net";
import type { Request, Response, Router } from "express";
import type { Context } from "../../context.js";
import { ForbiddenError, InvalidRequestError, NotFoundError } from "../../errors.js";
import { USERNAME_RE } from "../../profile/index.js";
import { MAX_WAIT_MS } from "../../webhooks/index.js";
import { callerOf } from "../auth.js";
import { intParam } from "./params.js";

const MAX_LIMIT = 100;
const LISTENING_CHECK_MS = 200;

/**
 * Ends with the response (the client left) or when the server stops listening: a long
 * poll must not hold a shutting-down node for its whole wait.
 */
export function pollSignal(req: Request, res: Response): { signal: AbortSignal; done(): void } {
  const abort = new AbortController();
  res.once("close", () => abort.abort());
  const server = (req.socket as { server?: Server }).server;
  const timer = setInterval(() => {
    if (server && !server.listening) abort.abort();
  }, LISTENING_CHECK_MS);
  return { signal: abort.signal, done: () => clearInterval(timer) };
}

/**
 * `GET /v1/events?after=<cursor>&limit=&wait=<s>`: polling, for agents that cannot receive
 * webhooks. The agent's events (the admin: a user's, with `user_id`) in order, as webhook
 * envelopes, with the cursor to pass next; `wait` (≤ 30 s) holds the request until one comes.
 */
export function eventsRoutes(router: Router, ctx: Context): void {
  router.get("/v1/events", async (req, res) => {
    const { user_id } = req.query as Record<string, string | undefined>;
    const caller = callerOf(req, ["agent", "admin"]);
    let who: { username: string; agentId: string | null };
    if (caller.kind === "admin") {
      if (!user_id || !USERNAME_RE.test(user_id))
        throw new InvalidRequestError("user_id is required for the admin", [
          { pointer: "/user_id", message: "is required" },
        ]);
      if (!(await ctx.store.getUser(user_id)))
        throw new NotFoundError(`No user "${user_id}"`, "unknown_user");
      who = { username: user_id, agentId: null };
    } else {
      if (user_id !== undefined && user_id !== caller.agent.username)
        throw new ForbiddenError("An agent reads only its own events");
      who = { username: caller.agent.username, agentId: caller.agent.id };
    }
    const after = intParam(req.query.after, "after", 0, Number.MAX_SAFE_INTEGER, 0);
    const limit = intParam(req.query.limit, "limit", 1, MAX_LIMIT, 50);
    const waitMs = intParam(req.query.wait, "wait", 0, MAX_WAIT_MS / 1000, 0) * 1000;
    const poll = pollSignal(req, res);
    try {
      const page = await ctx.webhooks.events(who, after, limit, waitMs, poll.signal);
      if (res.writableEnded || res.destroyed) return;
      res.json({ events: page.events, next_cursor: String(page.cursor), has_more: page.hasMore });
    } finally {
      poll.done();
    }
  });
}
