/**
 * The dispatcher on Redis, in process: outbox entries a dead consumer took are reclaimed;
 * events whose writer died before sealing them (a commit answers before its seal, and the
 * outbox reads sealed events only) are sealed by the dispatcher once they have waited the
 * grace period, so their webhooks go out with no further request for the user.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { RedisStore, userKey } from "../../../src/arbiter/index.js";
import { GENESIS_HASH, verifyChain } from "../../../src/audit/index.js";
import { systemClock } from "../../../src/clock.js";
import { RedisWebhookStore } from "../../../src/webhooks/index.js";
import { createTestNode, type TestNode } from "../../helpers/node.js";
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
afterEach(async () => {
  for (const node of nodes.splice(0)) await node.close();
  await redis.client!.flushAll();
});
afterAll(async () => {
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

const pendingFields = async () =>
  Object.keys(await redis.client!.hGetAll(userKey("jane", "audit:head"))).filter((f) =>
    f.startsWith("p:"),
  );

/** A node whose writes leave their events unsealed, as a process dying after each script. */
async function dyingWriter(): Promise<TestNode> {
  const node = await createWebhookTestNode(
    { redisUrl: redis.url },
    {
      clock: systemClock,
      store: await RedisStore.connect(redis.url, { leaveUnsealed: true }),
      webhooks: { dispatcher: false },
    },
  );
  nodes.push(node);
  return node;
}

describe("an outbox event whose writer died before sealing it", () => {
  it.each([
    { looks: "every watched user at each look", sealCheckUsers: 2_000 },
    { looks: "one watched user per look, in turn", sealCheckUsers: 1 },
  ])(
    "is sealed by the dispatcher after the grace period and delivered, with no further request ($looks)",
    async ({ sealCheckUsers }) => {
      const writer = await dyingWriter();
      const agent = await createAgent(writer, "A", 1);
      await subscribe(writer, agent.auth, { url: receiver.url, events: ["booking.committed"] });
      const before = Date.now();
      // Other watched users, so that with one user per look jane waits for her turn.
      for (const username of ["ann", "bob", "cy"])
        await writer.ctx.webhooks.webhookStore.putSubscription({
          id: `whk_${username}`,
          username,
          agentId: null,
          url: receiver.url,
          events: ["*"],
          secrets: [{ secret: "whsec_AAAA", createdAt: before, expiresAt: null }],
          status: "active",
          fromSeq: 0,
          createdAt: before,
        });
      const { audit_ref } = await commit(writer, agent, 0);
      expect(await pendingFields()).not.toEqual([]);
      // The writer is gone; nobody reads or writes jane's calendar from now on.
      await writer.close();

      const worker = await createTestNode(
        { redisUrl: redis.url },
        {
          clock: systemClock,
          webhooks: { dispatcher: { pollMs: 5, sealGraceMs: 1_000, sealCheckUsers } },
        },
      );
      nodes.push(worker);
      expect((await worker.ctx.webhooks.webhookStore.watchedUsers()).length).toBe(4);
      await receiver.waitFor(() => receiver.acceptedIds().includes(audit_ref), 20_000);
      // Not before the event had waited the grace period (its `at` is after `before`).
      expect(Date.now() - before).toBeGreaterThanOrEqual(1_000);
      // The dispatcher sealed the chain: nothing pending, and the stream verifies.
      expect(await pendingFields()).toEqual([]);
      const events = await worker.ctx.store.readAudit("jane");
      expect(events.at(-1)?.id).toBe(audit_ref);
      expect(verifyChain(events, GENESIS_HASH)).toEqual({ ok: true });
    },
  );
});

describe("unsealedSince", () => {
  it("names the users with pending events and the time of the oldest; none once sealed", async () => {
    const writer = await dyingWriter();
    const agent = await createAgent(writer, "A", 1);
    const webhookStore = await RedisWebhookStore.connect(redis.url);
    try {
      const before = Date.now();
      await commit(writer, agent, 0);
      await commit(writer, agent, 1);
      const since = await webhookStore.unsealedSince(["nobody", "jane", "bob"]);
      expect([...since.keys()]).toEqual(["jane"]);
      // The oldest pending event is the profile's, written before the commits.
      expect(since.get("jane")).toBeLessThanOrEqual(before);

      const reader = await RedisStore.connect(redis.url);
      await reader.auditHead("jane");
      await reader.close();
      expect((await webhookStore.unsealedSince(["jane"])).size).toBe(0);
    } finally {
      await webhookStore.close();
    }
  });
});
