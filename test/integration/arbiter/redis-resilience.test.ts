/**
 * The Redis store survives what a production Redis does to it (issue 4, "Prove"):
 * `SCRIPT FLUSH` (EVALSHA answers NOSCRIPT; node-redis falls back to EVAL, which
 * reloads the script), a server restart (the client reconnects by itself), and a
 * server that is down (a call fails instead of waiting forever).
 */
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { RedisStore } from "../../../src/arbiter/index.js";
import { verifyChain } from "../../../src/audit/index.js";
import { ManualClock } from "../../../src/clock.js";
import { type RedisServer, startRedisServer } from "../../helpers/redis-server.js";
import { commitCmd, holdCmd, MIN, T0 } from "./store-harness.js";

const RECOVERY_MS = 5_000;
/** How long a call made while Redis is down may stay unanswered. */
const DOWN_ANSWER_MS = 3_000;
/** How long a call to a server that stops answering may stay unanswered. */
const FROZEN_ANSWER_MS = 8_000;

/** Collects unhandled rejections and uncaught exceptions while a test runs. */
function watchProcess() {
  const seen: unknown[] = [];
  const onError = (err: unknown) => seen.push(err);
  process.on("unhandledRejection", onError);
  process.on("uncaughtException", onError);
  return {
    seen,
    stop() {
      process.off("unhandledRejection", onError);
      process.off("uncaughtException", onError);
    },
  };
}

type Settled<T> =
  | { state: "fulfilled"; value: T; ms: number }
  | { state: "rejected"; error: unknown; ms: number }
  | { state: "pending"; ms: number };

/** Waits for `promise` at most `ms`; says how it ended (or that it did not). */
async function settleWithin<T>(promise: Promise<T>, ms: number): Promise<Settled<T>> {
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), ms);
  });
  try {
    const outcome = await Promise.race([
      promise.then(
        (value) => ({ value }),
        (error: unknown) => ({ error }),
      ),
      timeout,
    ]);
    const elapsed = Date.now() - started;
    if (outcome === "timeout") return { state: "pending", ms: elapsed };
    if ("error" in outcome) return { state: "rejected", error: outcome.error, ms: elapsed };
    return { state: "fulfilled", value: outcome.value, ms: elapsed };
  } finally {
    clearTimeout(timer);
  }
}

/** Calls `fn` until it resolves, for at most `ms`; returns its value and the time it took. */
async function retryFor<T>(ms: number, fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = Date.now();
  let last: unknown;
  while (Date.now() - started <= ms) {
    const attempt = await settleWithin(fn(), Math.max(1, ms - (Date.now() - started)));
    if (attempt.state === "fulfilled") return { value: attempt.value, ms: Date.now() - started };
    if (attempt.state === "rejected") last = attempt.error;
    await sleep(50);
  }
  throw new Error(`no success within ${ms} ms; last error: ${String(last)}`);
}

describe("Redis store resilience", () => {
  let server: RedisServer;
  let store: RedisStore;
  let clock: ManualClock;
  let watch: ReturnType<typeof watchProcess>;

  beforeEach(async () => {
    watch = watchProcess();
    server = await startRedisServer({ connect: true });
    clock = new ManualClock(T0);
    store = await RedisStore.connect(server.url, { clock });
  });
  afterEach(async () => {
    watch.stop();
    await store?.close().catch(() => {});
    await server?.stop();
  });

  /** Shuts the server down for good (until restart()); its clients see the socket close. */
  async function shutDown(): Promise<void> {
    await server.client!.sendCommand(["SHUTDOWN", "NOSAVE"]).catch(() => {});
    // Until the port refuses connections, the server may still be exiting.
    const deadline = Date.now() + RECOVERY_MS;
    while (Date.now() < deadline) {
      const probe = await settleWithin(server.client!.ping(), 200);
      if (probe.state !== "fulfilled") return;
      await sleep(20);
    }
    throw new Error("redis-server did not go down");
  }

  it("keeps answering after SCRIPT FLUSH: EVALSHA falls back to EVAL on NOSCRIPT", async () => {
    const admin = server.client!;
    const slot = (n: number) => ({ start: T0 + n * 30 * MIN, end: T0 + (n + 1) * 30 * MIN });
    for (let round = 0; round < 6; round++) {
      await admin.scriptFlush();
      const held = await store.hold(holdCmd({ agentId: "agt_a", priority: 2, ...slot(round) }));
      expect(held.status).toBe("held");
      await admin.scriptFlush();
      const committed = await store.commit(
        commitCmd({
          agentId: "agt_a",
          priority: 2,
          ...slot(round),
          ...(held.status === "held" && { holdId: held.hold.id }),
        }),
      );
      expect(committed).toMatchObject({ status: "committed", displacedHolds: [] });
      await admin.scriptFlush();
      if (committed.status !== "committed") continue;
      const cancelled = await store.cancelBooking("jane", committed.booking.id, "agt_a", "agt_a");
      expect(cancelled.status).toBe("cancelled");
      await admin.scriptFlush();
      const again = await store.hold(holdCmd({ agentId: "agt_b", priority: 3, ...slot(round) }));
      expect(again.status).toBe("held");
      if (again.status === "held") {
        await admin.scriptFlush();
        const released = await store.releaseHold("jane", again.hold.id, "agt_b", "agt_b");
        expect(released.status).toBe("released");
      }
    }
    // Every step landed exactly once: 6 rounds × (created, released by commit, committed,
    // cancelled, created, released).
    const events = await store.readAudit("jane");
    expect(events).toHaveLength(36);
    expect(verifyChain(events)).toEqual({ ok: true });
    // The fallback really ran: EVALSHA failed (NOSCRIPT) and EVAL reloaded the script.
    const stats = await admin.info("commandstats");
    const calls = (cmd: string, field: string) =>
      Number(new RegExp(`cmdstat_${cmd}:.*\\b${field}=(\\d+)`).exec(stats)?.[1] ?? 0);
    expect(calls("evalsha", "failed_calls")).toBeGreaterThanOrEqual(30);
    expect(calls("eval", "calls")).toBeGreaterThanOrEqual(30);
    expect(watch.seen).toEqual([]);
  });

  it("answers every request when SCRIPT FLUSH lands among requests in flight", async () => {
    const admin = server.client!;
    const requests = Array.from({ length: 60 }, (_, i) => {
      const start = T0 + i * 30 * MIN;
      return store.hold(
        holdCmd({ agentId: `agt_${i % 4}`, priority: 2, start, end: start + 30 * MIN }),
      );
    });
    const flushes = Array.from({ length: 10 }, () => admin.scriptFlush());
    const answers = await Promise.all(requests.map((p) => settleWithin(p, RECOVERY_MS)));
    await Promise.all(flushes);
    expect(answers.map((a) => (a.state === "fulfilled" ? a.value.status : a.state))).toEqual(
      Array(60).fill("held"),
    );
    expect(verifyChain(await store.readAudit("jane"))).toEqual({ ok: true });
    expect(watch.seen).toEqual([]);
  });

  it("answers again within 5 s after the Redis server restarts, without crashing", async () => {
    const before = await store.hold(holdCmd({ agentId: "agt_a", priority: 1 }));
    expect(before.status).toBe("held");

    // Requests racing the restart: each one settles (answer or error), none hangs. Their
    // outcomes are captured at once, so a rejection during the restart is handled.
    const racing = Array.from({ length: 5 }, (_, i) => {
      const start = T0 + (200 + 30 * i) * MIN;
      const cmd = holdCmd({ agentId: `agt_r${i}`, priority: 2, start, end: start + 29 * MIN });
      return settleWithin(store.hold(cmd), 2 * RECOVERY_MS);
    });
    await server.restart();
    const raced = await Promise.all(racing);
    expect(raced.map((r) => r.state)).not.toContain("pending");

    // The new server is empty: a hold on the old slot succeeds once the client is back.
    const after = await retryFor(RECOVERY_MS, () =>
      store.hold(holdCmd({ agentId: "agt_b", priority: 3 })),
    );
    expect(after.value.status).toBe("held");
    const commit = await store.commit(commitCmd({ agentId: "agt_c", priority: 1 }));
    expect(commit.status).toBe("committed");
    expect(verifyChain(await store.readAudit("jane"))).toEqual({ ok: true });
    expect(watch.seen).toEqual([]);
  });

  it("rejects a call made while Redis is down instead of waiting for it to come back", async () => {
    expect((await store.hold(holdCmd({ agentId: "agt_a", priority: 1 }))).status).toBe("held");
    await shutDown();

    const pending = store.hold(holdCmd({ agentId: "agt_b", priority: 2 }));
    const answer = await settleWithin(pending, DOWN_ANSWER_MS);
    try {
      expect(
        answer.state,
        `store.hold() while Redis is down: still ${answer.state} after ${answer.ms} ms`,
      ).toBe("rejected");
    } finally {
      // Bring Redis back so nothing stays queued, then let the call settle.
      await server.restart();
      await settleWithin(pending, RECOVERY_MS);
    }

    const after = await retryFor(RECOVERY_MS, () =>
      store.hold(holdCmd({ agentId: "agt_c", priority: 3 })),
    );
    expect(after.value.status).toBe("held");
    expect(watch.seen).toEqual([]);
  });

  it("rejects a call to a server that stops answering (hung or partitioned)", async () => {
    expect((await store.hold(holdCmd({ agentId: "agt_a", priority: 1 }))).status).toBe("held");
    // This test's own redis-server, frozen by its process id: the socket stays open.
    const info = await server.client!.info("server");
    const pid = Number(/process_id:(\d+)/.exec(info)?.[1]);
    expect(pid).toBeGreaterThan(0);
    process.kill(pid, "SIGSTOP");
    const pending = store.hold(holdCmd({ agentId: "agt_b", priority: 2 }));
    try {
      const answer = await settleWithin(pending, FROZEN_ANSWER_MS);
      expect(
        answer.state,
        `store.hold() to a frozen Redis: still ${answer.state} after ${answer.ms} ms`,
      ).toBe("rejected");
    } finally {
      process.kill(pid, "SIGCONT");
      await settleWithin(pending, RECOVERY_MS);
    }
    const after = await retryFor(RECOVERY_MS, () =>
      store.hold(holdCmd({ agentId: "agt_c", priority: 3, start: T0, end: T0 + 30 * MIN })),
    );
    expect(after.value.status).toBe("held");
    expect(watch.seen).toEqual([]);
  });
});
