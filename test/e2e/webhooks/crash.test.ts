/**
 * A node process killed with SIGKILL at the worst moments, on a real Redis: every event
 * is still delivered, with the same data.id, and at most once more than needed.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { queueKeys } from "../../../src/webhooks/redis/keys.js";
import type { NodeProcess } from "../../helpers/node-process.js";
import { type Receiver, startReceiver } from "../../helpers/webhooks/receiver.js";
import {
  counts,
  type Harness,
  produceEvents,
  startHarness,
  userWithSubscription,
} from "./harness.js";

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

function sigkill(node: NodeProcess): Promise<void> {
  process.kill(node.pid, "SIGKILL");
  return node.stop();
}

/** Waits until Redis holds `n` deliveries for the subscription. */
async function persisted(username: string, subscriptionId: string, n: number) {
  const key = queueKeys(username, subscriptionId).deliveries;
  for (let i = 0; i < 500; i++) {
    if ((await h.redis.client!.hLen(key)) >= n) return;
    await sleep(10);
  }
  throw new Error(`${n} deliveries were not persisted`);
}

describe("SIGKILL", () => {
  it("after the deliveries are persisted, before one is answered: all are delivered after restart", async () => {
    receiver.received.length = 0;
    // The receiver takes the first request and never answers it.
    receiver.setHandler(() => {});
    const first = await h.startNode();
    const sub = await userWithSubscription(first, "crash-a", receiver.url);
    const ids = await produceEvents(h.store, "crash-a", 20);
    await receiver.waitFor(() => receiver.received.length === 1);
    await persisted("crash-a", sub.id, 20);
    await sigkill(first);
    const inFlight = receiver.received[0]!.eventId;
    expect(inFlight).toBe(ids[0]);

    receiver.setHandler((_req, res) => res.writeHead(200).end());
    const second = await h.startNode();
    await receiver.waitFor(() => new Set(receiver.acceptedIds()).size === ids.length, 20_000);
    const accepted = counts(receiver.acceptedIds());
    expect([...accepted.keys()]).toEqual(ids);
    expect([...accepted.values()].every((n) => n === 1)).toBe(true);
    // The one in flight came again, the same event.
    expect(receiver.received.filter((r) => r.eventId === inFlight)).toHaveLength(2);
    await second.stop();
  });

  it("after the receiver answered 2xx, before the acknowledgement: at most one duplicate", async () => {
    receiver.received.length = 0;
    const redis = h.redis.client!;
    const KILL_AT = 4;
    let node: NodeProcess | undefined;
    let killed: Promise<void> | undefined;
    receiver.setHandler(async (_req, res, index) => {
      if (index !== KILL_AT) {
        res.writeHead(200).end();
        return;
      }
      // Redis refuses writes until the node is dead: it cannot record this success.
      await redis.sendCommand(["CLIENT", "PAUSE", "10000", "WRITE"]);
      res.writeHead(200).end();
      res.once("finish", () => {
        killed = sleep(100)
          .then(() => sigkill(node!))
          .then(async () => {
            await redis.sendCommand(["CLIENT", "UNPAUSE"]);
          });
      });
    });
    node = await h.startNode();
    await userWithSubscription(node, "crash-b", receiver.url);
    const ids = await produceEvents(h.store, "crash-b", 20);
    await receiver.waitFor(() => killed !== undefined);
    await killed;
    const acceptedBeforeRestart = receiver.acceptedIds().length;
    expect(acceptedBeforeRestart).toBe(KILL_AT + 1);

    const second = await h.startNode();
    await receiver.waitFor(() => new Set(receiver.acceptedIds()).size === ids.length, 20_000);
    await sleep(200);
    const accepted = counts(receiver.acceptedIds());
    expect([...accepted.keys()]).toEqual(ids);
    const duplicated = [...accepted].filter(([, n]) => n > 1);
    expect(duplicated).toEqual([[ids[KILL_AT], 2]]);
    await second.stop();
  });

  it("at any moment while it works: no event is ever lost (counted)", async () => {
    receiver.received.length = 0;
    receiver.setHandler((_req, res) => res.writeHead(200).end());
    const first = await h.startNode();
    await userWithSubscription(first, "crash-c", receiver.url);
    const producing = produceEvents(h.store, "crash-c", 300);
    await receiver.waitFor(() => receiver.received.length >= 40);
    await sigkill(first);
    const ids = await producing;
    const second = await h.startNode();
    await receiver.waitFor(() => new Set(receiver.acceptedIds()).size === ids.length, 30_000);
    await sleep(200);
    const accepted = counts(receiver.acceptedIds());
    expect(accepted.size).toBe(300);
    expect([...accepted.keys()].sort()).toEqual([...ids].sort());
    // Sends are one at a time per subscription: at most the one in flight comes twice.
    expect([...accepted.values()].filter((n) => n > 1).length).toBeLessThanOrEqual(1);
    await second.stop();
  });
});
