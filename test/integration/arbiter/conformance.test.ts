/**
 * The arbiter's semantics (AgentDraft §03 and DESIGN "Conflict resolution"), run
 * unchanged against the memory store and a real Redis.
 */
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import type { Store } from "../../../src/arbiter/index.js";
import { verifyChain } from "../../../src/audit/index.js";
import type { ManualClock } from "../../../src/clock.js";
import { commitCmd, holdCmd, MIN, storeKinds, T0 } from "./store-harness.js";

for (const kind of storeKinds()) {
  describe(`arbiter conformance: ${kind.name} store`, () => {
    let store: Store;
    let clock: ManualClock;
    beforeEach(async () => {
      ({ store, clock } = await kind.create());
    });
    afterAll(() => kind.teardown());

    describe("holds", () => {
      it("refuses a hold over another agent's live hold: first holder wins", async () => {
        const first = await store.hold(holdCmd({ agentId: "agt_a", priority: 3 }));
        expect(first.status).toBe("held");
        const second = await store.hold(holdCmd({ agentId: "agt_b", priority: 1 }));
        expect(second).toMatchObject({
          status: "conflict",
          winner: { kind: "hold", agentId: "agt_a", priority: 3, frozen: false },
        });
      });

      it("lets a hold lapse after its TTL", async () => {
        await store.hold(holdCmd({ agentId: "agt_a", priority: 3, ttlMs: 30_000 }));
        clock.advance(29_999);
        expect((await store.hold(holdCmd({ agentId: "agt_b", priority: 2 }))).status).toBe(
          "conflict",
        );
        clock.advance(1);
        expect((await store.hold(holdCmd({ agentId: "agt_b", priority: 2 }))).status).toBe("held");
        const live = await store.listHolds("jane", { start: T0, end: T0 + 600 * MIN });
        expect(live.map((h) => h.agentId)).toEqual(["agt_b"]);
      });

      it("refuses a hold over a committed booking", async () => {
        await store.commit(commitCmd({ agentId: "agt_a", priority: 5 }));
        const held = await store.hold(holdCmd({ agentId: "agt_b", priority: 1 }));
        expect(held).toMatchObject({
          status: "conflict",
          winner: { kind: "booking", agentId: "agt_a" },
        });
      });

      it("allows holds that only touch (half-open intervals)", async () => {
        await store.hold(holdCmd({ agentId: "agt_a", priority: 1, start: T0, end: T0 + 30 * MIN }));
        const next = await store.hold(
          holdCmd({ agentId: "agt_b", priority: 1, start: T0 + 30 * MIN, end: T0 + 60 * MIN }),
        );
        expect(next.status).toBe("held");
      });

      it("releases only the agent's own hold", async () => {
        const held = await store.hold(holdCmd({ agentId: "agt_a", priority: 1 }));
        if (held.status !== "held") throw new Error("not held");
        expect((await store.releaseHold("jane", held.hold.id, "agt_b", "agt_b")).status).toBe(
          "rejected",
        );
        expect((await store.releaseHold("jane", held.hold.id, "agt_a", "agt_a")).status).toBe(
          "released",
        );
        expect((await store.releaseHold("jane", held.hold.id, "agt_a", "agt_a")).status).toBe(
          "rejected",
        );
      });
    });

    describe("commits", () => {
      it("displaces overlapping holds of the same or lower priority", async () => {
        const low = { start: T0 + 60 * MIN, end: T0 + 70 * MIN };
        await store.hold(holdCmd({ agentId: "agt_low", priority: 3, ...low }));
        await store.hold(
          holdCmd({ agentId: "agt_same", priority: 2, start: T0 + 80 * MIN, end: T0 + 100 * MIN }),
        );
        const out = await store.commit(
          commitCmd({ agentId: "agt_c", priority: 2, end: T0 + 90 * MIN }),
        );
        expect(out.status).toBe("committed");
        if (out.status !== "committed") return;
        expect(out.displacedHolds.map((h) => h.agentId).sort()).toEqual(["agt_low", "agt_same"]);
        const events = await store.readAudit("jane");
        expect(
          events.filter((e) => e.type === "hold.invalidated").map((e) => e.data.reason),
        ).toEqual(["displaced", "displaced"]);
      });

      it("loses to an overlapping hold of higher priority", async () => {
        await store.hold(holdCmd({ agentId: "agt_high", priority: 1 }));
        const out = await store.commit(commitCmd({ agentId: "agt_c", priority: 2 }));
        expect(out).toMatchObject({
          status: "conflict",
          winner: { kind: "hold", agentId: "agt_high", priority: 1 },
        });
      });

      it("consumes the committing agent's own holds", async () => {
        const held = await store.hold(holdCmd({ agentId: "agt_a", priority: 4 }));
        if (held.status !== "held") throw new Error("not held");
        const out = await store.commit(
          commitCmd({ agentId: "agt_a", priority: 4, holdId: held.hold.id }),
        );
        expect(out).toMatchObject({ status: "committed", booking: { holdId: held.hold.id } });
        expect(await store.listHolds("jane", { start: T0, end: T0 + 600 * MIN })).toEqual([]);
      });

      it("refuses a hold_id that is not a live hold of the agent", async () => {
        const held = await store.hold(holdCmd({ agentId: "agt_a", priority: 4 }));
        if (held.status !== "held") throw new Error("not held");
        const out = await store.commit(
          commitCmd({ agentId: "agt_b", priority: 1, holdId: held.hold.id }),
        );
        expect(out).toMatchObject({ status: "rejected", reason: "hold_not_found" });
        const elsewhere = await store.commit(
          commitCmd({
            agentId: "agt_a",
            priority: 4,
            holdId: held.hold.id,
            start: T0 + 300 * MIN,
            end: T0 + 330 * MIN,
          }),
        );
        expect(elsewhere).toMatchObject({ status: "rejected", reason: "hold_not_found" });
      });

      it("evicts a younger lower-priority booking inside the bump window", async () => {
        const first = await store.commit(commitCmd({ agentId: "agt_low", priority: 3 }));
        clock.advance(29_999);
        const out = await store.commit(commitCmd({ agentId: "agt_high", priority: 1 }));
        expect(out.status).toBe("committed");
        if (out.status !== "committed" || first.status !== "committed") return;
        expect(out.evicted.map((b) => b.id)).toEqual([first.booking.id]);
        expect(await store.getBooking("jane", first.booking.id)).toMatchObject({
          status: "evicted",
          evictedBy: "agt_high",
        });
        const evicted = (await store.readAudit("jane")).find((e) => e.type === "booking.evicted");
        expect(evicted?.data).toMatchObject({
          reason: "priority_bump",
          evicted_by_agent_id: "agt_high",
        });
      });

      it("never evicts a frozen booking, even for priority 1", async () => {
        await store.commit(commitCmd({ agentId: "agt_low", priority: 9 }));
        clock.advance(30_000);
        const out = await store.commit(commitCmd({ agentId: "agt_top", priority: 1 }));
        expect(out).toMatchObject({
          status: "conflict",
          winner: { kind: "booking", agentId: "agt_low", priority: 9, frozen: true },
        });
      });

      it("does not evict a booking of the same priority", async () => {
        await store.commit(commitCmd({ agentId: "agt_a", priority: 2 }));
        const out = await store.commit(commitCmd({ agentId: "agt_b", priority: 2 }));
        expect(out).toMatchObject({
          status: "conflict",
          winner: { kind: "booking", frozen: false },
        });
      });

      it("changes nothing when any conflict wins (all or nothing)", async () => {
        await store.hold(
          holdCmd({ agentId: "agt_low", priority: 5, start: T0 + 60 * MIN, end: T0 + 70 * MIN }),
        );
        await store.hold(
          holdCmd({ agentId: "agt_high", priority: 1, start: T0 + 80 * MIN, end: T0 + 90 * MIN }),
        );
        const before = await store.auditHead("jane");
        const out = await store.commit(commitCmd({ agentId: "agt_c", priority: 3 }));
        expect(out).toMatchObject({ status: "conflict", winner: { agentId: "agt_high" } });
        const holds = await store.listHolds("jane", { start: T0, end: T0 + 600 * MIN });
        expect(holds.map((h) => h.agentId)).toEqual(["agt_low", "agt_high"]);
        expect(await store.auditHead("jane")).toEqual(before);
      });

      it("names the strongest obstacle as the winner", async () => {
        await store.commit(
          commitCmd({ agentId: "agt_b3", priority: 3, start: T0 + 60 * MIN, end: T0 + 70 * MIN }),
        );
        await store.hold(
          holdCmd({ agentId: "agt_h1", priority: 1, start: T0 + 70 * MIN, end: T0 + 80 * MIN }),
        );
        const out = await store.commit(commitCmd({ agentId: "agt_c", priority: 5 }));
        expect(out).toMatchObject({
          status: "conflict",
          winner: { agentId: "agt_h1", priority: 1 },
        });
      });
    });

    describe("idempotency", () => {
      it("answers a retry with the first answer", async () => {
        const cmd = commitCmd({ agentId: "agt_a", priority: 2, idempotencyKey: "k1" });
        const first = await store.commit(cmd);
        const retry = await store.commit({ ...cmd, bookingId: "bkg_other" });
        expect(first).toMatchObject({ status: "committed", replay: false });
        expect(retry).toMatchObject({ status: "committed", replay: true });
        if (first.status !== "committed" || retry.status !== "committed") return;
        expect(retry.booking.id).toBe(first.booking.id);
        expect(await store.listBookings("jane", { start: T0, end: T0 + 600 * MIN })).toHaveLength(
          1,
        );
      });

      it("refuses the same key with a different request", async () => {
        await store.commit(
          commitCmd({ agentId: "agt_a", priority: 2, idempotencyKey: "k2", fingerprint: "one" }),
        );
        const other = await store.commit(
          commitCmd({ agentId: "agt_a", priority: 2, idempotencyKey: "k2", fingerprint: "two" }),
        );
        expect(other).toMatchObject({ status: "rejected", reason: "idempotency_mismatch" });
      });

      it("replays a hold's conflict too", async () => {
        await store.hold(holdCmd({ agentId: "agt_a", priority: 1 }));
        const cmd = holdCmd({ agentId: "agt_b", priority: 2, idempotencyKey: "h1" });
        expect(await store.hold(cmd)).toMatchObject({ status: "conflict", replay: false });
        expect(await store.hold(cmd)).toMatchObject({ status: "conflict", replay: true });
      });
    });

    describe("daily limit", () => {
      it("refuses a commit past max_bookings_per_day on that local day", async () => {
        const day = { maxPerDay: 1, dayKey: "2026-12-01" };
        expect(
          (await store.commit(commitCmd({ agentId: "agt_a", priority: 2, ...day }))).status,
        ).toBe("committed");
        const second = await store.commit(
          commitCmd({
            agentId: "agt_a",
            priority: 2,
            ...day,
            start: T0 + 200 * MIN,
            end: T0 + 230 * MIN,
          }),
        );
        expect(second).toMatchObject({ status: "rejected", reason: "daily_limit" });
        const otherDay = await store.commit(
          commitCmd({
            agentId: "agt_a",
            priority: 2,
            maxPerDay: 1,
            dayKey: "2026-12-02",
            start: T0 + 1440 * MIN,
            end: T0 + 1470 * MIN,
          }),
        );
        expect(otherDay.status).toBe("committed");
      });

      it("counts an eviction as freeing its place", async () => {
        const day = { maxPerDay: 1, dayKey: "2026-12-01" };
        await store.commit(commitCmd({ agentId: "agt_low", priority: 3, ...day }));
        const out = await store.commit(commitCmd({ agentId: "agt_high", priority: 1, ...day }));
        expect(out.status).toBe("committed");
      });
    });

    describe("cancel and replace", () => {
      it("frees the slot when a booking is cancelled", async () => {
        const first = await store.commit(commitCmd({ agentId: "agt_a", priority: 5 }));
        if (first.status !== "committed") throw new Error("not committed");
        expect((await store.cancelBooking("jane", first.booking.id, "agt_b", "agt_b")).status).toBe(
          "rejected",
        );
        const cancelled = await store.cancelBooking("jane", first.booking.id, "agt_a", "agt_a");
        expect(cancelled).toMatchObject({ status: "cancelled", booking: { status: "cancelled" } });
        expect((await store.commit(commitCmd({ agentId: "agt_b", priority: 9 }))).status).toBe(
          "committed",
        );
        expect(
          (await store.cancelBooking("jane", first.booking.id, undefined, "admin")).status,
        ).toBe("rejected");
      });

      it("moves a booking atomically with replaces", async () => {
        const first = await store.commit(commitCmd({ agentId: "agt_a", priority: 5 }));
        if (first.status !== "committed") throw new Error("not committed");
        const moved = await store.commit(
          commitCmd({
            agentId: "agt_a",
            priority: 5,
            replaces: first.booking.id,
            start: T0 + 75 * MIN,
            end: T0 + 105 * MIN,
          }),
        );
        expect(moved).toMatchObject({
          status: "committed",
          booking: { replaces: first.booking.id },
        });
        expect(await store.getBooking("jane", first.booking.id)).toMatchObject({
          status: "cancelled",
        });
        const active = await store.listBookings("jane", { start: T0, end: T0 + 600 * MIN });
        expect(active.map((b) => b.start)).toEqual([T0 + 75 * MIN]);
      });
    });

    describe("arbitration window", () => {
      it("decides commits arriving within the window in priority order", async () => {
        const racers = [5, 3, 9, 1, 7].map((p) => commitCmd({ agentId: `agt_p${p}`, priority: p }));
        const outcomes = await Promise.all(racers.map((c) => store.arbitrate(c, 40)));
        const winners = outcomes.filter((o) => o.status === "committed");
        expect(winners).toHaveLength(1);
        expect(winners[0]).toMatchObject({ booking: { agentId: "agt_p1" } });
        for (const o of outcomes.filter((o) => o.status === "conflict"))
          expect(o).toMatchObject({ winner: { agentId: "agt_p1", priority: 1 } });
        expect(
          (await store.readAudit("jane")).filter((e) => e.type === "booking.evicted"),
        ).toHaveLength(0);
      });
    });

    describe("arbitration window, chained", () => {
      it("keeps the window open while commits keep arriving within it of each other", async () => {
        const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
        const outcomes: Promise<Awaited<ReturnType<Store["arbitrate"]>>>[] = [];
        // Five arrivals 25 ms apart (100 ms in all) with a 40 ms window; the best comes last.
        for (const p of [6, 5, 4, 3, 1]) {
          outcomes.push(store.arbitrate(commitCmd({ agentId: `agt_c${p}`, priority: p }), 40));
          await sleep(25);
        }
        const settled = await Promise.all(outcomes);
        expect(settled.filter((o) => o.status === "committed")).toMatchObject([
          { booking: { agentId: "agt_c1" } },
        ]);
        expect((await store.readAudit("jane")).filter((e) => e.type === "booking.evicted")).toEqual(
          [],
        );
      });
    });

    describe("audit chain", () => {
      it("records every change in a chain that verifies, and breaks when an event is edited", async () => {
        const held = await store.hold(holdCmd({ agentId: "agt_a", priority: 3 }));
        await store.commit(
          commitCmd({
            agentId: "agt_b",
            priority: 1,
            details: { title: 'Ünïcødé "quoted" / slash' },
          }),
        );
        if (held.status !== "held") throw new Error("not held");
        const events = await store.readAudit("jane");
        expect(events.map((e) => e.type)).toEqual([
          "hold.created",
          "hold.invalidated",
          "booking.committed",
        ]);
        expect(events.map((e) => e.seq)).toEqual([1, 2, 3]);
        expect(verifyChain(events)).toEqual({ ok: true });
        const edited = structuredClone(events);
        (edited[1]!.data as Record<string, unknown>).reason = "expired";
        expect(verifyChain(edited)).toMatchObject({
          ok: false,
          brokenAt: 2,
          reason: "hash_mismatch",
        });
        const byResource = await store.readAudit("jane", { resource: held.hold.id });
        expect(byResource.map((e) => e.type)).toEqual(["hold.created", "hold.invalidated"]);
        expect(await store.auditHead("jane")).toEqual({ seq: 3, hash: events[2]!.hash });
      });
    });
  });
}
