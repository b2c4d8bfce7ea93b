/** A node's store by kind, the Redis one on a redis-server shared by the test file. */
import { RedisStore, type Store } from "../../src/arbiter/index.js";
import type { Clock } from "../../src/clock.js";
import { type RedisServer, startRedisServer } from "./redis-server.js";

let redis: RedisServer | undefined;

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

/**
 * The store for a node of `kind` on `clock`: memory, undefined (the node makes its own);
 * redis, a RedisStore on the shared redis-server, flushed first.
 */
export async function storeOfKind(
  kind: "memory" | "redis",
  clock: Clock,
): Promise<Store | undefined> {
  if (kind !== "redis") return undefined;
  const server = await sharedRedis();
  await server.client!.flushAll();
  return RedisStore.connect(server.url, { clock });
}
