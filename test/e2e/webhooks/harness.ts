/**
 * Node processes on one real Redis for the webhook tests: users and admin subscriptions
 * over HTTP, events written straight through a RedisStore (as any node process would).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "vitest";
import { RedisStore } from "../../../src/arbiter/index.js";
import { sampleProfileInput } from "../../helpers/node.js";
import { type NodeProcess, startNodeProcess } from "../../helpers/node-process.js";
import { type RedisServer, startRedisServer } from "../../helpers/redis-server.js";

export const ADMIN_TOKEN = "webhooks-e2e-admin-token-0123456789";
const SLOT_MS = 15 * 60_000;

export interface Harness {
  redis: RedisServer;
  store: RedisStore;
  startNode(extraEnv?: Record<string, string>): Promise<NodeProcess>;
  close(): Promise<void>;
}

export async function startHarness(): Promise<Harness> {
  const redis = await startRedisServer({ connect: true });
  const dataDir = await mkdtemp(path.join(tmpdir(), "calendario-webhooks-e2e-"));
  const store = await RedisStore.connect(redis.url);
  const nodes: NodeProcess[] = [];
  return {
    redis,
    store,
    async startNode(extraEnv = {}) {
      const node = await startNodeProcess({
        REDIS_URL: redis.url,
        DATA_DIR: dataDir,
        PROFILES_DIR: path.join(dataDir, "no-profiles"),
        ADMIN_TOKEN,
        PUBLIC_URL: "http://127.0.0.1",
        CALENDARIO_ALLOW_INSECURE: "1",
        // A dead process's leases and unacknowledged entries are taken over after 1 s.
        WEBHOOK_LEASE_MS: "1000",
        WEBHOOK_TIMEOUT_MS: "5000",
        ...extraEnv,
      });
      nodes.push(node);
      return node;
    },
    async close() {
      await Promise.all(nodes.map((n) => n.stop()));
      await store.close();
      await redis.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export async function call(url: string, method: string, body?: unknown) {
  const res = await fetch(url, {
    method,
    headers: {
      authorization: `Bearer ${ADMIN_TOKEN}`,
      ...(body !== undefined && { "content-type": "application/json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : {} };
}

/** Creates the user and an admin subscription to its booking.committed events. */
export async function userWithSubscription(
  node: NodeProcess,
  username: string,
  url: string,
): Promise<{ id: string; secret: string }> {
  const put = await call(
    `${node.url}/admin/v1/users/${username}`,
    "PUT",
    sampleProfileInput(username),
  );
  expect(put.status).toBe(201);
  const sub = await call(`${node.url}/v1/webhooks`, "POST", {
    url,
    events: ["booking.committed"],
    user_id: username,
  });
  expect(sub.status).toBe(201);
  return sub.body;
}

/** `count` booking.committed events in the user's outbox; returns their ids in seq order. */
export async function produceEvents(
  store: RedisStore,
  username: string,
  count: number,
  offset = 0,
): Promise<string[]> {
  const base = Date.parse("2027-01-04T00:00:00Z");
  const ids: string[] = [];
  for (let i = offset; i < offset + count; i++) {
    const outcome = await store.commit({
      username,
      agentId: "agt_producer",
      priority: 1,
      start: base + i * SLOT_MS,
      end: base + (i + 1) * SLOT_MS,
      bookingId: `bkg_${username}_${i}`,
      bumpWindowMs: 0,
      dayKey: "-",
      maxPerDay: 0,
      fingerprint: String(i),
      actor: "agt_producer",
    });
    if (outcome.status !== "committed") throw new Error(`commit ${i}: ${outcome.status}`);
    ids.push(outcome.auditRef);
  }
  return ids;
}

/** How many times each id occurs. */
export function counts(ids: string[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const id of ids) out.set(id, (out.get(id) ?? 0) + 1);
  return out;
}
