import type { Router } from "express";
import { acceptCounter, listCounters, proposeCounter, rejectCounter } from "../../booking/index.js";
import type { Context } from "../../context.js";
import type { CounterAcceptRequest, CounterRequest } from "../api-types.gen.js";
import { callerOf } from "../auth.js";
import { validateBody } from "../validate.js";
import { orThrow } from "./answers.js";
import { bookingJson, counterJson } from "./format.js";
import { parseInterval } from "./times.js";

/** Counter-proposals on a booking: propose, list, accept one slot, reject. */
export function countersRoutes(router: Router, ctx: Context): void {
  const deps = ctx.booking;

  router.post("/v1/bookings/:id/counter", async (req, res) => {
    const caller = callerOf(req, ["agent"]);
    const body = validateBody<CounterRequest>("counter-request", req.body);
    const proposed = body.proposed.map((p, i) => parseInterval(p.start, p.end, `/proposed/${i}`));
    const counter = await proposeCounter(deps, caller, {
      bookingId: req.params.id as string,
      proposed,
      note: body.note,
    });
    res.status(201).json(counterJson(counter));
  });

  router.get("/v1/bookings/:id/counters", async (req, res) => {
    const caller = callerOf(req, ["agent"]);
    const counters = await listCounters(deps, caller, req.params.id as string);
    res.json({ counters: counters.map(counterJson) });
  });

  router.post("/v1/bookings/:id/counters/:counterId/accept", async (req, res) => {
    const caller = callerOf(req, ["agent"]);
    const body = validateBody<CounterAcceptRequest>("counter-accept-request", req.body);
    const accepted = orThrow(
      await acceptCounter(deps, caller, {
        bookingId: req.params.id as string,
        counterId: req.params.counterId as string,
        slotIndex: body.slot_index,
      }),
      "accepted",
    );
    res.status(201).json({
      counter: counterJson(accepted.counter),
      booking: bookingJson(
        accepted.commit.booking,
        await ctx.store.now(caller.agent.username),
        accepted.commit.auditRef,
      ),
    });
  });

  router.post("/v1/bookings/:id/counters/:counterId/reject", async (req, res) => {
    const caller = callerOf(req, ["agent"]);
    const counter = await rejectCounter(deps, caller, {
      bookingId: req.params.id as string,
      counterId: req.params.counterId as string,
    });
    res.json({ counter: counterJson(counter) });
  });
}
