/**
 * A node's store by kind: the Redis one on a redis-server shared by the test file, the
 * cluster one on a 3-primary Redis Cluster shared by the test file.
 */
import { RedisStore, type Store } from "../../src/arbiter/index.js";
import type { Clock } from "../../src/clock.js";
import { startRedisCluster, type TestRedisCluster } from "./redis-cluster.js";
import { type RedisServer, startRedisServer } from "./redis-server.js";

export type StoreKindName = "memory" | "redis" | "redis-cluster";

let redis: RedisServer | undefined;
let cluster: TestRedisCluster | undefined;

/** Stops the shared redis-server, if a Redis node was started (call in afterAll). */
export async function stopSharedRedis(): Promise<void> {
  await redis?.stop();
  redis = undefined;
}

/** The shared redis-server of this test file, started on first use. */
export async function sharedRedis(): Promise<RedisServer> {
  redis ??= await startRedisServer({ connect: true });
  return redis;
}

/** The shared Redis Cluster of this test file (3 primaries), started on first use. */
export async function sharedCluster(): Promise<TestRedisCluster> {
  cluster ??= await startRedisCluster();
  return cluster;
}

/** Stops the shared Redis Cluster, if one was started (call in afterAll). */
export async function stopSharedCluster(): Promise<void> {
  await cluster?.stop();
  cluster = undefined;
}

/**
 * The store for a node of `kind` on `clock`: memory, undefined (the node makes its own);
 * redis, a RedisStore on the shared redis-server, flushed first; redis-cluster, one on
 * the shared cluster, flushed first.
 */
export async function storeOfKind(kind: StoreKindName, clock: Clock): Promise<Store | undefined> {
  if (kind === "memory") return undefined;
  if (kind === "redis-cluster") {
    const c = await sharedCluster();
    await c.flushAll();
    return RedisStore.connect({ clusterNodes: c.seeds }, { clock });
  }
  const server = await sharedRedis();
  await server.client!.flushAll();
  return RedisStore.connect(server.url, { clock });
}
