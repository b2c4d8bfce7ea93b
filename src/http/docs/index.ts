/**
 * The documents of the node: `GET /openapi.json`, `GET /llms.txt`, `GET /api/skill`, and
 * `GET /v1/skill` (mounted after the `/v1` router, whose authentication it relies on).
 */
import { Router } from "express";
import { validateAvailabilityQuery } from "../../availability/index.js";
import { type AgentCaller, agentAvailability } from "../../booking/index.js";
import type { Context } from "../../context.js";
import { isoUtc } from "../../iso-time.js";
import { callerOf } from "../auth.js";
import { openApiDocument } from "./openapi.js";
import { llmsTxt, type SkillInput, skillMarkdown } from "./skill.js";

const DAY_MS = 86_400_000;
const MARKDOWN = "text/markdown; charset=utf-8";

/** Tomorrow 15:00-15:30 UTC: the example slot of the public skill. */
function tomorrowAfternoon(now: number): { start: number; end: number } {
  const start = Math.floor(now / DAY_MS) * DAY_MS + DAY_MS + 15 * 3_600_000;
  return { start, end: start + 30 * 60_000 };
}

async function personalInput(ctx: Context, caller: AgentCaller): Promise<SkillInput> {
  const { agent } = caller;
  const now = await ctx.store.now(agent.username);
  const [siblings, user] = await Promise.all([
    ctx.store.listAgents(agent.username),
    ctx.store.getUser(agent.username),
  ]);
  const profile = (user ? JSON.parse(user.published) : {}) as Record<string, unknown>;
  const ranked = [...siblings].sort((a, b) => a.priority - b.priority || (a.id < b.id ? -1 : 1));
  const { slots } = await agentAvailability(
    ctx.booking,
    caller,
    validateAvailabilityQuery({
      start: isoUtc(now),
      end: isoUtc(now + 14 * DAY_MS),
      durationMinutes: "30",
      stepMinutes: "30",
    }),
  );
  const num = (v: unknown) => (typeof v === "number" ? v : undefined);
  return {
    publicUrl: ctx.cfg.service.publicUrl,
    slot: slots[0] ?? tomorrowAfternoon(now),
    agent: {
      agentId: agent.id,
      name: agent.name,
      username: agent.username,
      priority: agent.priority,
      scopes: agent.scopes,
      rank: ranked.findIndex((a) => a.id === agent.id) + 1,
      siblings: ranked.length,
      timezone: typeof profile.timezone === "string" ? profile.timezone : "UTC",
      minNoticeHours: num(profile.min_notice_hours),
      maxBookingsPerDay: num(profile.max_bookings_per_day),
      holdTtlSeconds: ctx.cfg.booking.holdTtlSeconds,
      bumpWindowSeconds: ctx.cfg.booking.bumpWindowSeconds,
    },
  };
}

export function docsRouter(ctx: Context): Router {
  const router = Router();
  const publicUrl = ctx.cfg.service.publicUrl;
  const openapi = JSON.stringify(openApiDocument(publicUrl));
  const llms = llmsTxt(publicUrl);

  router.get("/openapi.json", (_req, res) => {
    res.type("json").set("Access-Control-Allow-Origin", "*").send(openapi);
  });
  router.get("/llms.txt", (_req, res) => {
    res.type("text/plain; charset=utf-8").send(llms);
  });
  router.get("/api/skill", async (_req, res) => {
    const now = await ctx.store.now();
    res.type(MARKDOWN).send(skillMarkdown({ publicUrl, slot: tomorrowAfternoon(now) }));
  });
  router.get("/v1/skill", async (req, res) => {
    const caller = callerOf(req, ["agent"]);
    res.type(MARKDOWN).send(skillMarkdown(await personalInput(ctx, caller)));
  });
  return router;
}
