import { Router } from "express";
import { type CounterProposal, commitBooking, ID_RE, newId } from "../../arbiter/index.js";
import type { Context } from "../../context.js";
import { ConflictError, ForbiddenError, NotFoundError } from "../../errors.js";
import { validateBody } from "../request-schemas.js";
import { agentOf } from "./bookings.js";
import { bookingJson, counterJson } from "./format.js";
import { parseInterval } from "./times.js";

/**
 * Counter-proposals: another agent of the user offers 1–5 alternative slots for a
 * booking; the booking's agent accepts one (an atomic move through the arbiter) or
 * rejects them.
 */
export function countersRouter(ctx: Context): Router {
  const router = Router();

  async function bookingOf(username: string, id: string) {
    const booking = ID_RE.test(id) ? await ctx.store.getBooking(username, id) : null;
    if (!booking) throw new NotFoundError(`No booking ${id}`, "booking_not_found");
    return booking;
  }

  async function counterOf(username: string, bookingId: string, counterId: string) {
    const counter = ID_RE.test(counterId) ? await ctx.store.getCounter(username, counterId) : null;
    if (!counter || counter.bookingId !== bookingId)
      throw new NotFoundError(
        `No counter-proposal ${counterId} on booking ${bookingId}`,
        "counter_not_found",
      );
    return counter;
  }

  router.post("/v1/bookings/:id/counter", async (req, res) => {
    const agent = agentOf(req);
    const body = validateBody<{ proposed: { start: string; end: string }[]; note?: string }>(
      "counter-request",
      req.body,
    );
    const proposed = body.proposed.map((p, i) => parseInterval(p.start, p.end, `/proposed/${i}`));
    const booking = await bookingOf(agent.username, req.params.id as string);
    if (booking.status !== "committed")
      throw new ConflictError(
        `Booking ${booking.id} is ${booking.status}; only a committed booking can be countered`,
      );
    const counter: CounterProposal = {
      id: newId("ctr"),
      bookingId: booking.id,
      proposedBy: agent.id,
      proposed,
      ...(body.note !== undefined && { note: body.note }),
      status: "open",
      createdAt: await ctx.store.now(),
    };
    await ctx.store.putCounter(agent.username, counter, "counter.proposed", agent.id);
    res.status(201).json(counterJson(counter));
  });

  router.get("/v1/bookings/:id/counters", async (req, res) => {
    const agent = agentOf(req);
    const booking = await bookingOf(agent.username, req.params.id as string);
    const counters = await ctx.store.listCounters(agent.username, booking.id);
    res.json({ counters: counters.map(counterJson) });
  });

  router.post("/v1/bookings/:id/counters/:counterId/accept", async (req, res) => {
    const agent = agentOf(req);
    const { slot_index } = validateBody<{ slot_index: number }>("counter-accept-request", req.body);
    const booking = await bookingOf(agent.username, req.params.id as string);
    const counter = await counterOf(agent.username, booking.id, req.params.counterId as string);
    if (booking.agentId !== agent.id)
      throw new ForbiddenError(
        "Only the booking's agent may accept a counter-proposal",
        "not_owner",
      );
    if (counter.status !== "open")
      throw new ConflictError(`Counter-proposal ${counter.id} is already ${counter.status}`);
    const slot = counter.proposed[slot_index];
    if (!slot)
      throw new NotFoundError(
        `slot_index ${slot_index} is not one of the ${counter.proposed.length} proposed slots`,
        "slot_not_found",
      );
    const outcome = await commitBooking(ctx.store, ctx.arbiterSettings, agent, {
      ...slot,
      replaces: booking.id,
      details: booking.details,
      body: { counter: counter.id, slot_index },
    });
    const decided: CounterProposal = {
      ...counter,
      status: "accepted",
      decidedAt: await ctx.store.now(),
      acceptedIndex: slot_index,
      acceptedBookingId: outcome.booking.id,
    };
    await ctx.store.putCounter(agent.username, decided, "counter.accepted", agent.id);
    res.status(201).json({
      counter: counterJson(decided),
      booking: bookingJson(outcome.booking, await ctx.store.now(), outcome.auditRef),
    });
  });

  router.post("/v1/bookings/:id/counters/:counterId/reject", async (req, res) => {
    const agent = agentOf(req);
    const booking = await bookingOf(agent.username, req.params.id as string);
    const counter = await counterOf(agent.username, booking.id, req.params.counterId as string);
    if (booking.agentId !== agent.id)
      throw new ForbiddenError(
        "Only the booking's agent may reject a counter-proposal",
        "not_owner",
      );
    if (counter.status !== "open")
      throw new ConflictError(`Counter-proposal ${counter.id} is already ${counter.status}`);
    const decided: CounterProposal = {
      ...counter,
      status: "rejected",
      decidedAt: await ctx.store.now(),
    };
    await ctx.store.putCounter(agent.username, decided, "counter.rejected", agent.id);
    res.json({ counter: counterJson(decided) });
  });

  return router;
}
