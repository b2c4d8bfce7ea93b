/**
 * Redis losing its state under a request (FLUSHALL, a failover to a replica that had not
 * seen the writes) is an answer the caller can act on, never an unexplained 500.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, expect, it } from "vitest";
import { RedisStore } from "../../../src/arbiter/index.js";
import { ManualClock } from "../../../src/clock.js";
import { type RedisServer, startRedisServer } from "../../helpers/redis-server.js";
import { commitCmd, T0 } from "./store-harness.js";

let server: RedisServer;
let store: RedisStore;
beforeAll(async () => {
  server = await startRedisServer({ connect: true });
  store = await RedisStore.connect(server.url, { clock: new ManualClock(T0) });
});
afterAll(async () => {
  await store?.close();
  await server?.stop();
});

it("answers arbitration_expired when Redis is flushed while a commit waits in the window", async () => {
  const pending = store.arbitrate(commitCmd({ agentId: "agt_a", priority: 2 }), 300);
  await sleep(100);
  await server.client!.flushAll();
  expect(await pending).toEqual({
    status: "rejected",
    reason: "arbitration_expired",
    replay: false,
  });
  expect(await store.listBookings("jane", { start: 0, end: T0 * 2 })).toEqual([]);
});

it("reads nothing after a seq too large to be a stream id, instead of failing", async () => {
  await store.commit(commitCmd({ agentId: "agt_a", priority: 2 }));
  expect(await store.readAudit("jane", { afterSeq: 1e21 })).toEqual([]);
  expect(await store.readAudit("jane", { afterSeq: Number.MAX_SAFE_INTEGER })).toEqual([]);
  expect(await store.readAudit("jane", { afterSeq: 1e21, resource: "bkg_x" })).toEqual([]);
  expect((await store.readAudit("jane", { afterSeq: 0 })).length).toBeGreaterThan(0);
});
