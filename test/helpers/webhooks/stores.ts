/**
 * Webhooks straight on a store (no node), on both stores and the real clock: the store
 * kinds, a user record, slots in the future, the Webhooks in process, and a consumer that
 * takes outbox entries and dies.
 */
import type { LookupFunction } from "node:net";
import { afterAll } from "vitest";
import {
  MemoryStore,
  RedisStore,
  type Store,
  type UserRecord,
} from "../../../src/arbiter/index.js";
import { systemClock } from "../../../src/clock.js";
import { createLogger } from "../../../src/logger.js";
import type { DispatcherOptions } from "../../../src/webhooks/dispatcher.js";
import {
  type AuthorizeCallback,
  RedisWebhookStore,
  Webhooks,
} from "../../../src/webhooks/index.js";
import { auditStreamKey, CONSUMER_GROUP } from "../../../src/webhooks/redis/keys.js";
import { type RedisServer, startRedisServer, type TestRedisClient } from "../redis-server.js";

export const HOUR = 3600_000;
/** Slots well in the future: the stores run on the real clock here. */
export const BASE = Math.ceil(Date.now() / HOUR) * HOUR + 48 * HOUR;

/** A user as the admin API stores it, updated now. */
export function userRecord(username: string): UserRecord {
  return {
    username,
    input: {},
    published: "{}",
    etag: '"v1"',
    visibility: "public",
    source: "admin",
    updatedAt: Date.now(),
  };
}

export interface WebhookStoreKind {
  name: string;
  /** A fresh store (Redis: emptied, with the URL for a webhook store of its own). */
  open(): Promise<{ store: Store; redisUrl?: string }>;
}

/**
 * The memory store and the Redis store (on a redis-server started when first opened and
 * stopped after the file); `server()`: that server, once started.
 */
export function webhookStoreKinds(): {
  kinds: WebhookStoreKind[];
  server(): RedisServer | undefined;
} {
  let server: RedisServer | undefined;
  const kinds: WebhookStoreKind[] = [
    { name: "memory", open: async () => ({ store: new MemoryStore(systemClock) }) },
    {
      name: "redis",
      async open() {
        server ??= await startRedisServer({ connect: true });
        await server.client!.flushAll();
        return { store: await RedisStore.connect(server.url), redisUrl: server.url };
      },
    },
  ];
  afterAll(async () => {
    await server?.stop();
  });
  return { kinds, server: () => server };
}

/**
 * Webhooks in process on `store` (real clock, silent log, 2 s timeout and lease), with the
 * dispatcher options given (false: none), and a webhook store on `redisUrl` when given.
 */
export async function startStoreWebhooks(
  store: Store,
  redisUrl: string | undefined,
  dispatcher: Partial<DispatcherOptions> | false,
  opts: {
    authorizeCallback?: AuthorizeCallback;
    allowInsecure?: boolean;
    lookup?: LookupFunction;
  } = {},
): Promise<Webhooks> {
  return Webhooks.create(
    {
      store,
      clock: systemClock,
      logger: createLogger("silent"),
      allowInsecure: opts.allowInsecure ?? true,
      redis: undefined,
      timeoutMs: 2_000,
      leaseMs: 2_000,
      ...(opts.authorizeCallback && { authorizeCallback: opts.authorizeCallback }),
    },
    {
      dispatcher,
      ...(opts.lookup && { lookup: opts.lookup }),
      ...(redisUrl && { webhookStore: await RedisWebhookStore.connect(redisUrl) }),
    },
  );
}

/**
 * A consumer reads everything new in `username`'s audit stream from the group, then dies
 * without persisting or acknowledging; returns what it read.
 */
export function takeAsDeadConsumer(client: TestRedisClient, username: string) {
  return client.sendCommand([
    "XREADGROUP",
    "GROUP",
    CONSUMER_GROUP,
    "dead-consumer",
    "COUNT",
    "100",
    "STREAMS",
    auditStreamKey(username),
    ">",
  ]);
}
