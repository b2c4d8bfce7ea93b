import { describe, expect, it } from "vitest";
import {
  type UserRecords,
  UserRecordsCache,
} from "../../../../src/arbiter/redis/user-records-cache.js";

const BOUND = 10_000;

function counted() {
  const loads = new Map<string, number>();
  const cache = new UserRecordsCache(async (username) => {
    loads.set(username, (loads.get(username) ?? 0) + 1);
    return { user: null, rules: { username }, agents: [] } as UserRecords;
  });
  cache.setLive(true);
  return { cache, loads };
}

describe("UserRecordsCache", () => {
  it("keeps what it loaded, and drops a user on invalidation", async () => {
    const { cache, loads } = counted();
    await cache.get("amy");
    await cache.get("amy");
    expect(loads.get("amy")).toBe(1);
    cache.invalidate("amy");
    await cache.get("amy");
    expect(loads.get("amy")).toBe(2);
  });

  it("holds at most its bound, dropping the least recently used first", async () => {
    const { cache, loads } = counted();
    await cache.get("kept");
    await cache.get("dropped");
    for (let i = 0; i < BOUND - 2; i++) {
      await cache.get(`u${i}`);
      // Used all along: never the least recently used.
      if (i % 1000 === 0) await cache.get("kept");
    }
    await cache.get("kept");
    await cache.get("dropped");
    expect(loads.get("kept")).toBe(1);
    expect(loads.get("dropped")).toBe(2);
    // Every user of the first half of the run has gone by now.
    await cache.get("u0");
    expect(loads.get("u0")).toBe(2);
  });

  it("keeps at least the last half of its bound: that many users, asked in any order, load once", async () => {
    const { cache, loads } = counted();
    const users = Array.from({ length: BOUND / 2 }, (_, i) => `u${i}`);
    for (let round = 0; round < 4; round++) {
      // A different order each round (a fixed shuffle).
      const order = users.map((u, i) => [(i * 7919 * (round + 1)) % users.length, u] as const);
      for (const [, u] of order.sort((a, b) => a[0] - b[0])) await cache.get(u);
    }
    expect([...loads.values()].every((n) => n === 1)).toBe(true);
    expect(loads.size).toBe(BOUND / 2);
  });

  it("drops a user from either generation on invalidation", async () => {
    const { cache, loads } = counted();
    await cache.get("amy");
    // Amy's entry moves to the older generation.
    for (let i = 0; i < BOUND / 2; i++) await cache.get(`u${i}`);
    cache.invalidate("amy");
    await cache.get("amy");
    expect(loads.get("amy")).toBe(2);
  });
});
