import type { Router } from "express";
import { type WhoAmI, whoami } from "../../booking/index.js";
import type { Context } from "../../context.js";
import { isoLocal, isoUtc } from "../../iso-time.js";
import { callerOf } from "../auth.js";

/** The wire form of `whoami`, shared by `GET /v1/agents/me` and the MCP tool. */
export function whoamiJson(me: WhoAmI) {
  return {
    agent_id: me.agent.id,
    name: me.agent.name,
    user_id: me.agent.username,
    priority: me.agent.priority,
    scopes: me.agent.scopes,
    timezone: me.timezone,
    now: { utc: isoUtc(me.now), local: isoLocal(me.now, me.timezone) },
    hold_ttl_seconds: me.holdTtlSeconds,
    bump_window_seconds: me.bumpWindowSeconds,
  };
}

/** `GET /v1/agents/me`: the calling agent, its user's zone, the node's time and limits. */
export function agentsRoutes(router: Router, ctx: Context): void {
  router.get("/v1/agents/me", async (req, res) => {
    const caller = callerOf(req, ["agent"]);
    res.json(whoamiJson(await whoami(ctx.booking, caller)));
  });
}
