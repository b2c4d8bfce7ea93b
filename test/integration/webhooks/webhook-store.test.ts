/** The two WebhookStores agree on what the dispatcher relies on. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { MemoryStore, RedisStore } from "../../../src/arbiter/index.js";
import { ManualClock } from "../../../src/clock.js";
import {
  type Delivery,
  MemoryWebhookStore,
  RedisWebhookStore,
  type Subscription,
  type WebhookStore,
} from "../../../src/webhooks/index.js";
import { startRedisCluster, type TestRedisCluster } from "../../helpers/redis-cluster.js";
import { type RedisServer, startRedisServer } from "../../helpers/redis-server.js";

const T0 = Date.parse("2026-11-21T12:00:00Z");
let redis: RedisServer;

beforeAll(async () => {
  redis = await startRedisServer({ connect: true });
});
/** Started by the Redis Cluster kind's first use: the same rules hold on a cluster. */
let cluster: TestRedisCluster | undefined;
afterAll(async () => {
  await redis.stop();
  await cluster?.stop();
}, 30_000);

function subscription(id: string, username = "jane"): Subscription {
  return {
    id,
    username,
    agentId: null,
    url: "https://hooks.example/x",
    events: ["*"],
    secrets: [{ secret: "whsec_AAAA", createdAt: T0, expiresAt: null }],
    status: "active",
    fromSeq: 0,
    createdAt: T0,
  };
}

function delivery(subscriptionId: string, seq: number): Delivery {
  return {
    subscriptionId,
    username: "jane",
    seq,
    eventId: `evt_x_${seq}`,
    type: "booking.committed",
    body: `{"seq":${seq}}`,
    status: "pending",
    attempts: [],
    nextAttemptAt: T0,
    createdAt: T0,
  };
}

const stores: [string, () => Promise<WebhookStore>][] = [
  ["memory", async () => new MemoryWebhookStore(new MemoryStore(new ManualClock(T0)), () => T0, 3)],
  [
    "redis",
    async () => {
      await redis.client!.flushAll();
      return RedisWebhookStore.connect(redis.url, { retention: 3 });
    },
  ],
  [
    "redis-cluster",
    async () => {
      cluster ??= await startRedisCluster();
      await cluster.flushAll();
      return RedisWebhookStore.connect({ clusterNodes: cluster.seeds }, { retention: 3 });
    },
  ],
];

describe.each(stores)("%s webhook store", (_name, make) => {
  let ws: WebhookStore;
  const ref = { username: "jane", subscriptionId: "whk_a" };
  beforeEach(async () => {
    ws = await make();
    await ws.putSubscription(subscription("whk_a"));
    return () => ws.close();
    // The first use of the cluster kind starts the cluster.
  }, 60_000);

  it("keeps subscriptions and their owner index", async () => {
    expect(await ws.ownerOf("whk_a")).toBe("jane");
    expect((await ws.listSubscriptions("jane")).map((s) => s.id)).toEqual(["whk_a"]);
    expect(await ws.watchedUsers()).toEqual(["jane"]);
    expect(await ws.deleteSubscription("jane", "whk_a")).toBe(true);
    expect(await ws.deleteSubscription("jane", "whk_a")).toBe(false);
    expect(await ws.ownerOf("whk_a")).toBeNull();
  });

  it("stops watching a user whose last subscription is deleted, and watches it again", async () => {
    await ws.putSubscription(subscription("whk_b"));
    await ws.putSubscription(subscription("whk_c", "bob"));
    expect((await ws.watchedUsers()).sort()).toEqual(["bob", "jane"]);
    await ws.deleteSubscription("jane", "whk_a");
    expect((await ws.watchedUsers()).sort()).toEqual(["bob", "jane"]);
    await ws.deleteSubscription("jane", "whk_b");
    expect(await ws.watchedUsers()).toEqual(["bob"]);
    await ws.putSubscription(subscription("whk_d"));
    expect((await ws.watchedUsers()).sort()).toEqual(["bob", "jane"]);
  });

  it("hands out due deliveries in seq order and schedules the subscription", async () => {
    await ws.persistDeliveries("jane", [delivery("whk_a", 7), delivery("whk_a", 5)], [], T0);
    expect(await ws.dueSubscriptions(T0 - 1, 10)).toEqual([]);
    expect(await ws.dueSubscriptions(T0, 10)).toEqual([ref]);
    expect((await ws.takeReady(ref, T0, 10)).map((d) => d.seq)).toEqual([5, 7]);
    expect((await ws.takeReady(ref, T0, 1)).map((d) => d.seq)).toEqual([5]);
  });

  it("never resets a delivery that is persisted again", async () => {
    await ws.persistDeliveries("jane", [delivery("whk_a", 5)], [], T0);
    await ws.saveDelivery(ref, {
      ...delivery("whk_a", 5),
      status: "succeeded",
      nextAttemptAt: null,
    });
    await ws.persistDeliveries("jane", [delivery("whk_a", 5)], [], T0);
    expect(await ws.takeReady(ref, T0, 10)).toEqual([]);
    const page = await ws.listDeliveries(ref, { limit: 10 });
    expect(page.deliveries.map((d) => d.status)).toEqual(["succeeded"]);
  });

  it("brings a retry back when it is due, and reschedules for it", async () => {
    await ws.persistDeliveries("jane", [delivery("whk_a", 5), delivery("whk_a", 6)], [], T0);
    await ws.saveDelivery(ref, { ...delivery("whk_a", 5), nextAttemptAt: T0 + 30_000 });
    await ws.saveDelivery(ref, {
      ...delivery("whk_a", 6),
      status: "succeeded",
      nextAttemptAt: null,
    });
    await ws.reschedule(ref, T0, T0);
    expect(await ws.dueSubscriptions(T0 + 29_999, 10)).toEqual([]);
    expect(await ws.dueSubscriptions(T0 + 30_000, 10)).toEqual([ref]);
    expect(await ws.takeReady(ref, T0 + 29_999, 10)).toEqual([]);
    expect((await ws.takeReady(ref, T0 + 30_000, 10)).map((d) => d.seq)).toEqual([5]);
    expect((await ws.listPending(ref)).map((d) => d.seq)).toEqual([5]);
  });

  it("drops a subscription with nothing pending from the schedule", async () => {
    await ws.persistDeliveries("jane", [delivery("whk_a", 5)], [], T0);
    await ws.saveDelivery(ref, {
      ...delivery("whk_a", 5),
      status: "succeeded",
      nextAttemptAt: null,
    });
    await ws.reschedule(ref, T0, T0);
    expect(await ws.dueSubscriptions(T0 + 86_400_000, 10)).toEqual([]);
  });

  it("lets one owner at a time hold a subscription's lease", async () => {
    expect(await ws.acquireLease(ref, "p1", 10_000)).toBe(true);
    expect(await ws.acquireLease(ref, "p2", 10_000)).toBe(false);
    expect(await ws.renewLease(ref, "p2", 10_000)).toBe(false);
    expect(await ws.renewLease(ref, "p1", 10_000)).toBe(true);
    await ws.releaseLease(ref, "p2");
    expect(await ws.acquireLease(ref, "p2", 10_000)).toBe(false);
    await ws.releaseLease(ref, "p1");
    expect(await ws.acquireLease(ref, "p2", 10_000)).toBe(true);
  });

  it("pages deliveries newest first and keeps only the newest finished ones", async () => {
    const seqs = [1, 2, 3, 4, 5];
    await ws.persistDeliveries(
      "jane",
      seqs.map((s) => delivery("whk_a", s)),
      [],
      T0,
    );
    for (const s of [1, 2, 3])
      await ws.saveDelivery(ref, {
        ...delivery("whk_a", s),
        status: "succeeded",
        nextAttemptAt: null,
      });
    await ws.persistDeliveries("jane", [delivery("whk_a", 6)], [], T0);
    // Retention 3: the finished 1, 2, 3 go first; pending ones always stay.
    const first = await ws.listDeliveries(ref, { limit: 2 });
    expect(first.deliveries.map((d) => d.seq)).toEqual([6, 5]);
    const second = await ws.listDeliveries(ref, { limit: 2, beforeSeq: first.nextBeforeSeq });
    expect(second.deliveries.map((d) => d.seq)).toEqual([4]);
    expect(second.nextBeforeSeq).toBeUndefined();
  });

  it("writes nothing for a deleted subscription", async () => {
    await ws.deleteSubscription("jane", "whk_a");
    await ws.persistDeliveries("jane", [delivery("whk_a", 5)], [], T0);
    await ws.saveDelivery(ref, delivery("whk_a", 6));
    expect((await ws.listDeliveries(ref, { limit: 10 })).deliveries).toEqual([]);
    expect(await ws.dueSubscriptions(T0, 10)).toEqual([]);
  });
});

describe("redis outbox consumer group", () => {
  it("hands each entry to one consumer and lets another reclaim what a dead one took", async () => {
    await redis.client!.flushAll();
    const store = await RedisStore.connect(redis.url);
    const ws = await RedisWebhookStore.connect(redis.url);
    try {
      await ws.putSubscription(subscription("whk_a"));
      for (let i = 0; i < 3; i++) await store.putRules("jane", { i }, "admin");
      const taken = await ws.claimNewEvents("dead", ["jane"], 10);
      expect(taken[0]!.events.map((e) => e.seq)).toEqual([1, 2, 3]);
      expect(await ws.claimNewEvents("alive", ["jane"], 10)).toEqual([]);
      expect(await ws.persistedBelow("jane")).toBe(1);
      expect(await ws.claimAbandonedEvents("alive", "jane", 60_000, 10)).toEqual([]);
      const reclaimed = await ws.claimAbandonedEvents("alive", "jane", 0, 10);
      expect(reclaimed.map((e) => e.seq)).toEqual([1, 2, 3]);
      await ws.forgetIdleConsumers("jane", 0);
      const names = async () =>
        (
          (await redis.client!.sendCommand([
            "XINFO",
            "CONSUMERS",
            "cal:{jane}:audit",
            "webhooks",
          ])) as string[][]
        ).map((c) => c[1]);
      // "dead" has nothing pending any more (claimed), "alive" holds the entries.
      expect(await names()).toEqual(["alive"]);
      await ws.persistDeliveries("jane", [], [1, 2, 3], T0);
      expect(await ws.persistedBelow("jane")).toBe(4);
      await store.putRules("jane", { i: 4 }, "admin");
      // Written but not handed out yet: still below 4.
      expect(await ws.persistedBelow("jane")).toBe(4);
      expect(await ws.persistedBelow("nobody")).toBeNull();
    } finally {
      await ws.close();
      await store.close();
    }
  });
});
