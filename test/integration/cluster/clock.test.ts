/**
 * A user's reads that compare with the time ask the clock of the shard holding the user,
 * the one the user's scripts decide by, not whichever node a bare TIME would reach.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { RedisStore, userKey } from "../../../src/arbiter/index.js";
import { startRedisCluster, type TestRedisCluster } from "../../helpers/redis-cluster.js";

let cluster: TestRedisCluster;
let store: RedisStore;

beforeAll(async () => {
  cluster = await startRedisCluster();
  store = await RedisStore.connect({ clusterNodes: cluster.seeds });
}, 60_000);
afterAll(async () => {
  await store?.close();
  await cluster?.stop();
}, 30_000);

/** Script calls each primary has run so far, by port. */
async function scriptCalls(): Promise<Map<number, number>> {
  const calls = new Map<number, number>();
  for (const node of await cluster.primaries()) {
    const info = await node.server.client!.info("commandstats");
    const count = (name: string) =>
      Number(new RegExp(`cmdstat_${name}:calls=(\\d+)`).exec(info)?.[1] ?? 0);
    calls.set(node.server.port, count("evalsha") + count("eval"));
  }
  return calls;
}

it("reads a user's time on that user's shard", async () => {
  const home = (await cluster.primaryOf(userKey("jane", "user"))).server.port;
  const before = await scriptCalls();
  for (let i = 0; i < 20; i++) expect(await store.now("jane")).toBeGreaterThan(1_700_000_000_000);
  const after = await scriptCalls();
  for (const [port, calls] of after) {
    const delta = calls - (before.get(port) ?? 0);
    if (port === home) expect(delta).toBeGreaterThanOrEqual(20);
    else expect(delta).toBe(0);
  }
});
