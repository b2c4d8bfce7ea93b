import type { Router } from "express";
import type { Context } from "../../context.js";
import { isoUtc } from "../../iso-time.js";
import { listPresence, type PresenceView, setPresence } from "../../people/index.js";
import type { PresenceRequest } from "../api-types.gen.js";
import { callerOf } from "../auth.js";
import { validateBody } from "../validate.js";

export function presenceJson(p: PresenceView) {
  return {
    agent_id: p.agentId,
    name: p.name,
    status: p.status,
    ...(p.note !== undefined && { note: p.note }),
    updated_at: isoUtc(p.at),
    expires_at: isoUtc(p.expiresAt),
  };
}

/** `POST /v1/presence` (the agent says what it is doing) and `GET /v1/presence` (its user's agents'). */
export function presenceRoutes(router: Router, ctx: Context): void {
  router.post("/v1/presence", async (req, res) => {
    const caller = callerOf(req, ["agent"]);
    const body = validateBody<PresenceRequest>("presence-request", req.body);
    res.json(presenceJson(await setPresence(ctx.people, caller, body)));
  });

  router.get("/v1/presence", async (req, res) => {
    const caller = callerOf(req, ["agent"]);
    const { presence } = await listPresence(ctx.people, caller);
    res.json({ user_id: caller.agent.username, presence: presence.map(presenceJson) });
  });
}
