/**
 * Webhook deliveries/s to a local receiver, against raw undici POSTs to the same receiver
 * in the same run (the baseline): the dispatcher on the embedded store, and on a real
 * Redis when redis-server is installed. The dispatcher drains a backlog for SUBSCRIPTIONS
 * subscriptions (one per user), one request at a time each, as it keeps each subscription
 * in order; the baseline uses as many parallel senders.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { Agent, request } from "undici";
import { MemoryStore, RedisStore, type Store } from "../../src/arbiter/index.js";
import { systemClock } from "../../src/clock.js";
import { createLogger } from "../../src/logger.js";
import {
  deliveryHeaders,
  MemoryWebhookStore,
  newSigningSecret,
  RedisWebhookStore,
  Webhooks,
} from "../../src/webhooks/index.js";
import { startRedisServer } from "../../test/helpers/redis-server.js";
import { ratio } from "./http-load.js";

const SUBSCRIPTIONS = 8;
const DELIVERIES = 4_000;
const SLOT_MS = 15 * 60_000;

interface Receiver {
  url: string;
  /** Resolves once `n` more requests have been answered. */
  next(n: number): Promise<void>;
  close(): Promise<void>;
}

async function startReceiver(): Promise<Receiver> {
  let count = 0;
  let waiting: { target: number; resolve: () => void } | undefined;
  const server = http.createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      res.writeHead(200).end();
      count += 1;
      if (waiting && count >= waiting.target) waiting.resolve();
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    next: (n) =>
      new Promise((resolve) => {
        waiting = { target: count + n, resolve };
      }),
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A delivery-sized signed body, as the dispatcher sends. */
function sampleRequest() {
  const body = JSON.stringify({
    type: "booking.committed",
    created: 1795262400,
    data: {
      id: "evt_2kQb7TqkmWGn9pXr_1",
      object: {
        object: "booking",
        booking_id: "bkg_Zy3Xb1kX0Xx5aVf8",
        user_id: "user0",
        agent_id: "agt_bench",
        priority: 1,
        start: "2027-01-04T00:00:00.000Z",
        end: "2027-01-04T00:15:00.000Z",
        status: "committed",
        committed_at: "2026-11-21T12:00:00.000Z",
        frozen_at: "2026-11-21T12:00:30.000Z",
        details: null,
      },
    },
  });
  return { body, headers: deliveryHeaders([newSigningSecret()], "evt_x_1", 1795262400, body) };
}

async function rawUndici(url: string): Promise<number> {
  const agent = new Agent({ connections: SUBSCRIPTIONS, keepAliveTimeout: 10_000 });
  const { body, headers } = sampleRequest();
  let left = DELIVERIES;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: SUBSCRIPTIONS }, async () => {
      while (left-- > 0) {
        const res = await request(url, { method: "POST", headers, body, dispatcher: agent });
        await res.body.dump();
      }
    }),
  );
  const rps = DELIVERIES / ((performance.now() - started) / 1000);
  await agent.close();
  return rps;
}

async function writeEvents(store: Store, users: string[]) {
  const base = Date.parse("2027-01-04T00:00:00Z");
  await Promise.all(
    users.map(async (username) => {
      for (let i = 0; i < DELIVERIES / SUBSCRIPTIONS; i++) {
        await store.commit({
          username,
          agentId: "agt_bench",
          priority: 1,
          start: base + i * SLOT_MS,
          end: base + (i + 1) * SLOT_MS,
          bookingId: `bkg_${username}_${i}`,
          bumpWindowMs: 0,
          dayKey: "-",
          maxPerDay: 0,
          fingerprint: String(i),
          actor: "agt_bench",
        });
      }
    }),
  );
}

/**
 * The subscriptions and a backlog of events are made first, without a dispatcher; then a
 * dispatcher starts and the time to deliver the backlog is measured: outbox reads,
 * persisting, signing, POSTs and recording each outcome.
 */
async function dispatcherRate(store: Store, redisUrl: string | undefined, receiver: Receiver) {
  const deps = {
    store,
    clock: systemClock,
    logger: createLogger("silent"),
    allowInsecure: true,
    redis: undefined,
    timeoutMs: 10_000,
    leaseMs: 30_000,
  };
  const storeFor = async () =>
    redisUrl
      ? await RedisWebhookStore.connect(redisUrl)
      : new MemoryWebhookStore(store, systemClock.now);
  const memoryStore = redisUrl ? undefined : await storeFor();
  const setup = await Webhooks.create(deps, {
    webhookStore: memoryStore ?? (await storeFor()),
    dispatcher: false,
  });
  const users = Array.from({ length: SUBSCRIPTIONS }, (_, i) => `user${i}`);
  for (const username of users)
    await setup.subscribe(
      { username, agentId: null },
      { url: receiver.url, events: ["booking.committed"] },
    );
  await writeEvents(store, users);
  if (redisUrl) await setup.stop();
  const done = receiver.next(DELIVERIES);
  const started = performance.now();
  const webhooks = await Webhooks.create(deps, {
    webhookStore: memoryStore ?? (await storeFor()),
    dispatcher: { pollMs: 5 },
  });
  try {
    await done;
    return { deliveriesPerSec: Math.round(DELIVERIES / ((performance.now() - started) / 1000)) };
  } finally {
    await webhooks.stop();
  }
}

async function withRedis<T>(fn: (url: string) => Promise<T>): Promise<T | string> {
  let server: Awaited<ReturnType<typeof startRedisServer>>;
  try {
    server = await startRedisServer();
  } catch (err) {
    return `skipped: ${(err as Error).message}`;
  }
  try {
    return await fn(server.url);
  } finally {
    await server.stop();
  }
}

export async function benchWebhooks() {
  const receiver = await startReceiver();
  try {
    await rawUndici(receiver.url); // warm-up: connections, JIT
    const baseline = await rawUndici(receiver.url);
    const memory = await dispatcherRate(new MemoryStore(systemClock), undefined, receiver);
    const redis = await withRedis(async (url) => {
      const store = await RedisStore.connect(url);
      try {
        return await dispatcherRate(store, url, receiver);
      } finally {
        await store.close();
      }
    });
    return {
      subscriptions: SUBSCRIPTIONS,
      deliveries: DELIVERIES,
      rawUndiciPostsPerSec: Math.round(baseline),
      memory: { ...memory, ratioToRaw: ratio(memory.deliveriesPerSec, baseline) },
      redis:
        typeof redis === "string"
          ? redis
          : { ...redis, ratioToRaw: ratio(redis.deliveriesPerSec, baseline) },
    };
  } finally {
    await receiver.close();
  }
}
