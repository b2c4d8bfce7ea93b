/**
 * Profiles in PROFILES_DIR are declarative: a file-managed user is changed by editing its
 * file and restarting; the admin API refuses to replace or delete it (409
 * managed_by_file), so an admin edit can no longer be overwritten silently at the next
 * restart. Its agents and rules stay managed through the API. A removed file hands the
 * user to the admin API. On Redis, which keeps users across restarts.
 */
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningNode } from "../../src/server.js";
import { startProfilesNode } from "../helpers/profiles-node.js";
import { sharedRedis, stopSharedRedis } from "../helpers/store-kinds.js";

const ADMIN = "profiles-dir-admin-token-0123456789";
let dir: string;
let profilesDir: string;
let redisUrl: string;
let node: RunningNode;
const logs: string[] = [];

function start(): Promise<RunningNode> {
  return startProfilesNode(
    { dataDir: path.join(dir, "data"), profilesDir, redisUrl, adminToken: ADMIN },
    logs,
  );
}

async function restart(): Promise<void> {
  await node.stop();
  node = await start();
}

const admin = (req: request.Test) => req.set("Authorization", `Bearer ${ADMIN}`);
const janeFile = () => path.join(profilesDir, "jane.json");

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "calendario-profiles-dir-"));
  profilesDir = path.join(dir, "profiles");
  await cp(path.resolve(import.meta.dirname, "../../profiles"), profilesDir, { recursive: true });
  const redis = await sharedRedis();
  await redis.client!.flushAll();
  redisUrl = redis.url;
  node = await start();
}, 60_000);

afterAll(async () => {
  await node?.stop();
  await stopSharedRedis();
  await rm(dir, { recursive: true, force: true });
});

describe("a user from PROFILES_DIR", () => {
  it("is marked as file-managed", async () => {
    const res = await admin(request(node.server).get("/admin/v1/users/jane"));
    expect(res.status).toBe(200);
    expect(res.body.source).toBe("file");
  });

  it("cannot be replaced through the admin API: 409 managed_by_file, nothing changes", async () => {
    const before = await request(node.server).get("/.well-known/calendario/jane");
    const edited = { ...JSON.parse(await readFile(janeFile(), "utf8")), display_name: "J. Admin" };
    const res = await admin(request(node.server).put("/admin/v1/users/jane")).send(edited);
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe("managed_by_file");
    expect(res.body.error.message).toContain("jane.json");
    const after = await request(node.server).get("/.well-known/calendario/jane");
    expect(after.headers.etag).toBe(before.headers.etag);
    expect(after.body.display_name).toBe("Jane Doe");
  });

  it("cannot be deleted through the admin API: 409 managed_by_file, nothing changes", async () => {
    const res = await admin(request(node.server).delete("/admin/v1/users/jane"));
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe("managed_by_file");
    expect((await request(node.server).get("/.well-known/calendario/jane")).status).toBe(200);
  });

  it("still has its agents and rules managed through the API", async () => {
    const agent = await admin(request(node.server).post("/admin/v1/users/jane/agents")).send({
      name: "Scheduler",
      priority: 1,
    });
    expect(agent.status).toBe(201);
    const rules = await admin(request(node.server).put("/admin/v1/users/jane/rules")).send({});
    expect(rules.status).toBe(200);
  });

  it("is changed by editing its file and restarting; agents stay", async () => {
    const edited = {
      ...JSON.parse(await readFile(janeFile(), "utf8")),
      display_name: "Jane Q. Doe",
    };
    await writeFile(janeFile(), JSON.stringify(edited));
    await restart();
    const res = await request(node.server).get("/.well-known/calendario/jane");
    expect(res.body.display_name).toBe("Jane Q. Doe");
    const agents = await admin(request(node.server).get("/admin/v1/users/jane/agents"));
    expect(agents.body.agents.map((a: { name: string }) => a.name)).toContain("Scheduler");
  });

  it("is handed to the admin API when its file is removed: kept, then editable and deletable", async () => {
    await rm(janeFile());
    await restart();
    const user = await admin(request(node.server).get("/admin/v1/users/jane"));
    expect(user.status).toBe(200);
    expect(user.body.source).toBe("admin");
    expect(user.body.profile.display_name).toBe("Jane Q. Doe");
    expect(logs.some((l) => l.includes("now managed through the admin API"))).toBe(true);
    const put = await admin(request(node.server).put("/admin/v1/users/jane")).send({
      ...user.body.input,
      display_name: "Jane (admin)",
    });
    expect(put.status).toBe(200);
    await restart();
    const kept = await request(node.server).get("/.well-known/calendario/jane");
    expect(kept.body.display_name).toBe("Jane (admin)");
    expect((await admin(request(node.server).delete("/admin/v1/users/jane"))).status).toBe(204);
  });
});

describe("a user created through the admin API", () => {
  it("is replaced and deleted through the API, and a restart keeps the edit", async () => {
    const input = {
      ...JSON.parse(
        await readFile(path.resolve(import.meta.dirname, "../../profiles/jane.json"), "utf8"),
      ),
      username: "sam",
      display_name: "Sam",
    };
    expect((await admin(request(node.server).put("/admin/v1/users/sam")).send(input)).status).toBe(
      201,
    );
    expect(
      (
        await admin(request(node.server).put("/admin/v1/users/sam")).send({
          ...input,
          display_name: "Sam S.",
        })
      ).status,
    ).toBe(200);
    await restart();
    expect((await request(node.server).get("/.well-known/calendario/sam")).body.display_name).toBe(
      "Sam S.",
    );
    expect((await admin(request(node.server).delete("/admin/v1/users/sam"))).status).toBe(204);
  });
});
