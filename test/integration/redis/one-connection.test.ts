/**
 * The node opens one Redis connection, shared by the arbiter and the webhooks, plus one
 * subscriber connection (changes of users' records, for the store's cache, and settled
 * arbitration windows, to wake the commits waiting in them), and closes
 * both when it stops.
 */
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestNode, sampleProfileInput } from "../../helpers/node.js";
import { type RedisServer, startRedisServer } from "../../helpers/redis-server.js";

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedisServer({ connect: true });
});
afterAll(() => redis.stop());

/** Connections other than the test's own client. */
async function nodeConnectionLines(): Promise<string[]> {
  const list = (await redis.client!.sendCommand(["CLIENT", "LIST"])) as string;
  return list
    .trim()
    .split("\n")
    .filter((line) => !/ cmd=client\|list /.test(line));
}
const nodeConnections = async () => (await nodeConnectionLines()).length;

describe("the node's Redis connection", () => {
  it("is one, used by bookings and webhooks alike, and closed when the node stops", async () => {
    const before = await nodeConnections();
    const node = await createTestNode({ redisUrl: redis.url, arbitrationWindowMs: "0" });
    try {
      expect(node.ctx.store.kind).toBe("redis");
      expect(node.ctx.webhooks.webhookStore.kind).toBe("redis");
      const put = await request(node.app)
        .put("/admin/v1/users/jane")
        .set(node.admin)
        .send(sampleProfileInput("jane"));
      expect(put.status).toBe(201);
      const agent = await request(node.app)
        .post("/admin/v1/users/jane/agents")
        .set(node.admin)
        .send({ name: "Bot", priority: 1 });
      const hook = await request(node.app)
        .post("/v1/webhooks")
        .set({ Authorization: `Bearer ${agent.body.api_key}` })
        .send({ url: "http://127.0.0.1:9/hooks", events: ["*"] });
      expect(hook.status).toBe(201);
      const lines = await nodeConnectionLines();
      expect(lines.length).toBe(before + 2);
      // The second is the subscriber: to record changes and settled arbitration windows.
      expect(lines.filter((l) => / sub=2 /.test(l))).toHaveLength(1);
    } finally {
      await node.close();
    }
    expect(await nodeConnections()).toBe(before);
  });

  it("listens for changes and settled windows before the node is made", async () => {
    const node = await createTestNode({ redisUrl: redis.url, arbitrationWindowMs: "0" });
    try {
      // At once, no polling: a settle announced from now on is heard.
      const counts = (await redis.client!.sendCommand([
        "PUBSUB",
        "NUMSUB",
        "cal:records:changed",
        "cal:arb:settled",
      ])) as [string, number, string, number];
      expect([Number(counts[1]), Number(counts[3])]).toEqual([1, 1]);
    } finally {
      await node.close();
    }
  });
});
