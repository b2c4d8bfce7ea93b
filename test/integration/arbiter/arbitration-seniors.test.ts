/**
 * A commit none of whose seniors is recently active does not wait in the arbitration
 * window (PROTOCOL §10.3), on both stores. "Recently" is measured on the store's injected
 * clock; whether a commit waited is shown by what it loses or wins: the window here is
 * longer than any test may take, so only a commit decided at once (or a window settled
 * by a top-ranked arrival) can answer at all.
 */
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import type { ArbitrationField, Store } from "../../../src/arbiter/index.js";
import type { CommitOutcome } from "../../../src/arbiter/types.js";
import type { ManualClock } from "../../../src/clock.js";
import { commitCmd, holdCmd, janeRecord, MIN, storeKinds, T0 } from "./store-harness.js";

/** Far longer than the test's timeout: a commit that waits it out fails the test. */
const LONG_WINDOW_MS = 60_000;
const RECENT_MS = 60_000;
const slot = { start: T0 + 120 * MIN, end: T0 + 150 * MIN };
const elsewhere = { start: T0 + 300 * MIN, end: T0 + 330 * MIN };
const later = { start: T0 + 400 * MIN, end: T0 + 430 * MIN };
const later2 = { start: T0 + 500 * MIN, end: T0 + 530 * MIN };

/** jane's agents: agt_1 … agt_4, ranked 1 … 4; agt_3b shares rank 3. */
const RANKS: Record<string, number> = { agt_1: 1, agt_2: 2, agt_3: 3, agt_3b: 3, agt_4: 4 };

/** Who could enter the window, as the commit use case computes it for `agentId`. */
function whoFor(agentId: string, seniorsRule = true): ArbitrationField {
  const rank = RANKS[agentId]!;
  const seniors = Object.keys(RANKS).filter((id) => id !== agentId && RANKS[id]! <= rank);
  return {
    agents: Object.keys(RANKS).length,
    topPriority: 1,
    ...(seniorsRule && { seniors, recentMs: RECENT_MS }),
  };
}

/** An arbitrated commit of `agentId`'s, with a flag telling whether it has answered. */
function arbitrated(store: Store, agentId: string, range = slot, seniorsRule = true) {
  const cmd = commitCmd({ agentId, priority: RANKS[agentId]!, ...range });
  const state = { answered: false };
  const outcome = store.arbitrate(cmd, LONG_WINDOW_MS, whoFor(agentId, seniorsRule)).then((o) => {
    state.answered = true;
    return o;
  });
  return { cmd, outcome, state };
}

/**
 * agt_1 outranks everyone: it commits directly, as the commit use case does, and the open
 * window settles after it.
 */
const topCommit = (store: Store, range = slot) =>
  store.commit(commitCmd({ agentId: "agt_1", priority: 1, ...range }));

/** Long enough for an entered commit to be waiting in the window on either store. */
const settleIn = () => new Promise((r) => setTimeout(r, 150));

function expectLostTo(outcome: CommitOutcome, agentId: string) {
  expect(outcome.status).toBe("conflict");
  if (outcome.status === "conflict") expect(outcome.winner.agentId).toBe(agentId);
}

for (const kind of storeKinds()) {
  describe(`idle seniors need not be waited for: ${kind.name} store`, { timeout: 20_000 }, () => {
    let store: Store;
    let clock: ManualClock;
    beforeEach(async () => {
      ({ store, clock } = await kind.create());
    });
    afterAll(() => kind.teardown());

    it("commits a junior at once when none of its seniors was ever seen; a later senior bumps it", async () => {
      const junior = await arbitrated(store, "agt_3").outcome;
      expect(junior.status).toBe("committed");
      // The trade (PROTOCOL §10.3): a senior whose commit was in flight bumps it afterwards.
      const senior = await topCommit(store);
      expect(senior.status).toBe("committed");
      if (senior.status === "committed" && junior.status === "committed")
        expect(senior.evicted.map((b) => b.id)).toEqual([junior.booking.id]);
    });

    it("makes a junior wait for a senior seen within the period, and lose to it", async () => {
      await store.markAgentSeen("jane", "agt_1");
      clock.advance(RECENT_MS - 1);
      const junior = arbitrated(store, "agt_3");
      await settleIn();
      expect(junior.state.answered).toBe(false);
      // The senior arrives later: it outranks everyone, so the window settles after it.
      const senior = await topCommit(store);
      expect(senior.status).toBe("committed");
      expectLostTo(await junior.outcome, "agt_1");
      if (senior.status === "committed") expect(senior.evicted).toEqual([]);
    });

    it("commits a junior at once once its senior's last request is a whole period old", async () => {
      await store.markAgentSeen("jane", "agt_1");
      await store.markAgentSeen("jane", "agt_2");
      clock.advance(RECENT_MS);
      expect((await arbitrated(store, "agt_3").outcome).status).toBe("committed");
    });

    it("ignores juniors' and its own requests: only seniors count", async () => {
      await store.markAgentSeen("jane", "agt_4");
      await store.markAgentSeen("jane", "agt_3");
      expect((await arbitrated(store, "agt_3").outcome).status).toBe("committed");
    });

    it("makes a junior wait while a senior holds a live hold anywhere, and not once it expired", async () => {
      const held = await store.hold(
        holdCmd({ agentId: "agt_2", priority: 2, ...elsewhere, ttlMs: 30_000 }),
      );
      expect(held.status).toBe("held");
      const junior = arbitrated(store, "agt_3");
      await settleIn();
      expect(junior.state.answered).toBe(false);
      expect((await topCommit(store, later)).status).toBe("committed");
      expect((await junior.outcome).status).toBe("committed");
      clock.advance(30_000);
      expect((await arbitrated(store, "agt_3", later2).outcome).status).toBe("committed");
    });

    it("waits behind a senior already waiting in the window, though it was never seen", async () => {
      // agt_2 enters without the rule (it always waits) and is not recorded as seen.
      const senior = arbitrated(store, "agt_2", slot, false);
      await settleIn();
      const junior = arbitrated(store, "agt_4");
      await settleIn();
      expect(junior.state.answered).toBe(false);
      expect((await topCommit(store, elsewhere)).status).toBe("committed");
      expect((await senior.outcome).status).toBe("committed");
      expectLostTo(await junior.outcome, "agt_2");
    });

    it("keeps arrival order among equals: an equal already in the window wins", async () => {
      const first = arbitrated(store, "agt_3b", slot, false);
      await settleIn();
      const second = arbitrated(store, "agt_3");
      await settleIn();
      expect(second.state.answered).toBe(false);
      expect((await topCommit(store, elsewhere)).status).toBe("committed");
      expect((await first.outcome).status).toBe("committed");
      expectLostTo(await second.outcome, "agt_3b");
    });

    it("leaves an open window of its juniors waiting when it commits at once", async () => {
      const waiting = arbitrated(store, "agt_4", slot, false);
      await settleIn();
      // agt_2's seniors (agt_1) are idle; agt_4 waits in the window: agt_2 does not wait.
      const direct = await arbitrated(store, "agt_2", elsewhere).outcome;
      expect(direct.status).toBe("committed");
      await settleIn();
      // agt_3 could still arrive and beat agt_4: the window stays open for it.
      expect(waiting.state.answered).toBe(false);
      const rival = await topCommit(store);
      expect(rival.status).toBe("committed");
      expectLostTo(await waiting.outcome, "agt_1");
    });

    it("answers an idempotent retry of a commit decided at once with the first answer", async () => {
      const cmd = commitCmd({ agentId: "agt_3", priority: 3, ...slot, idempotencyKey: "k1" });
      const first = await store.arbitrate(cmd, LONG_WINDOW_MS, whoFor("agt_3"));
      expect(first).toMatchObject({ status: "committed", replay: false });
      const again = await store.arbitrate(
        { ...cmd, bookingId: `${cmd.bookingId}r` },
        LONG_WINDOW_MS,
        whoFor("agt_3"),
      );
      expect(again).toMatchObject({ status: "committed", replay: true });
      if (again.status === "committed" && first.status === "committed")
        expect(again.booking.id).toBe(first.booking.id);
      const audit = await store.readAudit("jane");
      expect(audit.filter((e) => e.type === "booking.committed")).toHaveLength(1);
    });

    it("forgets when agents were seen with their user", async () => {
      await store.putUser(janeRecord, "admin");
      await store.markAgentSeen("jane", "agt_1");
      expect(await store.deleteUser("jane", "admin")).toBe(true);
      await store.putUser(janeRecord, "admin");
      expect((await arbitrated(store, "agt_2").outcome).status).toBe("committed");
    });
  });
}
