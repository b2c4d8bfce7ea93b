/**
 * The memory store forgets what has expired — idempotency answers after 24 h, request
 * token ids, rate-limit windows, holds — so its maps do not grow without bound.
 */
import { expect, it } from "vitest";
import { MemoryStore } from "../../../src/arbiter/index.js";
import { ManualClock } from "../../../src/clock.js";

const HOUR = 3_600_000;

it("purges expired idempotency records, token ids, rate windows and holds (injected clock)", async () => {
  const clock = new ManualClock(Date.parse("2026-11-21T12:00:00Z"));
  const store = new MemoryStore(clock);
  const start = clock.now() + 48 * HOUR;
  for (let i = 0; i < 50; i++) {
    const held = await store.hold({
      username: `user${i % 5}`,
      agentId: `agt_${i}`,
      priority: 2,
      start: start + i * HOUR,
      end: start + i * HOUR + 1_800_000,
      holdId: `hld_${i}`,
      ttlMs: 30_000,
      idempotencyKey: `key-${i}`,
      fingerprint: `fp-${i}`,
    });
    expect(held.status).toBe("held");
    await store.recordTokenId("did:web:peer.example", `jti-${i}`, clock.now() + 120_000);
    await store.hitRateLimit(`ip:${i}`, 10, 60_000);
  }
  expect(store.expiringRecords()).toEqual({
    idempotency: 50,
    tokenIds: 50,
    rateWindows: 50,
    holds: 50,
  });

  // An hour on: the holds, token ids and windows are gone; the idempotency answers stay.
  clock.advance(HOUR);
  await store.now();
  expect(store.expiringRecords()).toEqual({
    idempotency: 50,
    tokenIds: 0,
    rateWindows: 0,
    holds: 0,
  });
  // A retry within 24 h still gets the first answer.
  const replay = await store.findReplay("user0", "agt_0", "hold", "key-0", "fp-0");
  expect(replay).toMatchObject({ status: "held", replay: true });

  clock.advance(24 * HOUR);
  await store.listUsernames();
  await store.now();
  expect(store.expiringRecords()).toEqual({
    idempotency: 0,
    tokenIds: 0,
    rateWindows: 0,
    holds: 0,
  });
});
