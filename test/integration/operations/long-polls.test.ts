/**
 * Long polls (`GET /v1/events?wait=`) against a real redis-server: at most 4 waiting per
 * agent (429 rate_limited, Retry-After), and one head read per interval per user however
 * many polls wait on it (counted with INFO commandstats).
 */
import { once } from "node:events";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, expect, it } from "vitest";
import { MAX_LONG_POLLS_PER_AGENT } from "../../../src/webhooks/webhooks.js";
import { createTestNode, sampleProfileInput, type TestNode } from "../../helpers/node.js";
import { type RedisServer, startRedisServer } from "../../helpers/redis-server.js";

/** Redis decides with its own TIME: a Monday 10:00 New York a few days from now. */
function nextMonday10(): Date {
  const d = new Date(Date.now() + 3 * 86_400_000);
  while (d.getUTCDay() !== 1) d.setUTCDate(d.getUTCDate() + 1);
  d.setUTCHours(15, 0, 0, 0);
  return d;
}

let redis: RedisServer;
let node: TestNode;
let server: Server;
let base: string;

async function call(
  path: string,
  auth: string,
  init: { method?: string; body?: unknown } = {},
): Promise<{ status: number; headers: Headers; body: Record<string, unknown> }> {
  const res = await fetch(`${base}${path}`, {
    method: init.method ?? "GET",
    headers: { authorization: `Bearer ${auth}`, "content-type": "application/json" },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as never };
}

async function hmgetCalls(): Promise<number> {
  const info = await redis.client!.info("commandstats");
  return Number(/cmdstat_hmget:calls=(\d+)/.exec(info)?.[1] ?? 0);
}

beforeAll(async () => {
  redis = await startRedisServer({ connect: true });
  node = await createTestNode(
    { redisUrl: redis.url, arbitrationWindowMs: "0" },
    { webhooks: { dispatcher: false } },
  );
  server = node.app.listen(0, "127.0.0.1");
  await once(server, "listening");
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const profile = sampleProfileInput("jane", {
    scheduling: [{ type: "weekly", days: ["monday"], hours: ["09:00-17:00"] }],
  });
  const admin = node.admin.Authorization.slice("Bearer ".length);
  expect((await call("/admin/v1/users/jane", admin, { method: "PUT", body: profile })).status).toBe(
    201,
  );
});
afterAll(async () => {
  server?.close();
  await node?.close();
  await redis?.stop();
});

async function newAgentKey(name: string): Promise<string> {
  const admin = node.admin.Authorization.slice("Bearer ".length);
  const res = await call("/admin/v1/users/jane/agents", admin, {
    method: "POST",
    body: { name, priority: 2 },
  });
  expect(res.status).toBe(201);
  return res.body.api_key as string;
}

it("limits waiting polls per agent, shares one head read per user, and wakes every poll", async () => {
  const keys = await Promise.all(["A", "B", "C", "D"].map(newAgentKey));
  const head = (await call("/v1/events", keys[0]!)).body.next_cursor as string;
  const polls = keys.flatMap((key) =>
    Array.from({ length: MAX_LONG_POLLS_PER_AGENT }, () =>
      call(`/v1/events?wait=6&after=${head}`, key),
    ),
  );
  await expect
    .poll(() => node.ctx.operations.metrics.longPolls.get().then((g) => g.values[0]?.value))
    .toBe(16);

  // 16 polls for one user: one HMGET of the head per 100 ms, not one per poll.
  const before = await hmgetCalls();
  const windowStart = performance.now();
  await sleep(2000);
  const reads = (await hmgetCalls()) - before;
  const ticks = (performance.now() - windowStart) / 100;
  expect(reads).toBeLessThanOrEqual(Math.ceil(ticks) + 2);
  expect(reads).toBeGreaterThan(0);

  // A fifth waiting poll of one agent is refused; a poll that does not wait is not.
  const fifth = await call(`/v1/events?wait=5&after=${head}`, keys[0]!);
  expect(fifth.status).toBe(429);
  expect((fifth.body.error as { code: string }).code).toBe("rate_limited");
  expect(fifth.headers.get("retry-after")).toBe("1");
  expect((await call(`/v1/events?after=${head}`, keys[0]!)).status).toBe(200);

  // A's booking wakes A's four polls with its event.
  const booked = await call("/v1/bookings", keys[0]!, {
    method: "POST",
    body: {
      start: nextMonday10().toISOString(),
      end: new Date(nextMonday10().getTime() + 30 * 60_000).toISOString(),
    },
  });
  expect(booked.body).toMatchObject({ status: "committed" });
  const answers = await Promise.all(polls);
  expect(answers.map((a) => a.status)).toEqual(Array(16).fill(200));
  for (const a of answers.slice(0, MAX_LONG_POLLS_PER_AGENT)) {
    const types = (a.body.events as { type: string }[]).map((e) => e.type);
    expect(types).toContain("booking.committed");
  }
  expect(node.ctx.webhooks).toBeDefined();
  expect((await node.ctx.operations.metrics.longPolls.get()).values[0]?.value).toBe(0);
}, 60_000);
