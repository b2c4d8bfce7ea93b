/**
 * `/metrics`: Prometheus text format, one registry per context, request durations under
 * route patterns, decisions by outcome, deliveries by result, store latency; the admin
 * token on the main port, none on METRICS_PORT.
 */
import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../../../src/clock.js";
import { profileFastPath } from "../../../src/http/index.js";
import { type RunningNode, startNode } from "../../../src/server.js";
import { createTestNode, sampleProfileInput, type TestNode } from "../../helpers/node.js";

// 2026-11-21 is a Saturday; the profile is open Mon–Fri 09:00–17:00 New York.
const MONDAY_10 = "2026-11-23T15:00:00Z";
const MONDAY_1030 = "2026-11-23T15:30:00Z";

let node: TestNode;
let agentAuth: { Authorization: string };
let receiver: Server;
const received: string[] = [];

async function metrics(): Promise<string> {
  const res = await request(node.app).get("/metrics").set(node.admin);
  expect(res.status).toBe(200);
  expect(res.headers["content-type"]).toMatch(/^text\/plain; version=0\.0\.4/);
  return res.text;
}

/** The value of one sample, e.g. `calendario_decisions_total{kind="commit",outcome="committed"}`. */
function sample(text: string, name: string, labels: Record<string, string>): number {
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split("\n")) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = (m[2] ?? "").split(",");
    if (want.every((w) => have.includes(w))) return Number(m[3]);
  }
  return 0;
}

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => {
      body += c.toString("utf8");
    });
    req.on("end", () => {
      received.push(body);
      res.writeHead(204).end();
    });
  });
  receiver.listen(0, "127.0.0.1");
  await once(receiver, "listening");
  node = await createTestNode(
    { arbitrationWindowMs: "0" },
    {
      clock: new ManualClock(Date.parse("2026-11-21T12:00:00Z")),
      webhooks: { dispatcher: { pollMs: 20 } },
    },
  );
  const profile = sampleProfileInput("jane", {
    scheduling: [
      {
        type: "weekly",
        days: ["monday", "tuesday", "wednesday", "thursday", "friday"],
        hours: ["09:00-17:00"],
      },
    ],
  });
  await request(node.app).put("/admin/v1/users/jane").set(node.admin).send(profile).expect(201);
  const agent = await request(node.app)
    .post("/admin/v1/users/jane/agents")
    .set(node.admin)
    .send({ name: "Bot", priority: 2 })
    .expect(201);
  agentAuth = { Authorization: `Bearer ${agent.body.api_key}` };
});
afterAll(async () => {
  await node.close();
  receiver.close();
});

describe("/metrics", () => {
  it("needs the admin token on the main port", async () => {
    expect((await request(node.app).get("/metrics")).status).toBe(401);
    const wrong = await request(node.app).get("/metrics").set(agentAuth);
    expect(wrong.status).toBe(403);
  });

  it("is valid Prometheus text with the default process metrics", async () => {
    const text = await metrics();
    const lines = text.split("\n").filter((l) => l !== "");
    expect(lines.length).toBeGreaterThan(50);
    for (const line of lines) {
      expect(line).toMatch(
        /^(# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* .+|[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="(\\.|[^"\\])*",?)*\})? -?(\d+(\.\d+)?(e[+-]?\d+)?|NaN|\+Inf|-Inf))$/,
      );
    }
    expect(text).toContain("# TYPE process_cpu_seconds_total counter");
    expect(text).toContain("# TYPE nodejs_heap_size_used_bytes gauge");
    expect(text).toContain("# TYPE calendario_http_request_duration_seconds histogram");
    expect(sample(text, "calendario_store_up", {})).toBe(1);
  });

  it("counts a commit by outcome, a conflict, and the webhook it delivers", async () => {
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
    await request(node.app)
      .post("/v1/webhooks")
      .set(agentAuth)
      .send({ url, events: ["booking.committed"] })
      .expect(201);
    const before = await metrics();
    const committed = { kind: "commit", outcome: "committed" };
    const booking = await request(node.app)
      .post("/v1/bookings")
      .set(agentAuth)
      .send({ start: MONDAY_10, end: MONDAY_1030 });
    expect(booking.status).toBe(201);
    const other = await request(node.app)
      .post("/admin/v1/users/jane/agents")
      .set(node.admin)
      .send({ name: "Other", priority: 3 });
    const lost = await request(node.app)
      .post("/v1/bookings")
      .set({ Authorization: `Bearer ${other.body.api_key}` })
      .send({ start: MONDAY_10, end: MONDAY_1030 });
    expect(lost.status).toBe(409);
    await expect.poll(() => received.length, { timeout: 10_000 }).toBeGreaterThan(0);
    await request(node.app).get(`/v1/bookings/${booking.body.booking_id}`).set(agentAuth);

    const after = await expect
      .poll(metrics)
      .toMatch(/calendario_deliveries_total\{kind="webhook",status="succeeded"\} 1/)
      .then(metrics);
    const delta = (name: string, labels: Record<string, string>) =>
      sample(after, name, labels) - sample(before, name, labels);
    expect(delta("calendario_decisions_total", committed)).toBe(1);
    expect(delta("calendario_decisions_total", { kind: "commit", outcome: "conflict" })).toBe(1);
    expect(
      delta("calendario_http_request_duration_seconds_count", {
        route: "/v1/bookings/:id",
        status: "200",
      }),
    ).toBe(1);
    expect(after).not.toContain(booking.body.booking_id); // the pattern, never the raw URL
    expect(
      delta("calendario_store_operation_duration_seconds_count", {
        operation: "commit",
        result: "ok",
      }),
    ).toBeGreaterThanOrEqual(2);
  });

  it("times a profile the listener serves before express under the route's pattern, as express does", async () => {
    const server = createServer(profileFastPath(node.ctx, node.app));
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    node.ctx.operations.phase = "ready";
    const count = (text: string, method: string, status: string) =>
      sample(text, "calendario_http_request_duration_seconds_count", {
        method,
        route: "/.well-known/calendario/:username",
        status,
      });
    const sum = (text: string) =>
      sample(text, "calendario_http_request_duration_seconds_sum", {
        method: "GET",
        route: "/.well-known/calendario/:username",
        status: "200",
      });
    try {
      const before = await metrics();
      // Express's path first, then the fast path three times, adding to the same series.
      const first = await request(node.app).get("/.well-known/calendario/jane").expect(200);
      for (let i = 0; i < 3; i++)
        await request(server).get("/.well-known/calendario/jane").expect(200);
      await request(server)
        .get("/.well-known/calendario/jane")
        .set("If-None-Match", first.headers.etag as string)
        .expect(304);
      await request(server).head("/.well-known/calendario/jane").expect(200);
      const after = await metrics();
      expect(count(after, "GET", "200") - count(before, "GET", "200")).toBe(4);
      expect(count(after, "GET", "304") - count(before, "GET", "304")).toBe(1);
      expect(count(after, "HEAD", "200") - count(before, "HEAD", "200")).toBe(1);
      expect(sum(after)).toBeGreaterThan(sum(before));
      const inf = (text: string) =>
        sample(text, "calendario_http_request_duration_seconds_bucket", {
          le: "+Inf",
          method: "GET",
          route: "/.well-known/calendario/:username",
          status: "200",
        });
      expect(inf(after) - inf(before)).toBe(4);
      expect(after).not.toContain('route="/.well-known/calendario/jane"');
    } finally {
      node.ctx.operations.phase = "starting";
      server.close();
    }
  });

  it("keeps one registry per context", async () => {
    const second = await createTestNode();
    try {
      const text = (await request(second.app).get("/metrics").set(second.admin)).text;
      expect(sample(text, "calendario_decisions_total", { kind: "commit" })).toBe(0);
      expect(second.ctx.operations.metrics.registry).not.toBe(node.ctx.operations.metrics.registry);
    } finally {
      await second.close();
    }
  });
});

describe("METRICS_PORT", () => {
  let running: RunningNode;
  beforeAll(async () => {
    running = await startNode(
      {
        ...node.cfg,
        service: { ...node.cfg.service, port: 0 },
        metrics: { port: 0, host: "127.0.0.1" },
      },
      { adminToken: "metrics-port-admin-token" },
    );
  });
  afterAll(() => running.stop());

  it("serves /metrics without a token on its own listener, and nothing else", async () => {
    const res = await fetch(running.metricsUrl!);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("calendario_store_up 1");
    const other = await fetch(running.metricsUrl!.replace("/metrics", "/v1/bookings"));
    expect(other.status).toBe(404);
  });
});
