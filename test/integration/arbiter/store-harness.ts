import {
  type Agent,
  MemoryStore,
  RedisStore,
  type Store,
  type UserRecord,
} from "../../../src/arbiter/index.js";
import type { CommitCommand, HoldCommand } from "../../../src/arbiter/types.js";
import { ManualClock } from "../../../src/clock.js";
import { type RedisServer, startRedisServer } from "../../helpers/redis-server.js";
import { type StoreKindName, sharedCluster } from "../../helpers/store-kinds.js";

export const T0 = Date.parse("2026-12-01T15:00:00Z");
export const MIN = 60_000;

/** A user record as the stores keep it: jane, admin-managed. */
export const janeRecord: UserRecord = {
  username: "jane",
  input: { name: "Jane" },
  published: "{}",
  etag: '"v1"',
  visibility: "public",
  source: "admin",
  updatedAt: T0,
};

/** An agent of jane's, ranked `priority`. */
export const agentRecord = (id: string, priority: number): Agent => ({
  id,
  username: "jane",
  name: id,
  priority,
  scopes: ["book"],
  createdAt: T0,
});

export interface StoreKind {
  name: StoreKindName;
  /**
   * A fresh, empty store on a clock set to T0. `sibling()`: another store on the same
   * state, as another node process has (memory: the same store; Redis: a connection of
   * its own on the same clock).
   */
  create(): Promise<{ store: Store; clock: ManualClock; sibling(): Promise<Store> }>;
  teardown(): Promise<void>;
}

let selected: StoreKindName[] = ["memory", "redis"];

/**
 * The kinds the suites in this test file run on (default: memory and redis). The cluster
 * suite selects "redis-cluster", then imports the same suites.
 */
export function selectStoreKinds(names: StoreKindName[]): void {
  selected = names;
}

/**
 * The selected stores: memory in-process, Redis on a real redis-server started for this
 * run, or a RedisStore on the file's shared Redis Cluster (stopped by the file).
 */
export function storeKinds(): StoreKind[] {
  let server: RedisServer | undefined;
  const opened: Store[] = [];
  return allKinds().filter((kind) => selected.includes(kind.name));

  function allKinds(): StoreKind[] {
    return [
      {
        name: "memory",
        async create() {
          const clock = new ManualClock(T0);
          const store = new MemoryStore(clock);
          return { store, clock, sibling: async () => store };
        },
        async teardown() {},
      },
      {
        name: "redis",
        async create() {
          server ??= await startRedisServer({ connect: true });
          await server.client!.flushAll();
          const clock = new ManualClock(T0);
          const store = await RedisStore.connect(server.url, { clock });
          opened.push(store);
          const url = server.url;
          const sibling = async () => {
            const other = await RedisStore.connect(url, { clock });
            opened.push(other);
            return other;
          };
          return { store, clock, sibling };
        },
        async teardown() {
          await Promise.all(opened.splice(0).map((s) => s.close()));
          await server?.stop();
          server = undefined;
        },
      },
      {
        name: "redis-cluster",
        async create() {
          const cluster = await sharedCluster();
          await cluster.flushAll();
          const clock = new ManualClock(T0);
          const connect = async () => {
            const store = await RedisStore.connect({ clusterNodes: cluster.seeds }, { clock });
            opened.push(store);
            return store;
          };
          return { store: await connect(), clock, sibling: connect };
        },
        async teardown() {
          await Promise.all(opened.splice(0).map((s) => s.close()));
        },
      },
    ];
  }
}

let seq = 0;
export function holdCmd(
  over: Partial<HoldCommand> & { agentId: string; priority: number },
): HoldCommand {
  seq += 1;
  return {
    username: "jane",
    start: T0 + 60 * MIN,
    end: T0 + 90 * MIN,
    holdId: `hld_test${seq}`,
    ttlMs: 30_000,
    fingerprint: `fp${seq}`,
    ...over,
  };
}

export function commitCmd(
  over: Partial<CommitCommand> & { agentId: string; priority: number },
): CommitCommand {
  seq += 1;
  return {
    username: "jane",
    start: T0 + 60 * MIN,
    end: T0 + 90 * MIN,
    bookingId: `bkg_test${seq}`,
    bumpWindowMs: 30_000,
    dayKey: "2026-12-01",
    maxPerDay: 0,
    fingerprint: `fp${seq}`,
    actor: over.agentId,
    ...over,
  };
}
