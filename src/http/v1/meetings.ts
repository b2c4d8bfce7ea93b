import type { Router } from "express";
import { requestMeeting } from "../../booking/index.js";
import type { Context } from "../../context.js";
import { ConflictError } from "../../errors.js";
import { isoUtc } from "../../iso-time.js";
import type { MeetingRequest } from "../api-types.gen.js";
import { callerOf } from "../auth.js";
import { validateBody } from "../validate.js";
import { violationError } from "./answers.js";
import { bookingJson } from "./format.js";
import { parseInterval } from "./times.js";

/** `POST /v1/meetings`: a meeting with someone at another organization, booked on both sides or neither. */
export function meetingsRoutes(router: Router, ctx: Context): void {
  router.post("/v1/meetings", async (req, res) => {
    const caller = callerOf(req, ["agent"]);
    const body = validateBody<MeetingRequest>("meeting-request", req.body);
    const interval = parseInterval(body.start, body.end);
    const result = await requestMeeting(ctx.booking, caller, {
      with: body.with.toLowerCase(),
      ...interval,
      subject: body.subject,
      note: body.note,
    });
    switch (result.outcome) {
      case "confirmed":
        res.status(201).json(bookingJson(result.booking, result.booking.committedAt));
        return;
      case "pending":
        res.status(202).json(bookingJson(result.booking, result.booking.committedAt));
        return;
      case "rule_violation":
        throw violationError(result);
      case "conflict":
        throw new ConflictError(result.reason, {
          side: result.side,
          ...(result.winner && {
            winning_agent_id: result.winner.agentId,
            winning_agent_priority: result.winner.priority,
          }),
          suggested_times: result.suggestions.map((s) => isoUtc(s.start)),
        });
    }
  });
}
