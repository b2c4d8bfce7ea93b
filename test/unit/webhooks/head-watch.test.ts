/** One audit-head read per interval per user, however many polls wait; every poll woken. */
import { setTimeout as sleep } from "node:timers/promises";
import { expect, it } from "vitest";
import { AuditHeadWatch } from "../../../src/webhooks/head-watch.js";

function countingStore() {
  const heads = new Map<string, number>();
  const reads: string[] = [];
  return {
    heads,
    reads,
    auditHead: async (username: string) => {
      reads.push(username);
      return { seq: heads.get(username) ?? 0, hash: "" };
    },
  };
}

it("shares one read per interval among a user's waiters and wakes them all when the head moves", async () => {
  const store = countingStore();
  const watch = new AuditHeadWatch(store, 20);
  const never = new AbortController().signal;
  const waits = Array.from({ length: 50 }, () => watch.waitPast("jane", 0, 5000, never));
  await sleep(200);
  const reads = store.reads.length;
  expect(reads).toBeGreaterThan(0);
  expect(reads).toBeLessThanOrEqual(12); // ~10 ticks of 20 ms, not 50 × 10
  store.heads.set("jane", 1);
  expect(await Promise.all(waits)).toEqual(Array(50).fill(true));
  expect(watch.watchedUsers).toBe(0);
  const after = store.reads.length;
  await sleep(100);
  expect(store.reads.length).toBe(after); // no waiter, no reads
});

it("answers false at the deadline and on abort, and reads other users apart", async () => {
  const store = countingStore();
  const watch = new AuditHeadWatch(store, 20);
  const abort = new AbortController();
  const timedOut = watch.waitPast("jane", 0, 100, new AbortController().signal);
  const aborted = watch.waitPast("sam", 0, 5000, abort.signal);
  await sleep(50);
  abort.abort();
  expect(await aborted).toBe(false);
  expect(await timedOut).toBe(false);
  expect(new Set(store.reads)).toEqual(new Set(["jane", "sam"]));
  expect(watch.watchedUsers).toBe(0);
});
