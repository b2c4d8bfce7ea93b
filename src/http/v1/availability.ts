import type { Router } from "express";
import { validateAvailabilityQuery } from "../../availability/index.js";
import { agentAvailability, availabilityWith } from "../../booking/index.js";
import type { Context } from "../../context.js";
import { InvalidRequestError } from "../../errors.js";
import { parseAddress } from "../../federation/index.js";
import { intervalsJson } from "../../iso-time.js";
import { callerOf } from "../auth.js";

/** The query names AgentDraft uses, mapped onto the engine's. */
const PARAM_NAMES: Record<string, string> = { "/start": "/range_start", "/end": "/range_end" };

/** `with=user@domain`: someone at another organization whose free/busy also counts. */
function withParam(raw: unknown): string | undefined {
  if (raw === undefined) return undefined;
  if (typeof raw !== "string" || !parseAddress(raw))
    throw new InvalidRequestError("with must be a Calendario address, user@domain", [
      { pointer: "/with", message: "must be an address user@domain" },
    ]);
  return raw.trim().toLowerCase();
}

export function availabilityRoutes(router: Router, ctx: Context): void {
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
    const peer = withParam(req.query.with);
    const { timezone, slots } =
      peer === undefined
        ? await agentAvailability(ctx.booking, caller, query)
        : await availabilityWith(ctx.booking, caller, query, peer);
    const head = JSON.stringify({
      user_id: caller.agent.username,
      timezone,
      duration_minutes: query.durationMinutes,
    });
    res.type("json").send(`${head.slice(0, -1)},"slots":${intervalsJson(slots)}}`);
  });
}
