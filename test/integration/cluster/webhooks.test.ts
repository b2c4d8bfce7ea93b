/**
 * Webhook delivery on a real 3-primary Redis Cluster: two users whose outboxes live on
 * different shards, a node that takes requests and one that dispatches; every event is
 * delivered once, in order per user, including those a dead consumer took.
 */
import request from "supertest";
import { afterAll, beforeAll, expect, it } from "vitest";
import { userKey } from "../../../src/arbiter/index.js";
import { systemClock } from "../../../src/clock.js";
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
