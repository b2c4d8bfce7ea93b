/**
 * Two node processes share one Redis and the delivery work: 2,000 events of two users,
 * every one delivered once, each user's in the order of its audit chain.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, expect, it } from "vitest";
import { CONSUMER_GROUP } from "../../../src/webhooks/redis/keys.js";
import { type Receiver, startReceiver } from "../../helpers/webhooks/receiver.js";
import {
  counts,
  type Harness,
  produceEvents,
  startHarness,
  userWithSubscription,
} from "./harness.js";

const PER_USER = 1_000;
let h: Harness;
let receiver: Receiver;

beforeAll(async () => {
  h = await startHarness();
  receiver = await startReceiver();
});
afterAll(async () => {
  await receiver?.close();
  await h?.close();
});

it("delivers 2,000 events through two node processes, none lost, none twice", async () => {
  const a = await h.startNode();
  const b = await h.startNode();
  await userWithSubscription(a, "ann", receiver.url);
  await userWithSubscription(b, "bob", receiver.url);
  const started = performance.now();
  const [annIds, bobIds] = await Promise.all([
    produceEvents(h.store, "ann", PER_USER),
    produceEvents(h.store, "bob", PER_USER),
  ]);
  await receiver.waitFor(() => receiver.received.length >= 2 * PER_USER, 60_000);
  const ms = performance.now() - started;
  await sleep(300);

  const all = receiver.acceptedIds();
  expect(all).toHaveLength(2 * PER_USER);
  const seen = counts(all);
  expect([...seen.values()].every((n) => n === 1)).toBe(true);
  const byUser = (ids: string[]) => {
    const set = new Set(ids);
    return all.filter((id) => set.has(id));
  };
  // The receiver always kept up, so each subscription's events came in seq order.
  expect(byUser(annIds)).toEqual(annIds);
  expect(byUser(bobIds)).toEqual(bobIds);

  // Both processes read the outbox through the consumer group, and left nothing pending.
  const consumers = (await h.redis.client!.sendCommand([
    "XINFO",
    "CONSUMERS",
    "cal:{ann}:audit",
    CONSUMER_GROUP,
  ])) as unknown[];
  expect(consumers).toHaveLength(2);
  const [pending] = (await h.redis.client!.sendCommand([
    "XPENDING",
    "cal:{ann}:audit",
    CONSUMER_GROUP,
  ])) as [number];
  expect(pending).toBe(0);
  console.log(`2 nodes delivered ${2 * PER_USER} events in ${Math.round(ms)} ms`);
});
