/**
 * The audit export is checkable by anyone holding the node's DID document: the
 * checkpoint verifies with jose alone, the chain with SHA-256 and JCS, and
 * `calendario audit verify` does both against a running node.
 */
import { createHash } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import canonicalizeModule from "canonicalize";
import { compactVerify, importJWK } from "jose";
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AuditExport, verifyAuditExport } from "../../../src/audit/index.js";
import { main } from "../../../src/cli/main.js";
import { envToConfig } from "../../../src/config.js";
import { createLogger } from "../../../src/logger.js";
import { type RunningNode, startNode } from "../../../src/server.js";
import { sampleProfileInput, TEST_ADMIN_TOKEN } from "../../helpers/node.js";
import { freePort } from "../../helpers/ports.js";

// The package's types declare a namespace; at run time the default export is the function.
const canonicalize = canonicalizeModule as unknown as (value: unknown) => string;

let node: RunningNode;
let dir: string;
let agentKey: string;
let bookingId: string;
const admin = { Authorization: `Bearer ${TEST_ADMIN_TOKEN}` };

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "calendario-audit-"));
  const port = await freePort();
  const cfg = envToConfig({
    port: String(port),
    publicUrl: `http://localhost:${port}`,
    dataDir: dir,
    profilesDir: path.join(dir, "none"),
    allowInsecure: "1",
    arbitrationWindowMs: "0",
  });
  node = await startNode(cfg, { adminToken: TEST_ADMIN_TOKEN }, { logger: createLogger("silent") });
  const profile = sampleProfileInput("jane", {
    scheduling: [{ type: "weekly", days: ["monday", "tuesday"], hours: ["00:00-24:00"] }],
  });
  await request(node.server).put("/admin/v1/users/jane").set(admin).send(profile).expect(201);
  const agent = await request(node.server)
    .post("/admin/v1/users/jane/agents")
    .set(admin)
    .send({ name: "A", priority: 1 });
  agentKey = agent.body.api_key;
  // The node runs on the real clock: book the first Monday at least two days from now.
  const DAY_MS = 86_400_000;
  let day = Math.floor(Date.now() / DAY_MS) * DAY_MS + 2 * DAY_MS;
  while (new Date(day).getUTCDay() !== 1) day += DAY_MS;
  const start = day + 15 * 3600_000; // 10:00 in New York, inside Monday's 00:00-24:00
  const booking = await request(node.server)
    .post("/v1/bookings")
    .set("Authorization", `Bearer ${agentKey}`)
    .send({ start: new Date(start).toISOString(), end: new Date(start + 1_800_000).toISOString() });
  expect(booking.status, JSON.stringify(booking.body)).toBe(201);
  bookingId = booking.body.booking_id;
  await request(node.server)
    .delete(`/v1/bookings/${bookingId}`)
    .set("Authorization", `Bearer ${agentKey}`)
    .expect(200);
});
afterAll(async () => {
  await node.stop();
  await rm(dir, { recursive: true, force: true });
});

describe("audit export", () => {
  it("verifies with jose, canonicalize and the DID document alone", async () => {
    const exported = (
      await request(node.server).get("/v1/audit").set(admin).query({ user_id: "jane" })
    ).body;
    const did = (await request(node.server).get("/.well-known/did.json")).body;
    const { jws, ...stated } = exported.checkpoint;
    const [headerB64] = jws.split(".");
    const { kid } = JSON.parse(Buffer.from(headerB64, "base64url").toString());
    expect(did.assertionMethod).toContain(kid);
    const method = did.verificationMethod.find((m: { id: string }) => m.id === kid);
    const key = await importJWK(method.publicKeyJwk, "EdDSA");
    const { payload } = await compactVerify(jws, key);
    expect(JSON.parse(new TextDecoder().decode(payload))).toEqual(stated);

    let prev = "0".repeat(64);
    for (const event of exported.events) {
      const { hash, ...rest } = event;
      expect(rest.prev_hash).toBe(prev);
      expect(createHash("sha256").update(canonicalize(rest)).digest("hex")).toBe(hash);
      prev = hash;
    }
    expect(prev).toBe(stated.head_hash);
    expect(exported.events.map((e: { type: string }) => e.type)).toEqual([
      "profile.updated",
      "agent.created",
      "booking.committed",
      "booking.cancelled",
    ]);
  });

  it("`calendario audit verify` checks a resource against the running node", async () => {
    const out: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((c: string) => out.push(String(c)) > 0) as typeof process.stdout.write;
    process.env.CALENDARIO_ALLOW_INSECURE = "1";
    try {
      const code = await main([
        "audit",
        "verify",
        node.url,
        "--resource",
        bookingId,
        "--token",
        agentKey,
      ]);
      expect(code).toBe(0);
      const full = await main([
        "audit",
        "verify",
        node.url,
        "--user",
        "jane",
        "--token",
        TEST_ADMIN_TOKEN,
        "--json",
      ]);
      expect(full).toBe(0);
    } finally {
      process.stdout.write = write;
      delete process.env.CALENDARIO_ALLOW_INSECURE;
    }
    expect(out.join("")).toContain("Result: VERIFIED");
    expect(JSON.parse(out.slice(1).join("")).events).toMatchObject({
      ok: true,
      count: 4,
      mode: "chain",
    });
  });
});

/** Runs `calendario audit verify` with plain HTTP allowed; returns the exit code and stdout. */
async function auditVerify(args: string[]): Promise<{ code: number; out: string }> {
  const out: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((c: string) => out.push(String(c)) > 0) as typeof process.stdout.write;
  process.env.CALENDARIO_ALLOW_INSECURE = "1";
  try {
    const code = await main(["audit", "verify", node.url, ...args]);
    return { code, out: out.join("") };
  } finally {
    process.stdout.write = write;
    delete process.env.CALENDARIO_ALLOW_INSECURE;
  }
}

describe("an audit export that does not reach the signed head", () => {
  let exported: AuditExport;
  let did: Record<string, unknown>;
  beforeAll(async () => {
    exported = (await request(node.server).get("/v1/audit").set(admin).query({ user_id: "jane" }))
      .body;
    did = (await request(node.server).get("/.well-known/did.json")).body;
    expect(exported.events.length).toBeGreaterThan(2);
    expect((await verifyAuditExport(exported, did, { fullChain: true })).ok).toBe(true);
  });

  it.each([
    ["the last event dropped", (e: AuditExport["events"]) => e.slice(0, -1)],
    ["the last two events dropped", (e: AuditExport["events"]) => e.slice(0, -2)],
    ["every event dropped", () => []],
    ["the first event dropped", (e: AuditExport["events"]) => e.slice(1)],
  ])("fails with %s", async (_what, cut) => {
    const check = await verifyAuditExport({ ...exported, events: cut(exported.events) }, did, {
      fullChain: true,
    });
    expect(check.ok).toBe(false);
    expect(check.events.reason).toBe("truncated");
  });

  it("fails when the last event is not the head the checkpoint signs", async () => {
    const last = exported.events.at(-1)!;
    const { jws: _jws, ...stated } = exported.checkpoint;
    const checkpoint = { ...stated, head_hash: "f".repeat(64) };
    const jws = await node.ctx.orgSigner.signCompact(checkpoint as never);
    const check = await verifyAuditExport(
      { ...exported, checkpoint: { ...checkpoint, jws } },
      did,
      { fullChain: true },
    );
    expect(check.ok).toBe(false);
    expect(check.events).toMatchObject({ reason: "head_mismatch", brokenAt: last.seq });
  });

  it("fails when the checkpoint's issuer is not the DID whose document was fetched", async () => {
    const { jws: _jws, ...stated } = exported.checkpoint;
    const checkpoint = { ...stated, issuer: "did:web:other.example" };
    const jws = await node.ctx.orgSigner.signCompact(checkpoint as never);
    const check = await verifyAuditExport(
      { ...exported, checkpoint: { ...checkpoint, jws } },
      did,
      { fullChain: true },
    );
    expect(check.ok).toBe(false);
    expect(check.checkpoint.reason).toMatch(/issuer did:web:other\.example is not/);
  });
});

describe("`calendario audit verify` on a chain longer than a page", () => {
  beforeAll(async () => {
    await request(node.server)
      .put("/admin/v1/users/max")
      .set(admin)
      .send(sampleProfileInput("max"))
      .expect(201);
    // 1,100 rule changes: the chain runs past the first page of 1,000 events.
    for (let i = 0; i < 1100; i++)
      await node.ctx.store.putRules("max", { buffer_before_minutes: i % 60 }, "admin");
  });

  it("reads every page, to the checkpoint's head, over plain HTTP", async () => {
    const head = await node.ctx.store.auditHead("max");
    expect(head.seq).toBeGreaterThan(1000);
    const { code, out } = await auditVerify([
      "--user",
      "max",
      "--token",
      TEST_ADMIN_TOKEN,
      "--json",
    ]);
    expect(code).toBe(0);
    expect(JSON.parse(out).events).toMatchObject({ ok: true, count: head.seq, mode: "chain" });
  });
});
