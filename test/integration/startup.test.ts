/** What `npm start` does on a fresh clone: the example profile, signed, with no configuration. */
import { cp, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import request from "supertest";
import { afterAll, beforeAll, expect, it } from "vitest";
import { envToConfig } from "../../src/config.js";
import { createLogger } from "../../src/logger.js";
import { checkProfile } from "../../src/profile/index.js";
import { type RunningNode, startNode } from "../../src/server.js";
import { freePort } from "../helpers/ports.js";

let dir: string;
let node: RunningNode;
const logs: string[] = [];

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "calendario-start-"));
  const profiles = path.join(dir, "profiles");
  await cp(path.resolve(__dirname, "../../profiles"), profiles, { recursive: true });
  await writeFile(path.join(profiles, "broken.json"), "{ not json");
  await writeFile(path.join(profiles, "Bad Name.json"), "{}");
  const logger = createLogger("info", { write: (line: string) => logs.push(line) });
  node = await startNode(
    envToConfig({
      port: String(await freePort()),
      dataDir: path.join(dir, "data"),
      profilesDir: profiles,
    }),
    { adminToken: undefined },
    { logger },
  );
});
afterAll(async () => {
  await node.stop();
  await rm(dir, { recursive: true, force: true });
});

it("serves the example user from profiles/, signed and valid", async () => {
  const res = await request(node.server).get("/.well-known/calendario/jane");
  expect(res.status).toBe(200);
  const report = await checkProfile(res.body, { resolver: node.ctx.resolver });
  expect(report.valid).toBe(true);
  expect(report.proofs.results.self_proof?.status).toBe("valid");
  expect(report.proofs.results.organization_proof?.status).toBe("valid");
});

it("skips bad profile files with an error naming the file, and warns that memory is not durable", () => {
  const errors = logs.map((l) => JSON.parse(l)).filter((l) => l.msg === "profile not loaded");
  expect(errors.map((e) => path.basename(e.file)).sort()).toEqual(["Bad Name.json", "broken.json"]);
  expect(logs.some((l) => l.includes("NOT durable"))).toBe(true);
});

it("generates an admin token, keeps it in DATA_DIR and never logs it", async () => {
  const token = node.ctx.adminToken;
  expect(token).toMatch(/^cal_admin_/);
  expect(logs.join("\n")).not.toContain(token);
  const res = await request(node.server)
    .get("/admin/v1/users")
    .set("Authorization", `Bearer ${token}`);
  expect(res.body.users).toEqual(["jane"]);
});

it("does not sign an unchanged profile again", async () => {
  const auth = { Authorization: `Bearer ${node.ctx.adminToken}` };
  // jane comes from a file (the admin API may not replace her): an admin-made copy, sam.
  const jane = (await request(node.server).get("/admin/v1/users/jane").set(auth)).body.input;
  const profile = { ...jane, username: "sam" };
  const first = await request(node.server).put("/admin/v1/users/sam").set(auth).send(profile);
  const second = await request(node.server).put("/admin/v1/users/sam").set(auth).send(profile);
  expect(first.status).toBe(201);
  expect(second.status).toBe(200);
  expect(second.headers.etag).toBe(first.headers.etag);
});
