import { type Response, Router } from "express";
import { ADMIN, type DecideResult, decideRequest, existingUser } from "../../booking/index.js";
import type { Context } from "../../context.js";
import { ConflictError } from "../../errors.js";
import { isoUtc } from "../../iso-time.js";
import type { PendingDecisionRequest } from "../api-types.gen.js";
import { violationError } from "../v1/answers.js";
import { bookingJson } from "../v1/format.js";
import { validateBody } from "../validate.js";

const PENDING_LOOKAHEAD_MS = 400 * 86_400_000;

/**
 * Requests waiting for the person's acknowledgement, and the person's answer given by the
 * administrator (the person's own door is the inbox).
 */
export function adminRequestsRouter(ctx: Context): Router {
  const router = Router();
  const deps = ctx.booking;

  router.get("/admin/v1/users/:username/requests", async (req, res) => {
    const username = await existingUser(deps, req.params.username as string);
    const now = await ctx.store.now(username);
    const pending = await ctx.store.listPending(username, {
      start: now,
      end: now + PENDING_LOOKAHEAD_MS,
    });
    res.json({ requests: pending.map((b) => bookingJson(b, now)) });
  });

  const send = (res: Response, result: DecideResult) => {
    switch (result.outcome) {
      case "confirmed":
      case "declined":
        res.json({
          ...bookingJson(result.booking, result.booking.committedAt),
          audit_ref: result.auditRef,
        });
        return;
      case "rule_violation":
        throw violationError(result);
      case "conflict":
        throw new ConflictError("The slot is no longer free; the request cannot be accepted", {
          suggested_times: result.suggestions.map((s) => isoUtc(s.start)),
        });
    }
  };

  for (const decision of ["accept", "decline"] as const)
    router.post(`/admin/v1/users/:username/bookings/:bookingId/${decision}`, async (req, res) => {
      const username = await existingUser(deps, req.params.username as string);
      const body = validateBody<PendingDecisionRequest>("pending-decision-request", req.body ?? {});
      send(
        res,
        await decideRequest(deps, ADMIN, {
          username,
          bookingId: req.params.bookingId as string,
          decision,
          message: body.message,
        }),
      );
    });

  return router;
}
