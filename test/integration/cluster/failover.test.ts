/**
 * A primary of a real Redis Cluster (3 primaries, one replica each) dies under a node:
 * requests fail with 503 store_unavailable while the cluster elects its replica, writes
 * resume without restarting the node, and every booking acknowledged and replicated
 * before the crash is still there, its audit chain intact.
 */
import { setTimeout as sleep } from "node:timers/promises";
import request from "supertest";
import { afterAll, beforeAll, expect, it } from "vitest";
import { userKey } from "../../../src/arbiter/index.js";
import { verifyChain } from "../../../src/audit/index.js";
import { systemClock } from "../../../src/clock.js";
import type { TestNode } from "../../helpers/node.js";
import { startRedisCluster, type TestRedisCluster } from "../../helpers/redis-cluster.js";
import { commit, createAgent, createWebhookTestNode, slot } from "../../helpers/webhooks/setup.js";

let cluster: TestRedisCluster;
let node: TestNode | undefined;

beforeAll(async () => {
  cluster = await startRedisCluster({ replicas: 1, nodeTimeoutMs: 2000 });
}, 90_000);
afterAll(async () => {
  await node?.close();
  await cluster?.stop();
}, 30_000);

it("resumes writes after a primary dies and keeps the acknowledged, replicated bookings", async () => {
  node = await createWebhookTestNode(
    { redisClusterNodes: cluster.seeds.join(",") },
    { clock: systemClock, webhooks: { dispatcher: false } },
  );
  const agent = await createAgent(node, "A", 1);
  const kept: string[] = [];
  for (let i = 0; i < 5; i++) kept.push((await commit(node, agent, i)).booking_id);

  // Replication is asynchronous: the test waits until the replica has what was
  // acknowledged, the state Redis promises to keep across a failover.
  const primary = await cluster.primaryOf(userKey("jane", "bookings"));
  expect(await primary.server.client!.sendCommand(["WAIT", "1", "5000"])).toBe(1);
  await cluster.kill(primary);

  const statuses = new Set<number>();
  let resumed: request.Response | undefined;
  const deadline = Date.now() + 45_000;
  for (let i = 5; !resumed && Date.now() < deadline; i++) {
    const res = await request(node.app).post("/v1/bookings").set(agent.auth).send(slot(i));
    statuses.add(res.status);
    if (res.status === 201) resumed = res;
    else {
      // Only a retryable refusal while there is no primary: never a 500.
      expect(res.status, JSON.stringify(res.body)).toBe(503);
      expect(res.body.error.code).toBe("store_unavailable");
      await sleep(200);
    }
  }
  expect(resumed, "writes did not resume after the failover").toBeDefined();
  expect((await cluster.primaryOf(userKey("jane", "bookings"))) === primary).toBe(false);

  for (const id of kept) expect(await node.ctx.store.getBooking("jane", id)).not.toBeNull();
  const events = await node.ctx.store.readAudit("jane");
  const head = await node.ctx.store.auditHead("jane");
  expect(verifyChain(events)).toMatchObject({ ok: true });
  expect(events.at(-1)).toMatchObject({ seq: head.seq, hash: head.hash });
  console.log(`failover: answered ${[...statuses].join(", ")} until writes resumed`);
}, 120_000);
