/**
 * Start-up with a directory of many profile files, on the memory store (with DATA_DIR)
 * and on Redis: every profile served and verifying, a restart with nothing changed signs
 * nothing, a changed file is signed again, a removed one is handed to the admin API.
 */
import { mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyChain } from "../../../src/audit/index.js";
import { SIGNED_PROFILES_FILE, verifyProfileProofs } from "../../../src/profile/index.js";
import type { RunningNode } from "../../../src/server.js";
import {
  manyUsersProfile,
  manyUsersUsername,
  writeManyUsersProfiles,
} from "../../../tools/bench/many-users-profiles.js";
import { startProfilesNode } from "../../helpers/profiles-node.js";
import { sharedRedis, stopSharedRedis } from "../../helpers/store-kinds.js";

const N = 200;
const ADMIN = "many-users-admin-token-0123456789";

interface Loaded {
  signed: number;
  signedOnThreads: number;
  unchanged: number;
  failed: number;
  released: number;
}

describe.each(["memory", "redis"] as const)(`start-up with ${N} profile files on %s`, (kind) => {
  let dir: string;
  let profilesDir: string;
  let redisUrl: string | undefined;
  let node: RunningNode | undefined;
  let logs: string[] = [];

  async function start(): Promise<{ node: RunningNode; loaded: Loaded }> {
    logs = [];
    node = await startProfilesNode(
      { dataDir: path.join(dir, "data"), profilesDir, redisUrl, adminToken: ADMIN },
      logs,
    );
    const line = logs.map((l) => JSON.parse(l)).find((l) => l.msg.startsWith("profiles loaded"));
    return { node, loaded: line };
  }

  async function stop(): Promise<void> {
    await node?.stop();
    node = undefined;
  }

  const etagOf = async (username: string) =>
    (await node!.ctx.store.getUser(username))?.etag ?? "none";

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), `calendario-many-users-${kind}-`));
    profilesDir = path.join(dir, "profiles");
    await writeManyUsersProfiles(profilesDir, N);
    if (kind === "redis") {
      const redis = await sharedRedis();
      await redis.client!.flushAll();
      redisUrl = redis.url;
    }
  }, 60_000);

  afterAll(async () => {
    await stop();
    if (kind === "redis") await stopSharedRedis();
    await rm(dir, { recursive: true, force: true });
  });

  it("signs every profile at the first start, and serves each one verifying", async () => {
    const { loaded } = await start();
    expect(loaded).toMatchObject({ signed: N, unchanged: 0, failed: 0, released: 0 });
    // Signed on the signing threads (profile/publish-pool.ts), started by the first chunk of
    // 64 files: only the last, smaller chunk may come first and be signed on the main thread.
    expect(loaded.signedOnThreads).toBeGreaterThanOrEqual(N - (N % 64));
    const { ctx } = node!;
    for (let i = 1; i <= N; i++) {
      const username = manyUsersUsername(i);
      const record = await ctx.store.getUser(username);
      const profile = JSON.parse(record!.published);
      expect(profile.display_name).toBe(`User ${i}`);
      const report = await verifyProfileProofs(profile, { resolver: ctx.resolver });
      expect([report.self_proof.status, report.organization_proof.status]).toEqual([
        "valid",
        "valid",
      ]);
      if (profile.visibility === "public") {
        const res = await request(node!.server).get(`/.well-known/calendario/${username}`);
        expect(res.status).toBe(200);
        expect(res.text).toBe(record!.published);
      }
    }
  }, 120_000);

  it("signs nothing at a restart with nothing changed; every ETag stays", async () => {
    const before = await Promise.all([1, 50, N].map((i) => etagOf(manyUsersUsername(i))));
    await stop();
    const kept = path.join(dir, "data", SIGNED_PROFILES_FILE);
    const keptBefore = kind === "memory" ? (await stat(kept)).mtimeMs : 0;
    const { loaded } = await start();
    expect(loaded).toMatchObject({ signed: 0, unchanged: N, failed: 0, released: 0 });
    expect(await Promise.all([1, 50, N].map((i) => etagOf(manyUsersUsername(i))))).toEqual(before);
    const res = await request(node!.server).get(`/.well-known/calendario/${manyUsersUsername(1)}`);
    expect(res.status).toBe(200);
    // Stored in batches (restored from DATA_DIR on memory, kept by Redis): each user's chain
    // is the one profile.updated event of its profile, sealed and verifying.
    for (const [i, etag] of [1, 50, N].map((i, at) => [i, before[at]] as const)) {
      const events = await node!.ctx.store.readAudit(manyUsersUsername(i));
      expect(events.map((e) => [e.seq, e.type, e.actor, e.data])).toEqual([
        [1, "profile.updated", "system", { etag, source: "file" }],
      ]);
      expect(verifyChain(events)).toEqual({ ok: true });
    }
    if (kind === "memory") {
      // Nothing signed: the kept copy in DATA_DIR is not written again.
      await stop();
      expect((await stat(kept)).mtimeMs).toBe(keptBefore);
      await start();
    }
  }, 120_000);

  it("signs a changed file again; a removed one's user is handed to the admin API (Redis) or gone (memory)", async () => {
    const changed = manyUsersUsername(3);
    const removed = manyUsersUsername(4);
    const etag = await etagOf(changed);
    await writeFile(
      path.join(profilesDir, `${changed}.json`),
      JSON.stringify({ ...manyUsersProfile(3), display_name: "Changed" }),
    );
    await rm(path.join(profilesDir, `${removed}.json`));
    await stop();
    const { loaded } = await start();
    // The memory store keeps no users across restarts (DATA_DIR keeps signed profiles only).
    const released = kind === "redis" ? 1 : 0;
    expect(loaded).toMatchObject({ signed: 1, unchanged: N - 2, failed: 0, released });
    const res = await request(node!.server).get(`/.well-known/calendario/${changed}`);
    expect(res.body.display_name).toBe("Changed");
    expect(res.headers.etag).not.toBe(etag);
    const report = await verifyProfileProofs(res.body, { resolver: node!.ctx.resolver });
    expect(report.organization_proof.status).toBe("valid");
    const user = await request(node!.server)
      .get(`/admin/v1/users/${removed}`)
      .set("Authorization", `Bearer ${ADMIN}`);
    if (kind === "redis") {
      expect(user.status).toBe(200);
      expect(user.body.source).toBe("admin");
    } else expect(user.status).toBe(404);
    // Declarative as before: a file-managed user is refused to the admin API.
    const put = await request(node!.server)
      .put(`/admin/v1/users/${changed}`)
      .set("Authorization", `Bearer ${ADMIN}`)
      .send(manyUsersProfile(3));
    expect(put.status).toBe(409);
    expect(put.body.error.code).toBe("managed_by_file");
  }, 120_000);
});
