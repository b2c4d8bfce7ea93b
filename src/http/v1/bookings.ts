import type { Router } from "express";
import {
  cancelBooking,
  commitBooking,
  getBooking,
  listBookings,
  placeHold,
  releaseHold,
} from "../../booking/index.js";
import type { Context } from "../../context.js";
import type { BookingRequest, HoldRequest } from "../api-types.gen.js";
import { callerOf } from "../auth.js";
import { answerJson } from "../json-answer.js";
import { validateBody } from "../validate.js";
import { orThrow } from "./answers.js";
import { bookingJson, holdJson } from "./format.js";
import { idempotencyKey, idParam, rangeParams } from "./params.js";
import { parseInterval } from "./times.js";

export function bookingsRoutes(router: Router, ctx: Context): void {
  const deps = ctx.booking;

  router.post("/v1/holds", async (req, res) => {
    const caller = callerOf(req, ["agent"]);
    const body = validateBody<HoldRequest>("hold-request", req.body);
    const interval = parseInterval(body.start, body.end);
    const held = orThrow(
      await placeHold(deps, caller, {
        ...interval,
        idempotencyKey: idempotencyKey(req, body.idempotency_key),
        request: { start: interval.start, end: interval.end },
      }),
      "held",
    );
    answerJson(res, held.replay ? 200 : 201, { ...holdJson(held.hold), audit_ref: held.auditRef });
  });

  router.delete("/v1/holds/:id", async (req, res) => {
    const caller = callerOf(req, ["agent"]);
    const released = await releaseHold(deps, caller, { holdId: idParam(req, "id", "hld") });
    res.json({ ...holdJson(released.hold), status: "released", audit_ref: released.auditRef });
  });

  router.post("/v1/bookings", async (req, res) => {
    const caller = callerOf(req, ["agent"]);
    const body = validateBody<BookingRequest>("booking-request", req.body);
    const interval = parseInterval(body.start, body.end);
    const details: Record<string, unknown> = {};
    if (body.title !== undefined) details.title = body.title;
    if (body.invitee !== undefined) details.invitee = body.invitee;
    if (body.metadata !== undefined) details.metadata = body.metadata;
    const { idempotency_key: _key, ...request } = body;
    const result = await commitBooking(deps, caller, {
      ...interval,
      holdId: body.hold_id,
      details: Object.keys(details).length > 0 ? details : undefined,
      idempotencyKey: idempotencyKey(req, body.idempotency_key),
      request: { ...request, start: interval.start, end: interval.end },
    });
    if (result.outcome === "pending") {
      // The person must acknowledge this agent's bookings: it waits for them (202, also on a replay).
      answerJson(
        res,
        202,
        bookingJson(result.booking, result.booking.committedAt, result.auditRef),
      );
      return;
    }
    const committed = orThrow(result, "committed");
    // A fresh booking is judged at its commit instant (no extra round trip); a replay, now.
    const now = committed.replay
      ? await ctx.store.now(caller.agent.username)
      : committed.booking.committedAt;
    answerJson(
      res,
      committed.replay ? 200 : 201,
      bookingJson(committed.booking, now, committed.auditRef),
    );
  });

  router.get("/v1/bookings", async (req, res) => {
    const caller = callerOf(req, ["agent"]);
    const range = rangeParams(req.query.range_start, req.query.range_end);
    const { bookings, now } = await listBookings(deps, caller, range);
    res.json({ bookings: bookings.map((b) => bookingJson(b, now)) });
  });

  router.get("/v1/bookings/:id", async (req, res) => {
    const caller = callerOf(req, ["agent"]);
    const { booking, now } = await getBooking(deps, caller, idParam(req, "id", "bkg"));
    res.json(bookingJson(booking, now));
  });

  router.delete("/v1/bookings/:id", async (req, res) => {
    const caller = callerOf(req, ["agent"]);
    const cancelled = await cancelBooking(deps, caller, { bookingId: idParam(req, "id", "bkg") });
    res.json({
      ...bookingJson(cancelled.booking, await ctx.store.now(caller.agent.username)),
      audit_ref: cancelled.auditRef,
    });
  });
}
