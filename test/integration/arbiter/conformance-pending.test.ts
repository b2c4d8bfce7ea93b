/**
 * Pending bookings (DESIGN "The person in the loop": requests awaiting acknowledgement)
 * on both stores: they block their slot, are never evicted, count toward the daily limit
 * only once accepted, expire, and are decided in one atomic step.
 */
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import type { PendingDecisionCommand, Store } from "../../../src/arbiter/index.js";
import type { CommitCommand } from "../../../src/arbiter/types.js";
import { verifyChain } from "../../../src/audit/index.js";
import type { ManualClock } from "../../../src/clock.js";
import { commitCmd, holdCmd, MIN, storeKinds, T0 } from "./store-harness.js";

/** A peer whose DID matches no local agent, as the lead passes it; the port is %-encoded. */
const PEER_DID = "did:web:globex.test%3A8080";
const PEER = `peer:${PEER_DID}`;
const PEER_PRIORITY = 1_000_000_000;
const HOUR = 60 * MIN;
const WIDE = { start: T0 - 1440 * MIN, end: T0 + 30 * 1440 * MIN };

function request(over: Partial<CommitCommand> = {}): CommitCommand {
  return commitCmd({
    agentId: PEER,
    priority: PEER_PRIORITY,
    bumpWindowMs: 0,
    pending: { expiresAt: T0 + HOUR },
    requesterKey: PEER_DID,
    callbackUrl: "https://globex.test:8080/calendario/callback?x=1&y=ü",
    details: { subject: "Intro", requester: "ann@globex.test" },
    actor: PEER,
    ...over,
  });
}

function decision(
  bookingId: string,
  over: Partial<PendingDecisionCommand> = {},
): PendingDecisionCommand {
  return {
    username: "jane",
    bookingId,
    decision: "accept",
    actor: "person:jane",
    dayKey: "2026-12-01",
    maxPerDay: 0,
    ...over,
  };
}

for (const kind of storeKinds()) {
  describe(`pending bookings: ${kind.name} store`, () => {
    let store: Store;
    let clock: ManualClock;
    let sibling: () => Promise<Store>;
    beforeEach(async () => {
      ({ store, clock, sibling } = await kind.create());
    });
    afterAll(() => kind.teardown());

    async function requested(over: Partial<CommitCommand> = {}) {
      const out = await store.commit(request(over));
      if (out.status !== "committed") throw new Error(`not requested: ${JSON.stringify(out)}`);
      return out.booking;
    }

    describe("requests", () => {
      it("records a pending booking that blocks its slot for holds, commits and requests", async () => {
        const b = await requested({
          remote: { address: "ann@globex.test", bookingId: "bkg_remote1", status: "pending" },
        });
        expect(b).toMatchObject({
          status: "pending",
          agentId: PEER,
          priority: PEER_PRIORITY,
          pendingUntil: T0 + HOUR,
          committedAt: T0,
          frozenAt: T0,
          requesterKey: PEER_DID,
          callbackUrl: "https://globex.test:8080/calendario/callback?x=1&y=ü",
          remote: { address: "ann@globex.test", bookingId: "bkg_remote1", status: "pending" },
        });
        expect(await store.getBooking("jane", b.id)).toEqual(b);
        expect(await store.listBookings("jane", WIDE)).toEqual([]);
        expect(await store.listPending("jane", WIDE)).toEqual([b]);
        const winner = { kind: "booking", id: b.id, agentId: PEER, frozen: true };
        expect(await store.hold(holdCmd({ agentId: "agt_a", priority: 1 }))).toMatchObject({
          status: "conflict",
          winner,
        });
        expect(await store.commit(commitCmd({ agentId: "agt_a", priority: 1 }))).toMatchObject({
          status: "conflict",
          winner,
        });
        expect(
          await store.commit(request({ requesterKey: "did:web:other.test", agentId: "peer:x" })),
        ).toMatchObject({ status: "conflict", winner });

        const events = await store.readAudit("jane");
        expect(verifyChain(events)).toEqual({ ok: true });
        expect(events.map((e) => e.type)).toEqual(["booking.requested"]);
        expect(events[0]).toMatchObject({
          actor: PEER,
          resource: b.id,
          data: {
            agent_id: PEER,
            booking_id: b.id,
            start: b.start,
            end: b.end,
            priority: PEER_PRIORITY,
            committed_at: T0,
            frozen_at: T0,
            expires_at: T0 + HOUR,
            requester: PEER_DID,
            callback_url: b.callbackUrl,
            details: { subject: "Intro", requester: "ann@globex.test" },
            remote: { address: "ann@globex.test", booking_id: "bkg_remote1", status: "pending" },
          },
        });
      });

      it("never evicts for a request and never evicts a request", async () => {
        const fresh = await store.commit(commitCmd({ agentId: "agt_low", priority: 9 }));
        expect(fresh.status).toBe("committed");
        // A request of the highest rank still loses to a booking inside its bump window.
        expect(await store.commit(request({ agentId: "agt_top", priority: 1 }))).toMatchObject({
          status: "conflict",
          winner: { agentId: "agt_low", frozen: false },
        });
        const later = { start: T0 + 200 * MIN, end: T0 + 230 * MIN };
        const b = await requested({ agentId: "agt_mid", priority: 5, ...later });
        expect(
          await store.commit(commitCmd({ agentId: "agt_top", priority: 1, ...later })),
        ).toMatchObject({ status: "conflict", winner: { id: b.id, frozen: true } });
      });

      it("displaces lower holds and consumes the requesting agent's own hold", async () => {
        const own = await store.hold(
          holdCmd({ agentId: "agt_out", priority: 2, start: T0 + 60 * MIN, end: T0 + 70 * MIN }),
        );
        if (own.status !== "held") throw new Error("not held");
        const other = await store.hold(
          holdCmd({ agentId: "agt_low", priority: 7, start: T0 + 75 * MIN, end: T0 + 100 * MIN }),
        );
        expect(other.status).toBe("held");
        const b = await requested({ agentId: "agt_out", priority: 2, holdId: own.hold.id });
        expect(b.holdId).toBe(own.hold.id);
        expect(await store.listHolds("jane", WIDE)).toEqual([]);
      });

      it("counts toward the daily limit only once accepted", async () => {
        const day = { dayKey: "2026-12-01", maxPerDay: 1 };
        const b = await requested(day);
        const other = { start: T0 + 300 * MIN, end: T0 + 330 * MIN };
        const direct = await store.commit(
          commitCmd({ agentId: "agt_a", priority: 2, ...day, ...other }),
        );
        expect(direct.status).toBe("committed");
        // The day is full now: the request cannot be accepted, and a new one is refused.
        expect(await store.decidePending(decision(b.id, day))).toEqual({
          status: "rejected",
          reason: "daily_limit",
        });
        expect(
          await store.commit(request({ ...day, start: T0 + 400 * MIN, end: T0 + 430 * MIN })),
        ).toMatchObject({ status: "rejected", reason: "daily_limit" });
        expect((await store.getBooking("jane", b.id))?.status).toBe("pending");
        expect(await store.decidePending(decision(b.id, { ...day, maxPerDay: 2 }))).toMatchObject({
          status: "decided",
        });
      });

      it("refuses a requester's request beyond maxPendingPerRequester", async () => {
        const limit = { maxPendingPerRequester: 2 };
        for (const k of [0, 1])
          await requested({
            ...limit,
            start: T0 + (100 + 60 * k) * MIN,
            end: T0 + (130 + 60 * k) * MIN,
          });
        const third = { start: T0 + 300 * MIN, end: T0 + 330 * MIN };
        expect(await store.commit(request({ ...limit, ...third }))).toMatchObject({
          status: "rejected",
          reason: "too_many_pending",
          replay: false,
        });
        // Another requester, or a direct booking of the same one, is not limited.
        expect(
          await store.commit(request({ ...limit, ...third, requesterKey: "did:web:acme.test" })),
        ).toMatchObject({ status: "committed", booking: { status: "pending" } });
        const direct = { start: T0 + 400 * MIN, end: T0 + 430 * MIN };
        expect(
          await store.commit(request({ ...limit, ...direct, pending: undefined })),
        ).toMatchObject({ status: "committed", booking: { status: "committed" } });
      });
    });

    describe("decisions", () => {
      it("accepts: commits it frozen, counts it, and writes booking.confirmed", async () => {
        const b = await requested({
          remote: { address: "ann@globex.test", bookingId: "bkg_r", status: "pending" },
        });
        clock.advance(5 * MIN);
        const out = await store.decidePending(
          decision(b.id, { message: "See you then ✓", remoteStatus: "confirmed", maxPerDay: 1 }),
        );
        expect(out).toMatchObject({
          status: "decided",
          booking: {
            id: b.id,
            status: "committed",
            committedAt: T0 + 5 * MIN,
            frozenAt: T0 + 5 * MIN,
            remote: { status: "confirmed" },
          },
        });
        if (out.status !== "decided") return;
        expect(await store.getBooking("jane", b.id)).toEqual(out.booking);
        expect(await store.listBookings("jane", WIDE)).toEqual([out.booking]);
        expect(await store.listPending("jane", WIDE)).toEqual([]);
        const events = await store.readAudit("jane");
        expect(verifyChain(events)).toEqual({ ok: true });
        expect(events.at(-1)).toMatchObject({
          id: out.auditRef,
          type: "booking.confirmed",
          actor: "person:jane",
          data: {
            booking_id: b.id,
            agent_id: PEER,
            committed_at: T0 + 5 * MIN,
            frozen_at: T0 + 5 * MIN,
            message: "See you then ✓",
            requester: PEER_DID,
            callback_url: b.callbackUrl,
            remote: { status: "confirmed" },
          },
        });
        // Counted: the day (limit 1) is full.
        expect(
          await store.commit(
            commitCmd({
              agentId: "agt_a",
              priority: 1,
              maxPerDay: 1,
              start: T0 + 300 * MIN,
              end: T0 + 330 * MIN,
            }),
          ),
        ).toMatchObject({ status: "rejected", reason: "daily_limit" });
        // Decided once.
        expect(await store.decidePending(decision(b.id))).toEqual({
          status: "refused",
          reason: "not_pending",
        });
      });

      it("declines: frees the slot and writes booking.declined with the message", async () => {
        const b = await requested();
        const out = await store.decidePending(
          decision(b.id, { decision: "decline", message: "Busy" }),
        );
        expect(out).toMatchObject({
          status: "decided",
          booking: { status: "declined", endedAt: T0 },
        });
        expect(await store.listPending("jane", WIDE)).toEqual([]);
        expect((await store.commit(commitCmd({ agentId: "agt_a", priority: 5 }))).status).toBe(
          "committed",
        );
        const declined = (await store.readAudit("jane")).find((e) => e.type === "booking.declined");
        expect(declined?.data).toEqual({
          agent_id: PEER,
          booking_id: b.id,
          start: b.start,
          end: b.end,
          priority: PEER_PRIORITY,
          expires_at: T0 + HOUR,
          requester: PEER_DID,
          callback_url: b.callbackUrl,
          message: "Busy",
        });
        const noMessage = await requested({ start: T0 + 300 * MIN, end: T0 + 330 * MIN });
        await store.decidePending(decision(noMessage.id, { decision: "decline" }));
        expect((await store.readAudit("jane")).at(-1)?.data).toMatchObject({ message: null });
      });

      it("refuses an unknown booking and a committed one, changing nothing", async () => {
        const c = await store.commit(commitCmd({ agentId: "agt_a", priority: 2 }));
        if (c.status !== "committed") throw new Error("not committed");
        const before = await store.auditHead("jane");
        expect(await store.decidePending(decision("bkg_none"))).toEqual({
          status: "refused",
          reason: "booking_not_found",
        });
        expect(await store.decidePending(decision(c.booking.id))).toEqual({
          status: "refused",
          reason: "not_pending",
        });
        expect(await store.auditHead("jane")).toEqual(before);
      });
    });

    describe("expiry", () => {
      it("expires a request at pendingUntil: decide writes booking.expired, then refuses", async () => {
        const b = await requested();
        clock.advance(HOUR - 1);
        expect(await store.listPending("jane", WIDE)).toHaveLength(1);
        clock.advance(1);
        expect(await store.listPending("jane", WIDE)).toEqual([]);
        expect(await store.decidePending(decision(b.id))).toEqual({
          status: "refused",
          reason: "not_pending",
        });
        expect(await store.getBooking("jane", b.id)).toMatchObject({
          status: "expired",
          endedAt: T0 + HOUR,
        });
        const events = await store.readAudit("jane");
        expect(events.map((e) => e.type)).toEqual(["booking.requested", "booking.expired"]);
        expect(events[1]).toMatchObject({
          actor: "system",
          at: T0 + HOUR,
          resource: b.id,
          data: {
            booking_id: b.id,
            start: b.start,
            end: b.end,
            requester: PEER_DID,
            callback_url: b.callbackUrl,
            expires_at: T0 + HOUR,
          },
        });
      });

      it("expires lazily on the next write to the calendar, which may then use the slot", async () => {
        await requested();
        clock.advance(HOUR);
        const held = await store.hold(holdCmd({ agentId: "agt_a", priority: 3 }));
        expect(held.status).toBe("held");
        expect((await store.readAudit("jane")).map((e) => e.type)).toEqual([
          "booking.requested",
          "booking.expired",
          "hold.created",
        ]);
      });

      it("sweeps: duePendingUsers names the user, expirePending returns what it expired", async () => {
        const a = await requested();
        const b = await requested({
          start: T0 + 300 * MIN,
          end: T0 + 330 * MIN,
          pending: { expiresAt: T0 + 2 * HOUR },
          requesterKey: undefined,
          callbackUrl: undefined,
        });
        expect(await store.duePendingUsers(T0 + HOUR - 1, 10)).toEqual([]);
        expect(await store.duePendingUsers(T0 + HOUR, 10)).toEqual(["jane"]);
        expect(await store.expirePending("jane")).toEqual([]);
        clock.advance(HOUR);
        const expired = await store.expirePending("jane");
        expect(expired).toEqual([{ ...a, status: "expired", endedAt: T0 + HOUR }]);
        // The next request's expiry is now the user's due time.
        expect(await store.duePendingUsers(T0 + HOUR, 10)).toEqual([]);
        expect(await store.duePendingUsers(T0 + 2 * HOUR, 10)).toEqual(["jane"]);
        clock.advance(HOUR);
        expect((await store.expirePending("jane")).map((x) => x.id)).toEqual([b.id]);
        expect(await store.duePendingUsers(T0 + 10 * HOUR, 10)).toEqual([]);
        const data = (await store.readAudit("jane")).at(-1)?.data;
        expect(data).toMatchObject({ requester: null, callback_url: null });
        expect(await store.expirePending("nobody")).toEqual([]);
      });

      it("orders due users by their earliest expiry and honours the limit", async () => {
        await requested({ username: "sam", pending: { expiresAt: T0 + 3 * MIN } });
        await requested({ username: "jane", pending: { expiresAt: T0 + 2 * MIN } });
        await requested({ username: "zoe", pending: { expiresAt: T0 + 2 * MIN } });
        expect(await store.duePendingUsers(T0 + HOUR, 10)).toEqual(["jane", "zoe", "sam"]);
        expect(await store.duePendingUsers(T0 + HOUR, 2)).toEqual(["jane", "zoe"]);
        expect(await store.deleteUser("zoe", "admin")).toBe(false);
      });
    });

    describe("cancel and the remote side", () => {
      it("lets the requesting peer (or the admin) cancel its pending booking", async () => {
        const b = await requested();
        expect(await store.cancelBooking("jane", b.id, "agt_a", "agt_a")).toEqual({
          status: "rejected",
          reason: "not_owner",
        });
        const out = await store.cancelBooking("jane", b.id, PEER, PEER);
        expect(out).toMatchObject({ status: "cancelled", booking: { status: "cancelled" } });
        expect(await store.listPending("jane", WIDE)).toEqual([]);
        expect((await store.readAudit("jane")).at(-1)).toMatchObject({
          type: "booking.cancelled",
          actor: PEER,
          data: {
            agent_id: PEER,
            reason: "cancelled",
            previous_status: "pending",
            requester: PEER_DID,
            callback_url: b.callbackUrl,
          },
        });
        expect(await store.decidePending(decision(b.id))).toEqual({
          status: "refused",
          reason: "not_pending",
        });
        const second = await requested();
        expect((await store.cancelBooking("jane", second.id, undefined, "admin")).status).toBe(
          "cancelled",
        );
        // An expired request is no longer cancellable.
        const third = await requested();
        clock.advance(HOUR);
        expect(await store.cancelBooking("jane", third.id, PEER, PEER)).toEqual({
          status: "rejected",
          reason: "not_committed",
        });
      });

      it("records the remote side's status once per change", async () => {
        const remote = {
          address: "ann@globex.test",
          bookingId: "bkg_r9",
          status: "confirmed" as const,
        };
        const out = await store.commit(
          commitCmd({ agentId: "agt_out", priority: 2, remote, callbackUrl: undefined }),
        );
        if (out.status !== "committed") throw new Error("not committed");
        expect(out.booking.remote).toEqual(remote);
        const updated = await store.setRemoteStatus(
          "jane",
          out.booking.id,
          { status: "cancelled" },
          "system",
        );
        expect(updated).toMatchObject({
          status: "updated",
          booking: { status: "committed", remote: { ...remote, status: "cancelled" } },
        });
        expect(
          await store.setRemoteStatus("jane", out.booking.id, { status: "cancelled" }, "system"),
        ).toMatchObject({ status: "unchanged", booking: { remote: { status: "cancelled" } } });
        const events = await store.readAudit("jane");
        expect(events.filter((e) => e.type === "booking.remote_updated")).toHaveLength(1);
        expect(events.at(-1)).toMatchObject({
          type: "booking.remote_updated",
          actor: "system",
          data: {
            booking_id: out.booking.id,
            previous_remote_status: "confirmed",
            remote: { address: "ann@globex.test", booking_id: "bkg_r9", status: "cancelled" },
          },
        });
        const plain = await store.commit(
          commitCmd({ agentId: "agt_a", priority: 2, start: T0 + 300 * MIN, end: T0 + 330 * MIN }),
        );
        if (plain.status !== "committed") throw new Error("not committed");
        expect(
          await store.setRemoteStatus("jane", plain.booking.id, { status: "declined" }, "system"),
        ).toEqual({ status: "refused", reason: "no_remote" });
        expect(
          await store.setRemoteStatus("jane", "bkg_none", { status: "declined" }, "system"),
        ).toEqual({ status: "refused", reason: "booking_not_found" });
        expect(verifyChain(await store.readAudit("jane"))).toEqual({ ok: true });
      });
    });

    describe("a peer's rank", () => {
      it("a peer request never evicts a local agent's fresh booking", async () => {
        const local = await store.commit(commitCmd({ agentId: "agt_low", priority: 99 }));
        expect(local.status).toBe("committed");
        for (const pending of [undefined, { expiresAt: T0 + HOUR }])
          expect(await store.commit(request({ pending }))).toMatchObject({
            status: "conflict",
            winner: { agentId: "agt_low", frozen: false },
          });
      });

      it("a local agent cannot evict a confirmed peer booking, direct or accepted", async () => {
        const direct = await store.commit(request({ pending: undefined }));
        expect(direct).toMatchObject({ status: "committed", booking: { frozenAt: T0 } });
        expect(await store.commit(commitCmd({ agentId: "agt_top", priority: 1 }))).toMatchObject({
          status: "conflict",
          winner: { agentId: PEER, frozen: true },
        });
        const slot = { start: T0 + 300 * MIN, end: T0 + 330 * MIN };
        const b = await requested(slot);
        expect((await store.decidePending(decision(b.id))).status).toBe("decided");
        expect(
          await store.commit(commitCmd({ agentId: "agt_top", priority: 1, ...slot })),
        ).toMatchObject({ status: "conflict", winner: { id: b.id, frozen: true } });
      });

      it("arbitrates peers below local agents, and peers among themselves by arrival", async () => {
        const outcomes = await Promise.all([
          store.arbitrate(request({ pending: undefined, bookingId: "bkg_peer1" }), 40),
          store.arbitrate(request({ pending: undefined, bookingId: "bkg_peer2" }), 40),
          store.arbitrate(commitCmd({ agentId: "agt_local", priority: 50 }), 40),
        ]);
        expect(outcomes.map((o) => o.status)).toEqual(["conflict", "conflict", "committed"]);
        const slot = { start: T0 + 300 * MIN, end: T0 + 330 * MIN };
        // Ids that sort against arrival: the first to arrive still wins.
        const peers = await Promise.all([
          store.arbitrate(request({ pending: undefined, bookingId: "bkg_z", ...slot }), 40),
          store.arbitrate(request({ pending: undefined, bookingId: "bkg_a", ...slot }), 40),
        ]);
        expect(peers.map((o) => o.status)).toEqual(["committed", "conflict"]);
      });
    });

    describe("several callers at once", () => {
      it("decides a pending booking exactly once when accepts and declines race", async () => {
        const others = [await sibling(), await sibling()];
        for (let trial = 0; trial < 30; trial++) {
          const start = T0 + trial * 1440 * MIN;
          const b = await requested({ start, end: start + 30 * MIN });
          const outcomes = await Promise.all([
            store.decidePending(decision(b.id)),
            others[0]!.decidePending(decision(b.id, { decision: "decline" })),
            others[1]!.decidePending(decision(b.id)),
            store.decidePending(decision(b.id, { decision: "decline" })),
          ]);
          const decided = outcomes.filter((o) => o.status === "decided");
          expect(decided, `trial ${trial}`).toHaveLength(1);
          expect(outcomes.filter((o) => o.status !== "decided")).toEqual(
            Array(3).fill({ status: "refused", reason: "not_pending" }),
          );
          const events = (await store.readAudit("jane", { resource: b.id })).map((e) => e.type);
          expect(events).toHaveLength(2);
        }
        expect(verifyChain(await store.readAudit("jane", { limit: 10_000 }))).toEqual({ ok: true });
      });

      it("never lets two overlapping requests both be accepted", async () => {
        const others = [await sibling(), await sibling()];
        for (let trial = 0; trial < 30; trial++) {
          const start = T0 + trial * 1440 * MIN;
          const cmds = [0, 10, 20].map((off, k) =>
            request({
              requesterKey: `did:web:r${k}.test`,
              agentId: `peer:did:web:r${k}.test`,
              start: start + off * MIN,
              end: start + (off + 30) * MIN,
            }),
          );
          const made = await Promise.all([
            store.commit(cmds[0]!),
            others[0]!.commit(cmds[1]!),
            others[1]!.commit(cmds[2]!),
          ]);
          expect(
            made.filter((o) => o.status === "committed"),
            `trial ${trial}`,
          ).toHaveLength(1);
          const accepts = await Promise.all(
            cmds.map((c, k) => [store, ...others][k]!.decidePending(decision(c.bookingId))),
          );
          expect(
            accepts.filter((o) => o.status === "decided"),
            `trial ${trial}`,
          ).toHaveLength(1);
          const range = { start, end: start + 1440 * MIN };
          expect(await store.listBookings("jane", range)).toHaveLength(1);
        }
      });

      it("keeps a requester within maxPendingPerRequester under concurrent requests", async () => {
        const others = [await sibling(), await sibling()];
        const callers = [store, ...others];
        for (let trial = 0; trial < 10; trial++) {
          const base = T0 + trial * 1440 * MIN;
          const outcomes = await Promise.all(
            Array.from({ length: 9 }, (_, k) =>
              callers[k % 3]!.commit(
                request({
                  maxPendingPerRequester: 3,
                  start: base + k * 60 * MIN,
                  end: base + (k * 60 + 30) * MIN,
                }),
              ),
            ),
          );
          expect(
            outcomes.filter((o) => o.status === "committed"),
            `trial ${trial}`,
          ).toHaveLength(3);
          expect(outcomes.filter((o) => o.status === "rejected")).toHaveLength(6);
          for (const o of outcomes)
            if (o.status === "committed")
              await store.cancelBooking("jane", o.booking.id, PEER, PEER);
        }
      });
    });
  });
}
