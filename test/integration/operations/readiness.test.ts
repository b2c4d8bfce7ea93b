/**
 * `/readyz` against a real redis-server that is frozen (SIGSTOP) and killed, and what an
 * outage writes to the log: one line when it begins and one when it ends, and one line
 * without a stack per refused request.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { envToConfig } from "../../../src/config.js";
import { Context } from "../../../src/context.js";
import { createApp } from "../../../src/http/index.js";
import { createLogger } from "../../../src/logger.js";
import { type RunningNode, startNode } from "../../../src/server.js";
import { type RedisServer, startRedisServer } from "../../helpers/redis-server.js";

const ADMIN_TOKEN = "readiness-test-admin-token";
const auth = { Authorization: `Bearer ${ADMIN_TOKEN}` };
let dir: string;
let redis: RedisServer;
let node: RunningNode;
const lines: Record<string, unknown>[] = [];

function config() {
  return envToConfig({
    port: "0",
    publicUrl: "http://localhost:1",
    dataDir: path.join(dir, "data"),
    profilesDir: path.join(dir, "none"),
    redisUrl: redis.url,
  });
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "calendario-ready-"));
  redis = await startRedisServer();
  const logger = createLogger("info", {
    write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>),
  });
  node = await startNode(config(), { adminToken: ADMIN_TOKEN }, { logger });
});
afterAll(async () => {
  if (redis.pid) process.kill(redis.pid, "SIGCONT");
  await node?.stop();
  await redis.stop();
  await rm(dir, { recursive: true, force: true });
});

describe("/readyz", () => {
  it("is ready once listening with the store answering; /healthz stays liveness", async () => {
    const ready = await request(node.server).get("/readyz");
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({ status: "ready" });
    expect((await request(node.server).get("/healthz")).body).toEqual({
      status: "ok",
      store: "redis",
    });
  });

  it("answers 503 within about a second while Redis is frozen, and ready again after", async () => {
    process.kill(redis.pid!, "SIGSTOP");
    try {
      const started = performance.now();
      const res = await request(node.server).get("/readyz");
      const ms = performance.now() - started;
      expect(res.status).toBe(503);
      expect(res.body).toEqual({ status: "unavailable", reason: "store_unavailable" });
      expect(ms).toBeGreaterThanOrEqual(900);
      expect(ms).toBeLessThan(4000); // not the client's 5 s reply deadline
      expect((await request(node.server).get("/healthz")).status).toBe(200);
    } finally {
      process.kill(redis.pid!, "SIGCONT");
    }
    await expect.poll(async () => (await request(node.server).get("/readyz")).status).toBe(200);
  });

  it("is not ready while the node starts", async () => {
    const ctx = await Context.fromConfig(config(), { adminToken: ADMIN_TOKEN });
    try {
      const res = await request(createApp(ctx)).get("/readyz");
      expect(res.status).toBe(503);
      expect(res.body).toEqual({ status: "unavailable", reason: "starting" });
    } finally {
      await ctx.destroy();
    }
  });
});

it("is not ready once the node is stopping", async () => {
  const other = await startNode(
    envToConfig({
      port: "0",
      publicUrl: "http://localhost:1",
      dataDir: path.join(dir, "data"),
      profilesDir: path.join(dir, "none"),
    }),
    { adminToken: ADMIN_TOKEN },
    { logger: createLogger("silent") },
  );
  expect((await request(other.server).get("/readyz")).status).toBe(200);
  const stopped = other.stop();
  // The node no longer accepts connections: ask its app, on the same context, directly.
  const res = await request(createApp(other.ctx)).get("/readyz");
  expect(res.status).toBe(503);
  expect(res.body).toEqual({ status: "unavailable", reason: "stopping" });
  await stopped;
});

describe("a store outage", () => {
  it("logs one line when it begins and one when it ends, and no stack per refused request", async () => {
    const before = lines.length;
    process.kill(redis.pid!, "SIGKILL");
    await sleep(200);
    const answers = await Promise.all(
      Array.from({ length: 40 }, () => request(node.server).get("/admin/v1/users").set(auth)),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(40).fill(503));
    expect(answers[0]!.body.error.code).toBe("store_unavailable");
    expect((await request(node.server).get("/readyz")).status).toBe(503);
    await redis.restart();
    await expect
      .poll(async () => (await request(node.server).get("/admin/v1/users").set(auth)).status, {
        timeout: 10_000,
      })
      .toBe(200);

    const during = lines.slice(before);
    const text = JSON.stringify(during);
    expect(during.filter((l) => l.msg === "store down: not answering")).toHaveLength(1);
    expect(during.filter((l) => l.msg === "store back: answering again")).toHaveLength(1);
    expect(text).not.toContain('"stack"');
    const refused = during.filter((l) => l.path === "/admin/v1/users" && l.status === 503);
    // One line per refused request, its access line (the 40, and the polls while restarting).
    expect(refused.length).toBeGreaterThanOrEqual(40);
    for (const l of refused) expect(l).toMatchObject({ level: 40, code: "store_unavailable" });
    // Nothing else at warn or above but the refused requests and the two state changes.
    const loud = during.filter((l) => (l.level as number) >= 40);
    expect(loud.length).toBeLessThanOrEqual(refused.length + 2 + 1); // + the /readyz probe's 503
  }, 60_000);
});
