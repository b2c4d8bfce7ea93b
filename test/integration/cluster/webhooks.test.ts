/**
 * Webhook delivery on a real 3-primary Redis Cluster: two users whose outboxes live on
 * different shards, a node that takes requests and one that dispatches; every event is
 * delivered once, in order per user, including those a dead consumer took, and those whose
 * writer died before sealing them.
 */
import request from "supertest";
import { afterAll, beforeAll, expect, it } from "vitest";
import { RedisStore, userKey } from "../../../src/arbiter/index.js";
import { GENESIS_HASH, verifyChain } from "../../../src/audit/index.js";
import { systemClock } from "../../../src/clock.js";
import { RedisWebhookStore } from "../../../src/webhooks/index.js";
import { sampleProfileInput, type TestNode } from "../../helpers/node.js";
import { OPEN_ALL_WEEK } from "../../helpers/profiles.js";
import { startRedisCluster, type TestRedisCluster } from "../../helpers/redis-cluster.js";
import { type Receiver, startReceiver } from "../../helpers/webhooks/receiver.js";
import {
  commit,
  createAgent,
  createWebhookTestNode,
  slot,
  subscribe,
} from "../../helpers/webhooks/setup.js";
import { takeAsDeadConsumer } from "../../helpers/webhooks/stores.js";

let cluster: TestRedisCluster;
let receiver: Receiver;
const nodes: TestNode[] = [];

beforeAll(async () => {
  [cluster, receiver] = await Promise.all([startRedisCluster(), startReceiver()]);
}, 60_000);
afterAll(async () => {
  for (const node of nodes) await node.close();
  await receiver?.close();
  await cluster?.stop();
}, 30_000);

/** A username whose keys live on another primary than jane's. */
async function userOnAnotherShard(): Promise<string> {
  const jane = await cluster.primaryOf(userKey("jane", "audit"));
  for (let i = 0; ; i++) {
    const name = `user${i}`;
    if ((await cluster.primaryOf(userKey(name, "audit"))) !== jane) return name;
  }
}

it("delivers each user's events once and in order across shards, reclaiming a dead consumer's", async () => {
  const env = { redisClusterNodes: cluster.seeds.join(",") };
  // A node that takes requests but runs no dispatcher.
  const api = await createWebhookTestNode(env, {
    clock: systemClock,
    webhooks: { dispatcher: false },
  });
  nodes.push(api);
  const other = await userOnAnotherShard();
  const put = await request(api.app)
    .put(`/admin/v1/users/${other}`)
    .set(api.admin)
    .send(sampleProfileInput(other, { timezone: "UTC", scheduling: OPEN_ALL_WEEK }));
  expect(put.status).toBe(201);
  const created = await request(api.app)
    .post(`/admin/v1/users/${other}/agents`)
    .set(api.admin)
    .send({ name: "B", priority: 1 });
  expect(created.status).toBe(201);
  const otherAgent = { Authorization: `Bearer ${created.body.api_key}` };
  const janeAgent = await createAgent(api, "A", 1);
  await subscribe(api, janeAgent.auth, { url: receiver.url, events: ["booking.committed"] });
  await subscribe(api, otherAgent, { url: receiver.url, events: ["booking.committed"] });

  const janeIds: string[] = [];
  const otherIds: string[] = [];
  for (let i = 0; i < 3; i++) {
    janeIds.push((await commit(api, janeAgent, i)).audit_ref);
    const res = await request(api.app).post("/v1/bookings").set(otherAgent).send(slot(i));
    expect(res.status).toBe(201);
    otherIds.push(res.body.audit_ref);
  }
  // A consumer reads jane's entries from the group on her shard, then dies.
  const janeShard = await cluster.primaryOf(userKey("jane", "audit"));
  expect(await takeAsDeadConsumer(janeShard.server.client!, "jane")).not.toBeNull();

  const worker = await createWebhookTestNode(env, {
    clock: systemClock,
    webhooks: { dispatcher: { pollMs: 5, leaseMs: 600 } },
  });
  nodes.push(worker);
  await receiver.waitFor(() => receiver.acceptedIds().length >= 6, 20_000);
  const accepted = receiver.acceptedIds();
  expect(accepted.filter((id) => janeIds.includes(id))).toEqual(janeIds);
  expect(accepted.filter((id) => otherIds.includes(id))).toEqual(otherIds);
  expect(accepted).toHaveLength(6);
});

it("delivers an event whose writer died before sealing it: the dispatcher seals it on the user's shard", async () => {
  const env = { redisClusterNodes: cluster.seeds.join(",") };
  // Its writes leave their events unsealed, as a process dying after each script.
  const writer = await createWebhookTestNode(env, {
    clock: systemClock,
    store: await RedisStore.connect({ clusterNodes: cluster.seeds }, { leaveUnsealed: true }),
    webhooks: { dispatcher: false },
  });
  nodes.push(writer);
  const agent = await createAgent(writer, "C", 1);
  await subscribe(writer, agent.auth, { url: receiver.url, events: ["booking.committed"] });
  const { audit_ref } = await commit(writer, agent, 20);
  const shard = (await cluster.primaryOf(userKey("jane", "audit:head"))).server.client!;
  const pending = async () =>
    Object.keys(await shard.hGetAll(userKey("jane", "audit:head"))).filter((f) =>
      f.startsWith("p:"),
    );
  expect(await pending()).not.toEqual([]);
  // Heads on every shard read in calls of one slot each: only jane's has pending events.
  const webhookStore = await RedisWebhookStore.connect({ clusterNodes: cluster.seeds });
  try {
    const names = ["jane", ...Array.from({ length: 30 }, (_, i) => `user${i}`)];
    expect([...(await webhookStore.unsealedSince(names)).keys()]).toEqual(["jane"]);
  } finally {
    await webhookStore.close();
  }
  await writer.close();

  const worker = await createWebhookTestNode(env, {
    clock: systemClock,
    webhooks: { dispatcher: { pollMs: 5, sealGraceMs: 500 } },
  });
  nodes.push(worker);
  await receiver.waitFor(() => receiver.acceptedIds().includes(audit_ref), 20_000);
  expect(await pending()).toEqual([]);
  const events = await worker.ctx.store.readAudit("jane");
  expect(events.map((e) => e.id)).toContain(audit_ref);
  expect(verifyChain(events, GENESIS_HASH)).toEqual({ ok: true });
});
