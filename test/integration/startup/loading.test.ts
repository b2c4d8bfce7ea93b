/**
 * `calendario serve` with many profile files, as child processes (run `npm run build`
 * first): it answers /healthz while it loads and /readyz only once loaded — made
 * observable without timing by a profile file that is a FIFO, whose read waits until the
 * test writes it — and two processes started at once against one Redis sign each profile
 * once in all.
 */
import { execFileSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  manyUsersProfile,
  manyUsersUsername,
  writeManyUsersProfiles,
} from "../../../tools/bench/many-users-profiles.js";
import type { RedisServer } from "../../helpers/redis-server.js";
import { type ServeProcess, spawnServe } from "../../helpers/serve-process.js";
import { sharedRedis, stopSharedRedis } from "../../helpers/store-kinds.js";

const N = 200;
const ADMIN = "loading-admin-token-0123456789abcdef";
const WAIT_MS = 90_000;

let dir: string;
let redis: RedisServer;
const children: ServeProcess[] = [];

const logLines = (p: ServeProcess) =>
  p
    .stdout()
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as Record<string, unknown> & { msg: string });

async function waitForLine(p: ServeProcess, prefix: string) {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const line = logLines(p).find((l) => l.msg.startsWith(prefix));
    if (line) return line;
    if (p.child.exitCode !== null) throw new Error(`serve exited: ${p.stderr()}`);
    if (Date.now() > deadline) throw new Error(`no "${prefix}" line: ${p.stdout()}`);
    await sleep(50);
  }
}

function serve(name: string, env: Record<string, string>): ServeProcess {
  const p = spawnServe({
    PORT: "0",
    HOST: "127.0.0.1",
    PUBLIC_URL: "http://localhost:8080",
    ADMIN_TOKEN: ADMIN,
    DATA_DIR: path.join(dir, `data-${name}`),
    ...env,
  });
  children.push(p);
  return p;
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "calendario-loading-"));
  await writeManyUsersProfiles(path.join(dir, "profiles"), N);
  redis = await sharedRedis();
}, 60_000);

afterAll(async () => {
  for (const p of children) p.kill();
  await Promise.all(children.map((p) => p.exited));
  await stopSharedRedis();
  await rm(dir, { recursive: true, force: true });
});

describe.each(["memory", "redis"] as const)("while it loads its profiles, on %s", (kind) => {
  it("answers /healthz 200 and /readyz 503 'loading', then /readyz 200 with every profile", async () => {
    if (kind === "redis") await redis.client!.flushAll();
    const profilesDir = path.join(dir, `profiles-fifo-${kind}`);
    await writeManyUsersProfiles(profilesDir, N);
    // One more user whose file is a FIFO: reading it waits until the test writes it.
    const slow = manyUsersUsername(N + 1);
    const fifo = path.join(profilesDir, `${slow}.json`);
    execFileSync("mkfifo", [fifo]);
    const p = serve(`fifo-${kind}`, {
      PROFILES_DIR: profilesDir,
      ...(kind === "redis" ? { REDIS_URL: redis.url } : {}),
    });
    const url = String((await waitForLine(p, "loading profiles from")).url);
    const health = await fetch(`${url}/healthz`);
    expect(health.status).toBe(200);
    const ready = await fetch(`${url}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({ status: "unavailable", reason: "loading" });
    // Still loading for as long as the FIFO is not written.
    await sleep(300);
    expect((await fetch(`${url}/readyz`)).status).toBe(503);
    await writeFile(fifo, JSON.stringify(manyUsersProfile(N + 1)));
    await p.waitFor(`${url}/readyz`, 200, WAIT_MS);
    const loaded = await waitForLine(p, "profiles loaded");
    expect(loaded).toMatchObject({ signed: N + 1, unchanged: 0, failed: 0 });
    // Every tenth user's profile is private (404 here); these are public.
    for (const i of [1, N - 1, N + 1]) {
      const res = await fetch(`${url}/.well-known/calendario/${manyUsersUsername(i)}`);
      expect(res.status).toBe(200);
      expect(((await res.json()) as { display_name: string }).display_name).toBe(`User ${i}`);
    }
    p.kill();
  }, 120_000);
});

it("two processes started at once against one Redis sign each profile once in all", async () => {
  await redis.client!.flushAll();
  // One DATA_DIR, as processes of one node share its organization key.
  const env = { PROFILES_DIR: path.join(dir, "profiles"), REDIS_URL: redis.url };
  const both = [serve("shared", env), serve("shared", env)];
  const loaded = await Promise.all(both.map((p) => waitForLine(p, "profiles loaded")));
  const sum = (field: string) => loaded.reduce((n, l) => n + (l[field] as number), 0);
  expect(sum("signed")).toBe(N);
  // On the signing threads of each process (dist/profile/publish-worker.js): only a
  // process's smaller last chunk, if it came first, was signed on its main thread.
  expect(sum("signedOnThreads")).toBeGreaterThanOrEqual(N - 2 * (N % 64));
  expect(sum("unchanged")).toBe(N);
  expect(sum("failed")).toBe(0);
  const url = String((await waitForLine(both[0]!, "calendario node listening")).url);
  const res = await fetch(`${url}/.well-known/calendario/${manyUsersUsername(N - 1)}`);
  expect(res.status).toBe(200);
  // One audit event (profile.updated) per user: nobody stored a profile twice.
  for (const i of [1, N / 2, N])
    expect(await redis.client!.xLen(`cal:{${manyUsersUsername(i)}}:audit`)).toBe(1);
}, 120_000);
