/**
 * Counter-proposal decisions (Store.decideCounter) on both stores: each is one atomic
 * step, so of concurrent decisions on one counter exactly one wins.
 */
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import type { CounterDecisionCommand, CounterProposal, Store } from "../../../src/arbiter/index.js";
import type { Booking } from "../../../src/arbiter/types.js";
import { verifyChain } from "../../../src/audit/index.js";
import { commitCmd, MIN, storeKinds, T0 } from "./store-harness.js";

const SLOTS = [
  { start: T0 + 200 * MIN, end: T0 + 230 * MIN },
  { start: T0 + 300 * MIN, end: T0 + 330 * MIN },
];

for (const kind of storeKinds()) {
  describe(`counter decisions: ${kind.name} store`, () => {
    let store: Store;
    beforeEach(async () => {
      ({ store } = await kind.create());
    });
    afterAll(() => kind.teardown());

    let n = 0;
    /** A committed booking of agt_owner with an open counter-proposal from agt_other. */
    async function proposed(): Promise<{ booking: Booking; counter: CounterProposal }> {
      n += 1;
      const start = T0 + n * 1440 * MIN;
      const out = await store.commit(
        commitCmd({ agentId: "agt_owner", priority: 3, start, end: start + 30 * MIN }),
      );
      if (out.status !== "committed") throw new Error("not committed");
      const counter: CounterProposal = {
        id: `ctr_test${n}`,
        bookingId: out.booking.id,
        proposedBy: "agt_other",
        proposed: SLOTS.map((s) => ({
          start: s.start + n * 1440 * MIN,
          end: s.end + n * 1440 * MIN,
        })),
        note: "Später? ünïcødé",
        status: "open",
        createdAt: T0,
      };
      await store.putCounter("jane", counter, "counter.proposed", "agt_other");
      return { booking: out.booking, counter };
    }

    function accept(
      booking: Booking,
      counter: CounterProposal,
      slotIndex: number,
      over: Partial<CounterDecisionCommand> = {},
    ): CounterDecisionCommand {
      const slot = counter.proposed[slotIndex] ?? { start: T0, end: T0 + MIN };
      return {
        username: "jane",
        counterId: counter.id,
        bookingId: booking.id,
        agentId: booking.agentId,
        actor: booking.agentId,
        decision: "accept",
        slotIndex,
        commit: commitCmd({
          agentId: booking.agentId,
          priority: booking.priority,
          ...slot,
          replaces: booking.id,
        }),
        ...over,
      };
    }

    function reject(booking: Booking, counter: CounterProposal): CounterDecisionCommand {
      return {
        username: "jane",
        counterId: counter.id,
        bookingId: booking.id,
        agentId: booking.agentId,
        actor: booking.agentId,
        decision: "reject",
      };
    }

    it("accepts a slot: moves the booking and closes the counter, with one audit event", async () => {
      const { booking, counter } = await proposed();
      const out = await store.decideCounter(accept(booking, counter, 1));
      expect(out).toMatchObject({
        status: "decided",
        counter: { id: counter.id, status: "accepted", acceptedIndex: 1, decidedAt: T0 },
        commit: { status: "committed", booking: { replaces: booking.id, ...counter.proposed[1] } },
      });
      if (out.status !== "decided") return;
      expect(out.counter.acceptedBookingId).toBe(out.commit?.booking.id);
      expect(await store.getCounter("jane", counter.id)).toEqual(out.counter);
      expect(await store.getBooking("jane", booking.id)).toMatchObject({ status: "cancelled" });
      const events = await store.readAudit("jane");
      expect(verifyChain(events)).toEqual({ ok: true });
      const accepted = events.filter((e) => e.type === "counter.accepted");
      expect(accepted).toHaveLength(1);
      expect(accepted[0]).toMatchObject({
        id: out.auditRef,
        actor: booking.agentId,
        resource: booking.id,
        data: {
          accepted_booking_id: out.commit?.booking.id,
          accepted_index: 1,
          booking_id: booking.id,
          counter_id: counter.id,
          note: counter.note,
          proposed: counter.proposed,
          proposed_by: "agt_other",
          status: "accepted",
        },
      });
      expect(events.at(-2)?.type).toBe("booking.committed");
    });

    it("rejects: closes the counter and leaves the booking", async () => {
      const { booking, counter } = await proposed();
      const out = await store.decideCounter(reject(booking, counter));
      expect(out).toMatchObject({ status: "decided", counter: { status: "rejected" } });
      expect(out).not.toHaveProperty("commit");
      expect(await store.getBooking("jane", booking.id)).toMatchObject({ status: "committed" });
      const last = (await store.readAudit("jane")).at(-1);
      expect(last).toMatchObject({
        type: "counter.rejected",
        data: { status: "rejected", accepted_index: null, accepted_booking_id: null },
      });
      expect(await store.decideCounter(accept(booking, counter, 0))).toEqual({
        status: "refused",
        reason: "counter_closed",
      });
    });

    it("refuses an unknown counter, another agent, and a slot that is not the proposed one", async () => {
      const { booking, counter } = await proposed();
      const before = await store.auditHead("jane");
      expect(
        await store.decideCounter({ ...reject(booking, counter), counterId: "ctr_none" }),
      ).toEqual({ status: "refused", reason: "counter_not_found" });
      expect(
        await store.decideCounter({ ...reject(booking, counter), bookingId: "bkg_other" }),
      ).toEqual({ status: "refused", reason: "counter_not_found" });
      expect(
        await store.decideCounter({ ...reject(booking, counter), agentId: "agt_other" }),
      ).toEqual({ status: "refused", reason: "not_owner" });
      expect(await store.decideCounter(accept(booking, counter, 5))).toEqual({
        status: "refused",
        reason: "slot_mismatch",
      });
      const wrong = accept(booking, counter, 0);
      wrong.commit!.start += MIN;
      expect(await store.decideCounter(wrong)).toEqual({
        status: "refused",
        reason: "slot_mismatch",
      });
      expect(
        await store.decideCounter({ ...accept(booking, counter, 0), commit: undefined }),
      ).toEqual({ status: "refused", reason: "slot_mismatch" });
      expect(await store.auditHead("jane")).toEqual(before);
      expect(await store.getCounter("jane", counter.id)).toMatchObject({ status: "open" });
    });

    it("leaves the counter open when the accepted slot's commit loses", async () => {
      const { booking, counter } = await proposed();
      const blocker = await store.commit(
        commitCmd({ agentId: "agt_top", priority: 1, ...counter.proposed[0]! }),
      );
      expect(blocker.status).toBe("committed");
      const out = await store.decideCounter(accept(booking, counter, 0));
      expect(out).toMatchObject({ status: "conflict", winner: { agentId: "agt_top" } });
      expect(await store.getCounter("jane", counter.id)).toMatchObject({ status: "open" });
      expect(await store.getBooking("jane", booking.id)).toMatchObject({ status: "committed" });
      expect(await store.decideCounter(accept(booking, counter, 1))).toMatchObject({
        status: "decided",
      });
    });

    it("decides exactly once when an accept and two rejects arrive together", async () => {
      for (let trial = 0; trial < 40; trial++) {
        const { booking, counter } = await proposed();
        const outcomes = await Promise.all([
          store.decideCounter(reject(booking, counter)),
          store.decideCounter(accept(booking, counter, trial % 2)),
          store.decideCounter(reject(booking, counter)),
        ]);
        const decided = outcomes.filter((o) => o.status === "decided");
        expect(decided, `trial ${trial}`).toHaveLength(1);
        expect(outcomes.filter((o) => o.status !== "decided")).toEqual([
          { status: "refused", reason: "counter_closed" },
          { status: "refused", reason: "counter_closed" },
        ]);
        const stored = await store.getCounter("jane", counter.id);
        expect(stored).toEqual(decided[0]!.status === "decided" && decided[0]!.counter);
        const decisions = (await store.readAudit("jane", { resource: booking.id })).filter(
          (e) =>
            (e.type === "counter.accepted" || e.type === "counter.rejected") &&
            e.data.counter_id === counter.id,
        );
        expect(decisions, `trial ${trial}`).toHaveLength(1);
        const active = await store.listBookings("jane", { start: T0, end: T0 + 200 * 1440 * MIN });
        const moved = stored?.status === "accepted";
        expect(active.filter((b) => b.id === booking.id)).toHaveLength(moved ? 0 : 1);
      }
      expect(verifyChain(await store.readAudit("jane", { limit: 10_000 }))).toEqual({ ok: true });
    });
  });
}
