/**
 * A real, throw-away Redis Cluster for tests: 3 primaries (and, with `replicas: 1`, one
 * replica each), every node a redis-server on a free 127.0.0.1 port with cluster mode on
 * and no persistence, joined by `redis-cli --cluster create`, ready once every node says
 * `cluster_state:ok` and every replica is in sync.
 */
import { execFile } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";
import { promisify } from "node:util";
import { keySlot } from "../../src/arbiter/index.js";
import { type RedisServer, startRedisServer } from "./redis-server.js";

const run = promisify(execFile);

export interface RedisClusterOptions {
  /** Replicas per primary (default 0). */
  replicas?: 0 | 1;
  /**
   * Milliseconds before a silent node is taken as failed (default 5000, so a loaded
   * machine does not fail a node that was only slow): with replicas, how soon one takes
   * over from a dead primary.
   */
  nodeTimeoutMs?: number;
}

export interface RedisClusterNode {
  server: RedisServer;
  address: string;
}

export interface TestRedisCluster {
  /** `redis://127.0.0.1:<port>` of every node, the seeds for REDIS_CLUSTER_NODES. */
  seeds: string[];
  nodes: RedisClusterNode[];
  /** The primaries now (after a failover, a former replica is one). */
  primaries(): Promise<RedisClusterNode[]>;
  /** The node that serves `key`'s slot now. */
  primaryOf(key: string): Promise<RedisClusterNode>;
  /** Empties every primary (replicas follow). */
  flushAll(): Promise<void>;
  /** Kills one node (SIGTERM, as a crash of that process). */
  kill(node: RedisClusterNode): Promise<void>;
  /** Resolves once every live node says `cluster_state:ok`. */
  waitUntilOk(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

const PRIMARIES = 3;

export async function startRedisCluster(
  options: RedisClusterOptions = {},
): Promise<TestRedisCluster> {
  const replicas = options.replicas ?? 0;
  const nodeTimeout = options.nodeTimeoutMs ?? 5000;
  // One after the other: six servers starting at once on a loaded 2-core machine can miss
  // their start deadline.
  const servers: RedisServer[] = [];
  const stopStarted = () => Promise.all(servers.map((server) => server.stop()));
  try {
    for (let i = 0; i < PRIMARIES * (1 + replicas); i++)
      servers.push(
        await startRedisServer({
          connect: true,
          args: [
            "--cluster-enabled",
            "yes",
            "--cluster-config-file",
            "nodes.conf",
            "--cluster-node-timeout",
            String(nodeTimeout),
            // A replica may always take over, however long its link was down.
            "--cluster-replica-validity-factor",
            "0",
          ],
        }),
      );
  } catch (err) {
    await stopStarted();
    throw err;
  }
  const nodes = servers.map((server) => ({ server, address: `127.0.0.1:${server.port}` }));
  const dead = new Set<RedisClusterNode>();
  const live = () => nodes.filter((n) => !dead.has(n));

  const info = async (node: RedisClusterNode, section: "cluster" | "replication") => {
    const text =
      section === "cluster"
        ? await node.server.client!.clusterInfo()
        : await node.server.client!.info("replication");
    return Object.fromEntries(
      String(text)
        .split(/\r?\n/)
        .filter((line) => line.includes(":"))
        .map((line) => line.split(":", 2) as [string, string]),
    );
  };

  const cluster: TestRedisCluster = {
    seeds: nodes.map((n) => `redis://${n.address}`),
    nodes,
    async primaries() {
      const roles = await Promise.all(live().map(async (n) => [n, await info(n, "replication")]));
      return roles
        .filter(([, r]) => (r as Record<string, string>).role === "master")
        .map(([n]) => n as RedisClusterNode);
    },
    async primaryOf(key: string) {
      const slot = keySlot(key);
      const ranges = (await live()[0]!.server.client!.sendCommand(["CLUSTER", "SLOTS"])) as [
        number,
        number,
        [string, number, string],
      ][];
      const range = ranges.find(([from, to]) => from <= slot && slot <= to);
      const node = live().find((n) => range && n.server.port === Number(range[2][1]));
      if (!node) throw new Error(`no primary serves the slot of ${key}`);
      return node;
    },
    async flushAll() {
      await Promise.all((await cluster.primaries()).map((n) => n.server.client!.flushAll()));
    },
    async kill(node) {
      dead.add(node);
      await node.server.stop();
    },
    async waitUntilOk(timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const states = await Promise.all(
          live().map(async (n) => {
            const [c, r] = await Promise.all([info(n, "cluster"), info(n, "replication")]);
            return (
              c.cluster_state === "ok" && (r.role === "master" || r.master_link_status === "up")
            );
          }),
        ).catch(() => [false]);
        if (states.every(Boolean)) return;
        if (Date.now() > deadline) throw new Error("the Redis Cluster did not become ready");
        await sleep(100);
      }
    },
    async stop() {
      await Promise.all(nodes.map((n) => n.server.stop()));
    },
  };

  try {
    await run("redis-cli", [
      "--cluster",
      "create",
      ...nodes.map((n) => n.address),
      "--cluster-replicas",
      String(replicas),
      "--cluster-yes",
    ]);
    await cluster.waitUntilOk();
    return cluster;
  } catch (err) {
    await cluster.stop();
    throw err;
  }
}
