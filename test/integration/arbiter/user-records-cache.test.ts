/**
 * The Redis store caches users' profile records, rules and agents in the process, and
 * drops a user's entry when any process changes them (PUBLISH from the scripts, heard on
 * a subscriber connection).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { RedisStore } from "../../../src/arbiter/index.js";
import { ManualClock } from "../../../src/clock.js";
import { type RedisServer, startRedisServer } from "../../helpers/redis-server.js";
import { agentRecord as agent, T0, janeRecord as user } from "./store-harness.js";

/** Polls until `check` passes: another process hears of a change within milliseconds. */
async function eventually(check: () => Promise<void>, ms = 3000) {
  const until = Date.now() + ms;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > until) throw err;
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}

describe("the Redis store's cache of users' records", () => {
  let server: RedisServer;
  const opened: RedisStore[] = [];
  const open = async () => {
    const store = await RedisStore.connect(server.url, { clock: new ManualClock(T0) });
    opened.push(store);
    // Wait until its subscription listens (nothing is cached before).
    await eventually(async () => {
      const channels = (await server.client!.sendCommand([
        "PUBSUB",
        "NUMSUB",
        "cal:records:changed",
      ])) as [string, number];
      expect(Number(channels[1])).toBe(opened.length);
    });
    return store;
  };
  const reads = async () => {
    const stats = await server.client!.info("commandstats");
    const calls = (cmd: string) =>
      Number(new RegExp(`cmdstat_${cmd}:calls=(\\d+)`).exec(stats)?.[1] ?? 0);
    return calls("hvals") + calls("hmget") + calls("hget") + calls("get");
  };

  beforeAll(async () => {
    server = await startRedisServer({ connect: true });
  });
  beforeEach(async () => {
    await Promise.all(opened.splice(0).map((s) => s.close()));
    await server.client!.flushAll();
  });
  afterAll(async () => {
    await Promise.all(opened.map((s) => s.close()));
    await server.stop();
  });

  it("answers repeated reads of a user's records, rules and agents without Redis", async () => {
    const store = await open();
    await store.putUser(user, "admin");
    await store.createAgent(agent("agt_a", 1), "hash_a", "admin");
    await store.listAgents("jane");
    await store.findAgentByKeyHash("hash_a");
    await store.getPublishedProfile("jane");
    const before = await reads();
    for (let i = 0; i < 20; i++) {
      await Promise.all([
        store.getUser("jane"),
        store.getPublishedProfile("jane"),
        store.getRules("jane"),
        store.listAgents("jane"),
        store.getAgent("jane", "agt_a"),
        store.findAgentByKeyHash("hash_a"),
      ]);
    }
    expect(await reads()).toBe(before);
  });

  it("sees its own changes at once", async () => {
    const store = await open();
    await store.putUser(user, "admin");
    await store.createAgent(agent("agt_a", 1), "hash_a", "admin");
    expect((await store.findAgentByKeyHash("hash_a"))?.priority).toBe(1);
    await store.updateAgent(agent("agt_a", 3), "admin");
    expect((await store.listAgents("jane")).map((a) => a.priority)).toEqual([3]);
    await store.putRules("jane", { max_bookings_per_day: 2 }, "admin");
    expect(await store.getRules("jane")).toEqual({ max_bookings_per_day: 2 });
    expect(await store.deleteAgent("jane", "agt_a", "admin")).toBe(true);
    expect(await store.findAgentByKeyHash("hash_a")).toBeNull();
    await store.putUser({ ...user, etag: '"v2"', published: "{}" }, "admin");
    expect(await store.getPublishedProfile("jane")).toEqual({
      published: "{}",
      etag: '"v2"',
      visibility: user.visibility,
    });
    expect(await store.deleteUser("jane", "admin")).toBe(true);
    expect(await store.getUser("jane")).toBeNull();
    expect(await store.getPublishedProfile("jane")).toBeNull();
  });

  it("drops a user's entry when another process changes the user", async () => {
    const reader = await open();
    const writer = await open();
    await writer.putUser(user, "admin");
    await writer.createAgent(agent("agt_a", 1), "hash_a", "admin");
    await writer.createAgent(agent("agt_b", 2), "hash_b", "admin");
    expect((await reader.listAgents("jane")).map((a) => a.id)).toEqual(["agt_a", "agt_b"]);
    expect((await reader.findAgentByKeyHash("hash_b"))?.priority).toBe(2);

    // The person reorders: the other process ranks by the new order.
    await writer.updateAgent(agent("agt_b", 0), "admin");
    await eventually(async () =>
      expect((await reader.listAgents("jane")).map((a) => a.id)).toEqual(["agt_b", "agt_a"]),
    );
    expect((await reader.findAgentByKeyHash("hash_b"))?.priority).toBe(0);

    // A revoked key stops working there too.
    await writer.deleteAgent("jane", "agt_b", "admin");
    await eventually(async () => expect(await reader.findAgentByKeyHash("hash_b")).toBeNull());

    // Profile GETs read the published profile from a cache of their own: dropped alike.
    expect((await reader.getPublishedProfile("jane"))?.etag).toBe(user.etag);
    await writer.putUser({ ...user, etag: '"v2"' }, "admin");
    await eventually(async () => expect((await reader.getUser("jane"))?.etag).toBe('"v2"'));
    await eventually(async () =>
      expect((await reader.getPublishedProfile("jane"))?.etag).toBe('"v2"'),
    );
    await writer.deleteUser("jane", "admin");
    await eventually(async () => expect(await reader.getUser("jane")).toBeNull());
    await eventually(async () => expect(await reader.getPublishedProfile("jane")).toBeNull());
    expect(await reader.listAgents("jane")).toEqual([]);
  });

  it("finds an agent created by another process after its user was cached", async () => {
    const reader = await open();
    const writer = await open();
    await writer.putUser(user, "admin");
    expect(await reader.listAgents("jane")).toEqual([]);
    await writer.createAgent(agent("agt_new", 1), "hash_new", "admin");
    // Found through the index at once, even before the change is heard.
    expect((await reader.findAgentByKeyHash("hash_new"))?.id).toBe("agt_new");
  });
});
