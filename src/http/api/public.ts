import { Router } from "express";
import {
  INSTANT_MESSAGE,
  parseInstant,
  validateAvailabilityQuery,
} from "../../availability/index.js";
import { availableSlots, freeBusy } from "../../booking/index.js";
import type { Context } from "../../context.js";
import { InvalidRequestError } from "../../errors.js";
import { intervalsJson, isoUtc } from "../../iso-time.js";
import { visibleUser } from "../visible-user.js";

const FREEBUSY_TTL_SECONDS = 60;
const DEFAULT_FREEBUSY_DAYS = 30;
const MAX_FREEBUSY_DAYS = 90;
const DAY_MS = 86_400_000;

/** `/api/availability/{username}` and `/api/freebusy/{username}`: open to anyone who can see the profile. */
export function publicApiRouter(ctx: Context): Router {
  const router = Router();

  router.get("/api/availability/:username", async (req, res) => {
    const { username } = await visibleUser(ctx, req);
    const query = validateAvailabilityQuery({
      start: req.query.start,
      end: req.query.end,
      durationMinutes: req.query.duration_minutes,
      stepMinutes: req.query.step_minutes,
    });
    const { timezone, slots } = await availableSlots(ctx.store, username, query);
    const head = JSON.stringify({
      username,
      timezone,
      duration_minutes: query.durationMinutes,
      step_minutes: query.stepMinutes,
    });
    res.set("Cache-Control", "no-store").type("json");
    res.send(`${head.slice(0, -1)},"slots":${intervalsJson(slots)}}`);
  });

  router.get("/api/freebusy/:username", async (req, res) => {
    const { username } = await visibleUser(ctx, req);
    const now = await ctx.store.now(username);
    const details: { pointer: string; message: string }[] = [];
    const read = (name: "start" | "end", fallback: number) => {
      const raw = req.query[name];
      if (raw === undefined) return fallback;
      const t = parseInstant(raw);
      if (t === undefined)
        details.push({
          pointer: `/${name}`,
          message: INSTANT_MESSAGE,
        });
      return t ?? fallback;
    };
    const start = read("start", now);
    const end = read("end", start + DEFAULT_FREEBUSY_DAYS * DAY_MS);
    if (details.length === 0 && end <= start)
      details.push({ pointer: "/end", message: "must be after start" });
    if (details.length === 0 && end - start > MAX_FREEBUSY_DAYS * DAY_MS)
      details.push({
        pointer: "/end",
        message: `must be at most ${MAX_FREEBUSY_DAYS} days after start`,
      });
    if (details.length > 0)
      throw new InvalidRequestError(
        `Invalid query: ${details.map((d) => `${d.pointer} ${d.message}`).join("; ")}`,
        details,
      );
    const { busy } = await freeBusy(ctx.store, username, { start, end });
    res.set("Cache-Control", `max-age=${FREEBUSY_TTL_SECONDS}`).type("json");
    res.send(
      `{"busy":${intervalsJson(busy)},"generated_at":"${isoUtc(now)}","ttl_seconds":${FREEBUSY_TTL_SECONDS}}`,
    );
  });

  return router;
}
