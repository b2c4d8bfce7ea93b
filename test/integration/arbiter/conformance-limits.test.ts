/**
 * Request-token replay protection (Store.recordTokenId) and rate limits
 * (Store.hitRateLimit) on both stores, shared by every store on the same state (on
 * Redis: several node processes).
 */
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import type { Store } from "../../../src/arbiter/index.js";
import type { ManualClock } from "../../../src/clock.js";
import { storeKinds, T0 } from "./store-harness.js";

const ISS = "did:web:globex.test%3A8080";
const JTI = "Zx9_aQ-3kLm0pP7rTuVwXy";

for (const kind of storeKinds()) {
  describe(`token ids and rate limits: ${kind.name} store`, () => {
    let store: Store;
    let clock: ManualClock;
    let sibling: () => Promise<Store>;
    beforeEach(async () => {
      ({ store, clock, sibling } = await kind.create());
    });
    afterAll(() => kind.teardown());

    it("accepts a token id once, on any store sharing the state", async () => {
      const other = await sibling();
      expect(await store.recordTokenId(ISS, JTI, T0 + 300_000)).toBe(true);
      expect(await store.recordTokenId(ISS, JTI, T0 + 300_000)).toBe(false);
      expect(await other.recordTokenId(ISS, JTI, T0 + 300_000)).toBe(false);
      // The id is unique per issuer only.
      expect(await other.recordTokenId("did:web:acme.test", JTI, T0 + 300_000)).toBe(true);
    });

    it("forgets a token id after it expires, and keeps it at least a minute", async () => {
      expect(await store.recordTokenId(ISS, JTI, T0 + 120_000)).toBe(true);
      clock.advance(119_999);
      expect(await store.recordTokenId(ISS, JTI, T0 + 120_000)).toBe(false);
      clock.advance(1);
      expect(await store.recordTokenId(ISS, JTI, T0 + 360_000)).toBe(true);
      // Already past its expiry (within a clock tolerance): still a minute of protection.
      const late = clock.now();
      expect(await store.recordTokenId(ISS, "late-token-id-0001", late - 10_000)).toBe(true);
      clock.advance(59_999);
      expect(await store.recordTokenId(ISS, "late-token-id-0001", late - 10_000)).toBe(false);
    });

    it("lets exactly one of many concurrent callers record a token id", async () => {
      const callers = [store, await sibling(), await sibling()];
      for (let trial = 0; trial < 20; trial++) {
        const jti = `race-${trial}-abcdefghijklmnop`;
        const answers = await Promise.all(
          Array.from({ length: 9 }, (_, k) =>
            callers[k % 3]!.recordTokenId(ISS, jti, T0 + 300_000),
          ),
        );
        expect(answers.filter(Boolean), `trial ${trial}`).toHaveLength(1);
      }
    });

    it("refuses the 31st hit of 30 per minute with the time left, across stores", async () => {
      const other = await sibling();
      const key = `iss:${ISS}`;
      const answers = await Promise.all(
        Array.from({ length: 30 }, (_, k) => (k % 2 ? other : store).hitRateLimit(key, 30, 60_000)),
      );
      expect(answers.every((a) => a.allowed && a.retryAfterMs === 0)).toBe(true);
      clock.advance(15_000);
      expect(await other.hitRateLimit(key, 30, 60_000)).toEqual({
        allowed: false,
        retryAfterMs: 45_000,
      });
      expect(await store.hitRateLimit(key, 30, 60_000)).toEqual({
        allowed: false,
        retryAfterMs: 45_000,
      });
      // Another key has its own window.
      expect(await store.hitRateLimit("ip:192.0.2.7", 30, 60_000)).toEqual({
        allowed: true,
        retryAfterMs: 0,
      });
      clock.advance(44_999);
      expect((await store.hitRateLimit(key, 30, 60_000)).retryAfterMs).toBe(1);
      clock.advance(1);
      expect(await store.hitRateLimit(key, 30, 60_000)).toEqual({ allowed: true, retryAfterMs: 0 });
    });

    it("allows exactly the limit when many callers hit at once", async () => {
      const callers = [store, await sibling(), await sibling()];
      const answers = await Promise.all(
        Array.from({ length: 45 }, (_, k) => callers[k % 3]!.hitRateLimit("burst", 30, 60_000)),
      );
      expect(answers.filter((a) => a.allowed)).toHaveLength(30);
      for (const a of answers.filter((x) => !x.allowed)) expect(a.retryAfterMs).toBe(60_000);
    });
  });
}

describe("rate limits on Redis's own clock", () => {
  it("gives a retryAfterMs within the window when no clock is injected", async () => {
    const { startRedisServer } = await import("../../helpers/redis-server.js");
    const { RedisStore } = await import("../../../src/arbiter/index.js");
    const server = await startRedisServer();
    try {
      const [a, b] = [await RedisStore.connect(server.url), await RedisStore.connect(server.url)];
      for (let k = 0; k < 30; k++)
        expect((await (k % 2 ? a : b).hitRateLimit("real", 30, 60_000)).allowed).toBe(true);
      const refused = await a.hitRateLimit("real", 30, 60_000);
      expect(refused.allowed).toBe(false);
      expect(refused.retryAfterMs).toBeGreaterThan(50_000);
      expect(refused.retryAfterMs).toBeLessThanOrEqual(60_000);
      expect(await b.recordTokenId(ISS, JTI, Date.now() + 300_000)).toBe(true);
      expect(await a.recordTokenId(ISS, JTI, Date.now() + 300_000)).toBe(false);
      await Promise.all([a.close(), b.close()]);
    } finally {
      await server.stop();
    }
  });
});
