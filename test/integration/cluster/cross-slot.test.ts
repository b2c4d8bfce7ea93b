/**
 * A script call whose keys span slots is refused before it is sent, on one Redis as on a
 * cluster, so a layout mistake shows on a developer's single Redis too.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CrossSlotError,
  calendarKeys,
  connectRedis,
  type RedisClient,
  userKey,
} from "../../../src/arbiter/index.js";
import { startRedisCluster, type TestRedisCluster } from "../../helpers/redis-cluster.js";
import { type RedisServer, startRedisServer } from "../../helpers/redis-server.js";

let server: RedisServer;
let cluster: TestRedisCluster;
const clients: RedisClient[] = [];

beforeAll(async () => {
  [server, cluster] = await Promise.all([startRedisServer(), startRedisCluster()]);
  clients.push(await connectRedis(server.url, 5000));
  clients.push(await connectRedis({ clusterNodes: cluster.seeds }, 5000));
}, 60_000);

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await Promise.all([server?.stop(), cluster?.stop()]);
}, 30_000);

describe.each(["single Redis", "Redis Cluster"])("on %s", (name) => {
  const client = () => clients[name === "single Redis" ? 0 : 1]!;

  it("refuses a script whose keys belong to two users, and writes nothing", async () => {
    const keys = [...calendarKeys("jane"), userKey("bob", "user")];
    await expect(client().record(keys, ["", "evt_", "0"])).rejects.toBeInstanceOf(CrossSlotError);
    expect(await client().exists(userKey("jane", "audit"))).toBe(0);
  });

  it("runs a script whose keys are one user's", async () => {
    const [seconds] = (await client().serverTime([userKey("jane", "user")], [])) as string[];
    expect(Number(seconds)).toBeGreaterThan(1_700_000_000);
  });
});
