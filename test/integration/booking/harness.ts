/**
 * An in-process node on the memory or the Redis store, listening on a real port, for
 * tests that fire many /v1 requests at once. Unlike supertest (one server per request),
 * every request goes to one listener over connections opened beforehand, so requests
 * sent in one tick reach the node within a few milliseconds of each other — well inside
 * the default 250 ms arbitration window.
 */
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { ManualClock } from "../../../src/clock.js";
import type { ServerEnvironment } from "../../../src/config.js";
import { createTestNode, sampleProfileInput, type TestNode } from "../../helpers/node.js";
import { OPEN_ALL_WEEK } from "../../helpers/profiles.js";
import { sharedRedis, stopSharedRedis, storeOfKind } from "../../helpers/store-kinds.js";

/** The test clock's now: a Saturday. Every slot below is days after it. */
export const NOW = Date.parse("2026-11-21T12:00:00Z");
export const MIN = 60_000;
export const HOUR = 3600_000;

export interface Answer {
  status: number;
  body: Record<string, unknown>;
}

export interface HttpAgent {
  id: string;
  priority: number;
  key: string;
  /** The node this agent talks to. */
  url: string;
}

export async function call(
  url: string,
  method: string,
  token: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const res = await fetch(url, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body !== undefined && { "content-type": "application/json" }),
      ...headers,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : {} };
}

export interface ListeningNode {
  node: TestNode;
  url: string;
  adminToken: string;
  clock: ManualClock;
  close(): Promise<void>;
}

export { sharedRedis, stopSharedRedis };

/**
 * A fresh node on `kind`'s store (Redis flushed), on a manual clock at NOW, listening on
 * 127.0.0.1. `env` is the node's configuration (ARBITRATION_WINDOW_MS defaults to 250).
 */
export async function startListeningNode(
  kind: "memory" | "redis",
  env: ServerEnvironment = {},
): Promise<ListeningNode> {
  const clock = new ManualClock(NOW);
  const store = await storeOfKind(kind, clock);
  const node = await createTestNode(env, { clock, ...(store && { store }) });
  const server: Server = node.app.listen(0, "127.0.0.1");
  await new Promise<void>((resolve, reject) => {
    server.once("listening", resolve);
    server.once("error", reject);
  });
  const { port } = server.address() as AddressInfo;
  return {
    node,
    url: `http://127.0.0.1:${port}`,
    adminToken: node.admin.Authorization.slice("Bearer ".length),
    clock,
    async close() {
      try {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      } finally {
        await node.close();
      }
    },
  };
}

/** Puts `username`'s profile: open every day, all day, in `timezone`, no notice. */
export async function putOpenProfile(
  url: string,
  adminToken: string,
  username: string,
  extra: Record<string, unknown> = {},
): Promise<void> {
  const profile = sampleProfileInput(username, {
    timezone: "UTC",
    scheduling: OPEN_ALL_WEEK,
    min_notice_hours: 0,
    ...extra,
  });
  const put = await call(`${url}/admin/v1/users/${username}`, "PUT", adminToken, profile);
  if (put.status !== 201) throw new Error(`profile: ${put.status} ${JSON.stringify(put.body)}`);
}

/**
 * Creates one agent per priority, in order, each talking to `urls[i % urls.length]`, and
 * opens each agent's connection with a GET so no racer pays for connecting.
 */
export async function createAgents(
  adminUrl: string,
  adminToken: string,
  username: string,
  priorities: number[],
  urls: string[] = [adminUrl],
): Promise<HttpAgent[]> {
  const agents: HttpAgent[] = [];
  for (const [i, priority] of priorities.entries()) {
    const created = await call(
      `${adminUrl}/admin/v1/users/${username}/agents`,
      "POST",
      adminToken,
      { name: `agent-${i}-p${priority}`, priority },
    );
    if (created.status !== 201) throw new Error(`agent: ${created.status}`);
    agents.push({
      id: created.body.agent_id as string,
      priority,
      key: created.body.api_key as string,
      url: urls[i % urls.length]!,
    });
  }
  const warm = await Promise.all(agents.map((a) => call(`${a.url}/v1/bookings`, "GET", a.key)));
  for (const w of warm) if (w.status !== 200) throw new Error(`warm-up: ${w.status}`);
  return agents;
}

export const iso = (ms: number) => new Date(ms).toISOString();

export function interval(start: number, minutes = 30): { start: string; end: string } {
  return { start: iso(start), end: iso(start + minutes * MIN) };
}

/** POST /v1/bookings as `agent`. */
export function commit(
  agent: HttpAgent,
  body: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<Answer> {
  return call(`${agent.url}/v1/bookings`, "POST", agent.key, body, headers);
}

/** The user's audit events (admin), all pages. */
export async function auditEvents(
  url: string,
  adminToken: string,
  username: string,
): Promise<Array<{ seq: number; type: string; resource: string; data: Record<string, unknown> }>> {
  const events: Array<{
    seq: number;
    type: string;
    resource: string;
    data: Record<string, unknown>;
  }> = [];
  for (let after = 0; ; ) {
    const page = await call(
      `${url}/v1/audit?user_id=${username}&after=${after}&limit=1000`,
      "GET",
      adminToken,
    );
    if (page.status !== 200) throw new Error(`audit: ${page.status}`);
    const batch = page.body.events as typeof events;
    if (batch.length === 0) return events;
    events.push(...batch);
    after = batch.at(-1)!.seq;
  }
}

/** Committed bookings overlapping [start, end), as GET /v1/bookings lists them. */
export async function listBookings(
  agent: HttpAgent,
  range: { start: number; end: number },
): Promise<Array<Record<string, unknown>>> {
  const res = await call(
    `${agent.url}/v1/bookings?range_start=${encodeURIComponent(iso(range.start))}&range_end=${encodeURIComponent(iso(range.end))}`,
    "GET",
    agent.key,
  );
  if (res.status !== 200) throw new Error(`bookings: ${res.status}`);
  return res.body.bookings as Array<Record<string, unknown>>;
}
