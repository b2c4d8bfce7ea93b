import { type Request, Router } from "express";
import { type Agent, commitBooking, ID_RE, placeHold } from "../../arbiter/index.js";
import { parseInstant } from "../../availability/index.js";
import type { Context } from "../../context.js";
import { ConflictError, ForbiddenError, InvalidRequestError, NotFoundError } from "../../errors.js";
import { validateBody } from "../request-schemas.js";
import { bookingJson, holdJson } from "./format.js";
import { parseInterval } from "./times.js";

export function agentOf(req: Request): Agent {
  if (!req.caller) throw new ForbiddenError("This endpoint is for agents: use an agent key");
  return req.caller;
}

/** Idempotency-Key header or body member; a header wins, both must agree if both are given. */
function idempotencyKey(req: Request, fromBody: string | undefined): string | undefined {
  const header = req.headers["idempotency-key"];
  const key = typeof header === "string" ? header : undefined;
  if (key !== undefined && (key.length === 0 || key.length > 255))
    throw new InvalidRequestError("Idempotency-Key must be 1-255 characters", [
      { pointer: "/idempotency_key", message: "must be 1-255 characters" },
    ]);
  if (key !== undefined && fromBody !== undefined && key !== fromBody)
    throw new InvalidRequestError("Idempotency-Key header and idempotency_key differ", [
      { pointer: "/idempotency_key", message: "differs from the Idempotency-Key header" },
    ]);
  return key ?? fromBody;
}

function idParam(req: Request, name: string, prefix: string): string {
  const id = req.params[name] as string;
  if (!ID_RE.test(id) || !id.startsWith(`${prefix}_`))
    throw new NotFoundError(
      `No such ${prefix === "bkg" ? "booking" : "hold"}: ${id}`,
      `${prefix === "bkg" ? "booking" : "hold"}_not_found`,
    );
  return id;
}

export interface BookingBody {
  start: string;
  end: string;
  hold_id?: string;
  idempotency_key?: string;
  title?: string;
  invitee?: Record<string, unknown>;
  metadata?: Record<string, unknown>;
}

export function bookingsRouter(ctx: Context): Router {
  const router = Router();

  router.post("/v1/holds", async (req, res) => {
    const agent = agentOf(req);
    const body = validateBody<{ start: string; end: string; idempotency_key?: string }>(
      "hold-request",
      req.body,
    );
    const interval = parseInterval(body.start, body.end);
    const outcome = await placeHold(ctx.store, ctx.arbiterSettings, agent, {
      ...interval,
      idempotencyKey: idempotencyKey(req, body.idempotency_key),
      body: { start: interval.start, end: interval.end },
    });
    res
      .status(outcome.replay ? 200 : 201)
      .json({ ...holdJson(outcome.hold), audit_ref: outcome.auditRef });
  });

  router.delete("/v1/holds/:id", async (req, res) => {
    const agent = agentOf(req);
    const id = idParam(req, "id", "hld");
    const outcome = await ctx.store.releaseHold(agent.username, id, agent.id, agent.id);
    if (outcome.status !== "released")
      throw new NotFoundError(`No live hold ${id} of this agent`, "hold_not_found");
    res.json({ ...holdJson(outcome.hold), status: "released", audit_ref: outcome.auditRef });
  });

  router.post("/v1/bookings", async (req, res) => {
    const agent = agentOf(req);
    const body = validateBody<BookingBody>("booking-request", req.body);
    const interval = parseInterval(body.start, body.end);
    const details: Record<string, unknown> = {};
    if (body.title !== undefined) details.title = body.title;
    if (body.invitee !== undefined) details.invitee = body.invitee;
    if (body.metadata !== undefined) details.metadata = body.metadata;
    const outcome = await commitBooking(ctx.store, ctx.arbiterSettings, agent, {
      ...interval,
      holdId: body.hold_id,
      details: Object.keys(details).length > 0 ? details : undefined,
      idempotencyKey: idempotencyKey(req, body.idempotency_key),
      body: { ...withoutKey(body), start: interval.start, end: interval.end },
    });
    // A fresh booking is judged at its commit instant (no extra round trip); a replay, now.
    res
      .status(outcome.replay ? 200 : 201)
      .json(
        bookingJson(
          outcome.booking,
          outcome.replay ? await ctx.store.now() : outcome.booking.committedAt,
          outcome.auditRef,
        ),
      );
  });

  router.get("/v1/bookings", async (req, res) => {
    const agent = agentOf(req);
    const now = await ctx.store.now();
    const range =
      req.query.range_start === undefined && req.query.range_end === undefined
        ? { start: now, end: now + 90 * 86_400_000 }
        : parseRange(req.query.range_start, req.query.range_end);
    const bookings = await ctx.store.listBookings(agent.username, range);
    res.json({ bookings: bookings.map((b) => bookingJson(b, now)) });
  });

  router.get("/v1/bookings/:id", async (req, res) => {
    const agent = agentOf(req);
    const id = idParam(req, "id", "bkg");
    const booking = await ctx.store.getBooking(agent.username, id);
    if (!booking) throw new NotFoundError(`No booking ${id}`, "booking_not_found");
    res.json(bookingJson(booking, await ctx.store.now()));
  });

  router.delete("/v1/bookings/:id", async (req, res) => {
    const agent = agentOf(req);
    const id = idParam(req, "id", "bkg");
    const outcome = await ctx.store.cancelBooking(agent.username, id, agent.id, agent.id);
    if (outcome.status !== "cancelled") {
      if (outcome.reason === "not_owner")
        throw new ForbiddenError(
          "Only the booking's agent or the admin may cancel it",
          "not_owner",
        );
      if (outcome.reason === "not_committed")
        throw new ConflictError(`Booking ${id} is no longer committed`);
      throw new NotFoundError(`No booking ${id}`, "booking_not_found");
    }
    res.json({
      ...bookingJson(outcome.booking, await ctx.store.now()),
      audit_ref: outcome.auditRef,
    });
  });

  return router;
}

function withoutKey({ idempotency_key: _key, ...rest }: BookingBody) {
  return rest;
}

export function parseRange(start: unknown, end: unknown) {
  const s = instantParam(start, "/range_start");
  const e = instantParam(end, "/range_end");
  if (e <= s)
    throw new InvalidRequestError("range_end must be after range_start", [
      { pointer: "/range_end", message: "must be after range_start" },
    ]);
  if (e - s > 366 * 86_400_000)
    throw new InvalidRequestError("the range is at most 366 days", [
      { pointer: "/range_end", message: "must be at most 366 days after range_start" },
    ]);
  return { start: s, end: e };
}

function instantParam(value: unknown, pointer: string): number {
  const t = parseInstant(value);
  if (t === undefined)
    throw new InvalidRequestError(
      `${pointer.slice(1)} must be an ISO 8601 date-time with a zone offset`,
      [{ pointer, message: "must be an ISO 8601 date-time with a zone offset" }],
    );
  return t;
}
