/** The dispatcher on Redis, in process: outbox entries a dead consumer took are reclaimed. */
import { afterAll, beforeAll, expect, it } from "vitest";
import { systemClock } from "../../../src/clock.js";
import type { TestNode } from "../../helpers/node.js";
import { type RedisServer, startRedisServer } from "../../helpers/redis-server.js";
import { type Receiver, startReceiver } from "../../helpers/webhooks/receiver.js";
import {
  commit,
  createAgent,
  createWebhookTestNode,
  subscribe,
} from "../../helpers/webhooks/setup.js";
import { takeAsDeadConsumer } from "../../helpers/webhooks/stores.js";

let redis: RedisServer;
let receiver: Receiver;
const nodes: TestNode[] = [];

beforeAll(async () => {
  redis = await startRedisServer({ connect: true });
  receiver = await startReceiver();
});
afterAll(async () => {
  for (const node of nodes) await node.close();
  await receiver.close();
  await redis.stop();
});

it("reclaims the entries a dead consumer took and delivers them in order", async () => {
  // A node that takes requests but runs no dispatcher.
  const api = await createWebhookTestNode(
    { redisUrl: redis.url },
    { clock: systemClock, webhooks: { dispatcher: false } },
  );
  nodes.push(api);
  const agent = await createAgent(api, "A", 1);
  await subscribe(api, agent.auth, { url: receiver.url, events: ["booking.committed"] });
  const ids: string[] = [];
  for (let i = 0; i < 5; i++) ids.push((await commit(api, agent, i)).audit_ref);
  // A consumer reads them from the group, then dies without acknowledging.
  const taken = await takeAsDeadConsumer(redis.client!, "jane");
  expect(taken).not.toBeNull();

  const started = Date.now();
  const worker = await createWebhookTestNode(
    { redisUrl: redis.url },
    { clock: systemClock, webhooks: { dispatcher: { pollMs: 5, leaseMs: 600 } } },
  );
  nodes.push(worker);
  await receiver.waitFor(() => receiver.received.length === 5);
  expect(receiver.acceptedIds()).toEqual(ids);
  // Not before the dead consumer's entries had been idle for the lease.
  expect(Date.now() - started).toBeGreaterThanOrEqual(500);
});
