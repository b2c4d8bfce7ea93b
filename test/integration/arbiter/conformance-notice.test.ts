/**
 * A commit that carries the person's minimum notice is checked against it at the store's
 * own clock (no reading of the time first), on both stores alike.
 */
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import type { Store } from "../../../src/arbiter/index.js";
import type { ManualClock } from "../../../src/clock.js";
import { commitCmd, MIN, storeKinds, T0 } from "./store-harness.js";

const HOUR = 60 * MIN;

for (const kind of storeKinds()) {
  describe(`commit notice at the store's clock: ${kind.name} store`, () => {
    let store: Store;
    let clock: ManualClock;
    beforeEach(async () => {
      ({ store, clock } = await kind.create());
    });
    afterAll(() => kind.teardown());

    const everything = async () => ({
      bookings: await store.listBookings("jane", { start: T0, end: T0 + 48 * HOUR }),
      audit: (await store.readAudit("jane")).length,
    });

    it("refuses a commit starting sooner than the notice, writes nothing, and tells its time", async () => {
      const before = await everything();
      const start = clock.now() + HOUR;
      const cmd = commitCmd({
        agentId: "agt_a",
        priority: 1,
        start,
        end: start + 30 * MIN,
        idempotencyKey: "n1",
        notice: { ms: 2 * HOUR },
      });
      expect(await store.commit(cmd)).toEqual({
        status: "rejected",
        reason: "insufficient_notice",
        replay: false,
        now: clock.now(),
      });
      expect(await everything()).toEqual(before);
      // The refusal is not kept for retries: with a shorter notice the same key commits.
      const shorter = await store.commit({ ...cmd, notice: { ms: 30 * MIN } });
      expect(shorter).toMatchObject({ status: "committed", replay: false, now: clock.now() });
    });

    it("commits at exactly the notice, and answers with its time", async () => {
      const start = clock.now() + 2 * HOUR;
      const out = await store.commit(
        commitCmd({
          agentId: "agt_a",
          priority: 1,
          start,
          end: start + 30 * MIN,
          notice: { ms: 2 * HOUR },
        }),
      );
      expect(out).toMatchObject({ status: "committed", now: clock.now() });
      if (out.status === "committed") expect(out.booking.committedAt).toBe(clock.now());
    });

    it("answers a retry with its first answer though the notice has since run out", async () => {
      const start = clock.now() + 2 * HOUR;
      const cmd = commitCmd({
        agentId: "agt_a",
        priority: 1,
        start,
        end: start + 30 * MIN,
        idempotencyKey: "n2",
        notice: { ms: HOUR },
      });
      const first = await store.commit(cmd);
      expect(first).toMatchObject({ status: "committed", replay: false });
      clock.advance(90 * MIN);
      const retry = await store.commit({ ...cmd, bookingId: "bkg_retry" });
      expect(retry).toMatchObject({ status: "committed", replay: true, now: clock.now() });
    });

    it("refuses with the rule after the notice only when the notice holds", async () => {
      const soon = clock.now() + 30 * MIN;
      const late = clock.now() + 5 * HOUR;
      const cmd = (start: number) =>
        commitCmd({
          agentId: "agt_a",
          priority: 1,
          start,
          end: start + 30 * MIN,
          notice: { ms: HOUR, afterwards: "focus_time" as const },
        });
      expect(await store.commit(cmd(soon))).toMatchObject({ reason: "insufficient_notice" });
      expect(await store.commit(cmd(late))).toMatchObject({
        status: "rejected",
        reason: "focus_time",
        replay: false,
      });
      expect((await everything()).bookings).toEqual([]);
    });

    it("answers without `now` when the command carries no notice", async () => {
      const out = await store.commit(commitCmd({ agentId: "agt_a", priority: 1 }));
      expect(out.status).toBe("committed");
      expect("now" in out).toBe(false);
    });
  });
}
