import { Router } from "express";
import { validateAvailabilityQuery } from "../../availability/index.js";
import { agentAvailability } from "../../booking/index.js";
import type { Context } from "../../context.js";
import { InvalidRequestError } from "../../errors.js";
import { intervalsJson } from "../../iso-time.js";
import { callerOf } from "../auth.js";

/** The query names AgentDraft uses, mapped onto the engine's. */
const PARAM_NAMES: Record<string, string> = { "/start": "/range_start", "/end": "/range_end" };

export function availabilityRouter(ctx: Context): Router {
  const router = Router();
  router.get("/v1/availability", async (req, res) => {
    const caller = callerOf(req, ["agent"]);
    let query: ReturnType<typeof validateAvailabilityQuery>;
    try {
      query = validateAvailabilityQuery({
        start: req.query.range_start,
        end: req.query.range_end,
        durationMinutes: req.query.duration_minutes,
        stepMinutes: req.query.step_minutes,
      });
    } catch (err) {
      if (!(err instanceof InvalidRequestError)) throw err;
      const details = (err.details as { pointer: string; message: string }[]).map((d) => ({
        ...d,
        pointer: PARAM_NAMES[d.pointer] ?? d.pointer,
      }));
      throw new InvalidRequestError(
        `Invalid availability query: ${details.map((d) => d.pointer.slice(1)).join(", ")}`,
        details,
      );
    }
    const { timezone, slots } = await agentAvailability(ctx.booking, caller, query);
    const head = JSON.stringify({
      user_id: caller.agent.username,
      timezone,
      duration_minutes: query.durationMinutes,
    });
    res.type("json").send(`${head.slice(0, -1)},"slots":${intervalsJson(slots)}}`);
  });
  return router;
}
