/**
 * A person who holds their own key: `calendario keygen`, `calendario sign`, then the
 * node publishes the self-signed profile, adding only its organization_proof.
 */
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../../src/cli/main.js";
import { checkProfile } from "../../../src/profile/index.js";
import { createTestNode, sampleProfileInput, type TestNode } from "../../helpers/node.js";

let dir: string;
let node: TestNode;

/** What a self-signed profile must carry itself: the node cannot add it after signing. */
function completeChannel(username: string) {
  return {
    response_channel: {
      human_ack_required: false,
      notify: [],
      confirm: {
        meeting_response_url: `https://node.test/api/bookings/${username}`,
        free_busy_url: `https://node.test/api/freebusy/${username}`,
      },
      booking_confirmation_message: "See you then.",
      booking_error_message: "That time is gone; please pick another.",
    },
  };
}

async function cli(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const stdout = process.stdout.write.bind(process.stdout);
  const stderr = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((c: string) => out.push(String(c)) > 0) as typeof process.stdout.write;
  process.stderr.write = ((c: string) => err.push(String(c)) > 0) as typeof process.stderr.write;
  try {
    return { code: await main(args), stdout: out.join(""), stderr: err.join("") };
  } finally {
    process.stdout.write = stdout;
    process.stderr.write = stderr;
  }
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "calendario-sign-"));
  node = await createTestNode();
});
afterAll(async () => {
  await node.close();
  await rm(dir, { recursive: true, force: true });
});

describe("keygen and sign", () => {
  it("creates a key file (mode 0600) and prints its did:key", async () => {
    const keyFile = path.join(dir, "me.jwk");
    const res = await cli(["keygen", "--out", keyFile]);
    expect(res.code).toBe(0);
    expect(res.stdout.trim()).toMatch(/^did:key:z6Mk\w+$/);
    expect((await stat(keyFile)).mode & 0o777).toBe(0o600);
    expect(JSON.parse(await readFile(keyFile, "utf8"))).toMatchObject({
      kty: "OKP",
      crv: "Ed25519",
      d: expect.any(String),
    });
    expect((await cli(["keygen", "--out", keyFile])).code).toBe(2); // never overwrites a key
  });

  it("signs offline; the node keeps the self_proof and adds only its organization_proof", async () => {
    const keyFile = path.join(dir, "me.jwk");
    expect((await cli(["keygen"])).stdout).toContain('"did": "did:key:');
    const profileFile = path.join(dir, "profile.json");
    await writeFile(
      profileFile,
      JSON.stringify(
        sampleProfileInput("ada", { organization: "https://node.test", ...completeChannel("ada") }),
      ),
    );
    const signed = await cli(["sign", "--key", keyFile, profileFile]);
    expect(signed.code).toBe(0);
    const profile = JSON.parse(signed.stdout);
    expect(profile.self).toMatch(/^did:key:/);

    const put = await request(node.app).put("/admin/v1/users/ada").set(node.admin).send(profile);
    expect(put.status).toBe(201);
    const served = (await request(node.app).get("/.well-known/calendario/ada")).body;
    expect(served.self_proof).toEqual(profile.self_proof);
    expect(served.self).toBe(profile.self);
    const report = await checkProfile(served, { resolver: node.ctx.resolver });
    expect(report.proofs.results.self_proof).toMatchObject({
      status: "valid",
      signer: profile.self,
    });
    expect(report.proofs.results.organization_proof).toMatchObject({
      status: "valid",
      signer: "did:web:node.test",
    });
  });

  it("refuses a self-signed profile that was changed, or names another organization", async () => {
    const keyFile = path.join(dir, "me.jwk");
    const profileFile = path.join(dir, "profile2.json");
    await writeFile(
      profileFile,
      JSON.stringify(
        sampleProfileInput("bo", { organization: "https://node.test", ...completeChannel("bo") }),
      ),
    );
    const profile = JSON.parse((await cli(["sign", "--key", keyFile, profileFile])).stdout);
    const tampered = await request(node.app)
      .put("/admin/v1/users/bo")
      .set(node.admin)
      .send({ ...profile, display_name: "Mallory" });
    expect(tampered.status).toBe(400);
    expect(tampered.body.error.details[0]).toMatchObject({ pointer: "/self_proof" });

    await writeFile(
      profileFile,
      JSON.stringify(
        sampleProfileInput("bo", {
          organization: "https://elsewhere.example",
          ...completeChannel("bo"),
        }),
      ),
    );
    const elsewhere = JSON.parse((await cli(["sign", "--key", keyFile, profileFile])).stdout);
    const refused = await request(node.app)
      .put("/admin/v1/users/bo")
      .set(node.admin)
      .send(elsewhere);
    expect(refused.status).toBe(400);
    expect(refused.body.error.details[0].pointer).toBe("/organization");
    expect((await request(node.app).get("/.well-known/calendario/bo")).status).toBe(404);
  });

  it("refuses a self-signed profile without what the node would fill, saying what to add", async () => {
    const keyFile = path.join(dir, "me.jwk");
    const profileFile = path.join(dir, "profile3.json");
    await writeFile(
      profileFile,
      JSON.stringify(sampleProfileInput("cy", { organization: "https://node.test" })),
    );
    const profile = JSON.parse((await cli(["sign", "--key", keyFile, profileFile])).stdout);
    const refused = await request(node.app).put("/admin/v1/users/cy").set(node.admin).send(profile);
    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe("invalid_profile");
    expect(refused.body.error.details.map((d: { pointer: string }) => d.pointer)).toEqual([
      "/response_channel/notify",
      "/response_channel/confirm/meeting_response_url",
      "/response_channel/confirm/free_busy_url",
      "/response_channel/booking_confirmation_message",
      "/response_channel/booking_error_message",
    ]);
    expect(refused.body.error.details[1].message).toContain('"https://node.test/api/bookings/cy"');
    expect((await request(node.app).get("/.well-known/calendario/cy")).status).toBe(404);
  });

  it("exits 2 on usage errors", async () => {
    expect((await cli(["sign"])).code).toBe(2);
    expect(
      (await cli(["sign", "--key", path.join(dir, "missing.jwk"), path.join(dir, "profile.json")]))
        .code,
    ).toBe(2);
    expect((await cli(["frobnicate"])).code).toBe(2);
  });
});
