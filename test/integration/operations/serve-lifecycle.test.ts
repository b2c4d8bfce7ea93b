/**
 * `calendario serve` as a process (dist/: run `npm run build` first): a start-up failure
 * exits 1 with a clear message and nothing left running; SIGTERM drains within
 * SHUTDOWN_TIMEOUT_SECONDS, under keep-alive load and with Redis frozen.
 */
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { Agent, request as httpRequest } from "node:http";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { PACKAGE_ROOT } from "../../../src/paths.js";
import { freePort } from "../../helpers/ports.js";
import { type RedisServer, startRedisServer } from "../../helpers/redis-server.js";
import { type ServeProcess, spawnServe } from "../../helpers/serve-process.js";

const ADMIN_TOKEN = "operations-test-admin-token";
let dir: string;
const running: ServeProcess[] = [];

beforeAll(async () => {
  if (!existsSync(path.join(PACKAGE_ROOT, "dist", "cli", "serve.js")))
    throw new Error("dist/cli/serve.js is missing: run `npm run build` first");
  dir = await mkdtemp(path.join(tmpdir(), "calendario-serve-"));
});
afterEach(() => {
  for (const p of running.splice(0)) p.kill();
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function serve(env: Record<string, string>): Promise<ServeProcess & { url: string }> {
  const port = env.PORT ?? String(await freePort());
  const p = spawnServe({
    DATA_DIR: path.join(dir, "data"),
    PROFILES_DIR: path.join(dir, "no-profiles"),
    ADMIN_TOKEN,
    ...env,
    PORT: port,
  });
  running.push(p);
  return Object.assign(p, { url: `http://127.0.0.1:${port}` });
}

function get(url: string, agent?: Agent): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      { agent, headers: { authorization: `Bearer ${ADMIN_TOKEN}` } },
      (res) => {
        let body = "";
        res.on("data", (c: Buffer) => {
          body += c.toString("utf8");
        });
        res.on("end", () => resolve({ status: res.statusCode!, body }));
      },
    );
    req.on("error", reject);
    req.end();
  });
}

describe("a start-up failure", () => {
  let squatter: Server;
  afterAll(() => new Promise<void>((resolve) => squatter.close(() => resolve())));

  it("exits 1 with one clear message when the port is taken, keeping nothing running", async () => {
    squatter = createServer();
    const port = await new Promise<number>((resolve) =>
      squatter.listen(0, "127.0.0.1", () => resolve((squatter.address() as { port: number }).port)),
    );
    const node = await serve({ PORT: String(port) });
    const { code } = await node.exited;
    expect(code).toBe(1);
    expect(node.stderr()).toContain(
      `calendario: cannot start: cannot listen on 127.0.0.1:${port} (PORT): the address is already in use`,
    );
    expect(node.stderr()).not.toMatch(/\n\s+at /); // no stack trace
  }, 90_000);

  it("waits for an unreachable Redis for REDIS_CONNECT_TIMEOUT_SECONDS, saying so, then exits 1", async () => {
    const deadPort = await freePort();
    const started = performance.now();
    const node = await serve({
      REDIS_URL: `redis://user:secret-password@127.0.0.1:${deadPort}`,
      REDIS_CONNECT_TIMEOUT_SECONDS: "3",
    });
    const { code, at } = await node.exited;
    expect(code).toBe(1);
    expect(at - started).toBeGreaterThan(3000);
    expect(node.stdout()).toContain('"msg":"waiting for Redis"');
    expect(node.stderr()).toContain(
      `calendario: cannot start: Redis at 127.0.0.1:${deadPort} did not answer within 3 s`,
    );
    expect(node.stdout() + node.stderr()).not.toContain("secret-password");
  }, 90_000);
});

describe("SIGTERM", () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedisServer();
  });
  afterAll(async () => {
    if (redis.pid) process.kill(redis.pid, "SIGCONT");
    await redis.stop();
  });

  it("exits within SHUTDOWN_TIMEOUT_SECONDS under keep-alive load, closing keep-alive connections instead of cutting them off", async () => {
    const node = await serve({ SHUTDOWN_TIMEOUT_SECONDS: "3" });
    await node.waitFor(`${node.url}/readyz`);
    const agent = new Agent({ keepAlive: true, maxSockets: 8 });
    let load = true;
    const answered: number[] = [];
    const clients = Array.from({ length: 8 }, async () => {
      while (load) {
        try {
          answered.push((await get(`${node.url}/healthz`, agent)).status);
        } catch {
          await sleep(20); // refused or reset once the node stops: keep trying until told
        }
      }
    });
    await sleep(500);
    expect(answered.length).toBeGreaterThan(0);
    const signalled = performance.now();
    node.child.kill("SIGTERM");
    const { code, at } = await node.exited;
    load = false;
    await Promise.all(clients);
    agent.destroy();
    expect(code).toBe(0);
    expect(at - signalled).toBeLessThan(3000 + 2000);
    expect(node.stdout()).toMatch(/"cutOff":false,"forced":false,.*"msg":"stopped"/);
  }, 90_000);

  it("with Redis frozen, still exits within the bound", async () => {
    const node = await serve({ SHUTDOWN_TIMEOUT_SECONDS: "2", REDIS_URL: redis.url });
    await node.waitFor(`${node.url}/readyz`);
    process.kill(redis.pid!, "SIGSTOP");
    try {
      const inFlight = get(`${node.url}/admin/v1/users`).catch(() => ({ status: 0, body: "" }));
      await sleep(200);
      const signalled = performance.now();
      node.child.kill("SIGTERM");
      const { code, at } = await node.exited;
      expect(code).toBe(0);
      expect(at - signalled).toBeLessThan(2000 + 2000);
      await inFlight;
    } finally {
      process.kill(redis.pid!, "SIGCONT");
    }
  }, 90_000);

  it("lets a request in flight finish, then exits", async () => {
    const node = await serve({ SHUTDOWN_TIMEOUT_SECONDS: "20", REDIS_URL: redis.url });
    await node.waitFor(`${node.url}/readyz`);
    process.kill(redis.pid!, "SIGSTOP");
    let inFlight: Promise<{ status: number; body: string }>;
    try {
      inFlight = get(`${node.url}/admin/v1/users`);
      await sleep(300);
      node.child.kill("SIGTERM");
      await sleep(1000);
    } finally {
      process.kill(redis.pid!, "SIGCONT");
    }
    const answer = await inFlight;
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({ users: [] });
    expect((await node.exited).code).toBe(0);
  }, 90_000);
});
