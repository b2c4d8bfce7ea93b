/**
 * `calendario validate`: exit codes, human and --json output, for a file, a URL and a
 * `user@domain` found through a real DNS server on loopback.
 */
import { spawnSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../../src/cli/main.js";
import { envToConfig } from "../../../src/config.js";
import { createLogger } from "../../../src/logger.js";
import { type RunningNode, startNode } from "../../../src/server.js";
import { startDnsServer, type TestDnsServer } from "../../helpers/dns-server.js";
import { sampleProfileInput, TEST_ADMIN_TOKEN } from "../../helpers/node.js";
import { freePort } from "../../helpers/ports.js";

const FIXTURES = path.resolve(__dirname, "../../fixtures/profiles");

/** Runs the CLI in-process, capturing what it writes. */
async function cli(args: string[], env: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const saved = { ...process.env };
  Object.assign(process.env, env);
  const stdout = process.stdout.write.bind(process.stdout);
  const stderr = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((chunk: string) =>
    out.push(String(chunk)) > 0) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string) =>
    err.push(String(chunk)) > 0) as typeof process.stderr.write;
  try {
    const code = await main(args);
    return { code, stdout: out.join(""), stderr: err.join("") };
  } finally {
    process.stdout.write = stdout;
    process.stderr.write = stderr;
    process.env = saved;
  }
}

let node: RunningNode;
let dns: TestDnsServer;
let dir: string;
let port: number;
let env: Record<string, string>;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "calendario-cli-"));
  port = await freePort();
  const cfg = envToConfig({
    port: String(port),
    publicUrl: `http://localhost:${port}`,
    dataDir: path.join(dir, "data"),
    profilesDir: path.join(dir, "profiles"),
    allowInsecure: "1",
  });
  node = await startNode(cfg, { adminToken: TEST_ADMIN_TOKEN }, { logger: createLogger("silent") });
  await request(node.server)
    .put("/admin/v1/users/jane")
    .set("Authorization", `Bearer ${TEST_ADMIN_TOKEN}`)
    .send(sampleProfileInput("jane"))
    .expect(201);
  dns = await startDnsServer({
    "_calendario.localhost": [["calendario=/.well-", "known/calendario"]],
  });
  env = { CALENDARIO_ALLOW_INSECURE: "1", CALENDARIO_DNS_SERVERS: dns.address };
});
afterAll(async () => {
  await node.stop();
  await dns.close();
  await rm(dir, { recursive: true, force: true });
});

describe("calendario validate", () => {
  it("accepts the reference profile with --no-proofs (exit 0)", async () => {
    const res = await cli(["validate", path.join(FIXTURES, "reference.json"), "--no-proofs"]);
    expect(res.code).toBe(0);
    expect(res.stdout).toContain("Result: VALID");
    expect(res.stdout).toContain("proofs: not checked");
  });

  it("fails the reference profile on its placeholder proofs, saying so (exit 1)", async () => {
    const res = await cli(["validate", path.join(FIXTURES, "reference.json")]);
    expect(res.code).toBe(1);
    expect(res.stdout).toMatch(/self_proof: invalid \(malformed_jws\).*placeholder/);
    expect(res.stdout).toContain("Result: INVALID");
  });

  it("reports schema errors with JSON pointers, as one JSON document with --json", async () => {
    const file = path.join(dir, "bad.json");
    await writeFile(file, JSON.stringify({ ...sampleProfileInput(), visibility: "secret" }));
    const res = await cli(["validate", file, "--json", "--no-proofs"]);
    expect(res.code).toBe(1);
    const report = JSON.parse(res.stdout);
    expect(report.valid).toBe(false);
    expect(report.schema.errors.map((e: { pointer: string }) => e.pointer)).toEqual(
      expect.arrayContaining(["/visibility", "/self", "/self_proof"]),
    );
  });

  it("reports semantic errors", async () => {
    const file = path.join(dir, "semantic.json");
    const published = (await request(node.server).get("/.well-known/calendario/jane")).body;
    await writeFile(file, JSON.stringify({ ...published, timezone: "Mars/Olympus_Mons" }));
    const res = await cli(["validate", file, "--no-proofs", "--json"]);
    expect(res.code).toBe(1);
    expect(JSON.parse(res.stdout).semantics.errors[0].pointer).toBe("/timezone");
  });

  it("verifies a served profile by URL: both proofs valid (exit 0)", async () => {
    const res = await cli(
      ["validate", `http://localhost:${port}/.well-known/calendario/jane`, "--json"],
      env,
    );
    expect(res.code).toBe(0);
    const report = JSON.parse(res.stdout);
    expect(report.proofs.results.self_proof.status).toBe("valid");
    expect(report.proofs.results.organization_proof).toMatchObject({
      status: "valid",
      signer: `did:web:localhost%3A${port}`,
    });
    expect(report.proofs.results.representing_proof.status).toBe("absent");
  });

  it("finds username@domain through DNS TXT and verifies it", async () => {
    const res = await cli(["validate", `jane@localhost:${port}`], env);
    expect(res.stderr).toBe("");
    expect(res.code).toBe(0);
    expect(res.stdout).toContain("via TXT _calendario.localhost");
    expect(res.stdout).toMatch(/✓ organization_proof: valid by did:web:localhost%3A\d+/);
  });

  it("detects a profile changed after signing", async () => {
    const file = path.join(dir, "tampered.json");
    const published = (await request(node.server).get("/.well-known/calendario/jane")).body;
    await writeFile(file, JSON.stringify({ ...published, display_name: "Mallory" }));
    const res = await cli(["validate", file, "--json"], env);
    expect(res.code).toBe(1);
    expect(JSON.parse(res.stdout).proofs.results.self_proof).toMatchObject({
      status: "invalid",
      reason: "signature_mismatch",
    });
  });

  it("reports an organization without organization_proof as unverified, exit 1 unless allowed", async () => {
    const file = path.join(dir, "copied.json");
    const { organization_proof: _dropped, ...copied } = (
      await request(node.server).get("/.well-known/calendario/jane")
    ).body;
    await writeFile(file, JSON.stringify(copied));
    const res = await cli(["validate", file], env);
    expect(res.code).toBe(1);
    // Prominent: right under the profile line, and in the result.
    expect(res.stdout.split("\n")[1]).toMatch(
      /^✗ UNVERIFIED ORGANIZATION: http:\/\/localhost:\d+ — the profile has no organization_proof/,
    );
    expect(res.stdout).toContain("Result: UNVERIFIED ORGANIZATION");
    const json = JSON.parse((await cli(["validate", file, "--json"], env)).stdout);
    expect(json.valid).toBe(true);
    expect(json.organization).toMatchObject({ status: "unverified" });
    const allowed = await cli(["validate", file, "--allow-unverified-org"], env);
    expect(allowed.code).toBe(0);
    expect(allowed.stdout).toContain("UNVERIFIED organization (allowed by --allow-unverified-org)");
  });

  it("reports a verified organization as verified", async () => {
    const res = await cli(
      ["validate", `http://localhost:${port}/.well-known/calendario/jane`],
      env,
    );
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/✓ organization: http:\/\/localhost:\d+ \(verified/);
  });

  it("refuses a profile that repeats a member, naming its path", async () => {
    const file = path.join(dir, "duplicate.json");
    const text = JSON.stringify(
      (await request(node.server).get("/.well-known/calendario/jane")).body,
    ).replace('"display_name":"Jane Doe"', '"display_name":"Jane Doe","display_name":"Mallory"');
    await writeFile(file, text);
    const res = await cli(["validate", file, "--json"], env);
    expect(res.code).toBe(1);
    expect(JSON.parse(res.stdout).schema.errors[0]).toMatchObject({
      pointer: "/display_name",
      message: expect.stringMatching(/appears twice/),
    });
  });

  it("warns about an unknown nested member without failing", async () => {
    const file = path.join(dir, "extra.json");
    const published = (await request(node.server).get("/.well-known/calendario/jane")).body;
    published.scheduling[0].note = "mornings";
    await writeFile(file, JSON.stringify(published));
    const res = await cli(["validate", file, "--no-proofs"], env);
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/! warning \/scheduling\/0\/note: unknown member "note"/);
  });

  it("exits 2 on usage errors and fetch errors", async () => {
    expect((await cli(["validate"])).code).toBe(2);
    expect((await cli(["validate", "a", "b"])).code).toBe(2);
    expect((await cli(["validate", "--frobnicate", "x"])).code).toBe(2);
    expect((await cli(["validate", path.join(dir, "missing.json")])).code).toBe(2);
    const refused = await cli(["validate", `http://127.0.0.1:${port}/.well-known/calendario/jane`]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/cannot fetch/);
    expect(
      (await cli(["validate", `http://localhost:${port}/.well-known/calendario/nobody`], env)).code,
    ).toBe(2);
  });

  it("runs as the calendario bin: --help exits 0", () => {
    const res = spawnSync(
      process.execPath,
      [path.resolve(__dirname, "../../../bin/calendario.js"), "--help"],
      {
        encoding: "utf8",
      },
    );
    expect(res.status).toBe(0);
    expect(res.stdout).toContain("calendario validate");
  });
});
