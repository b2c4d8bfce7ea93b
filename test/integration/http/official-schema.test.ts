/**
 * Every profile the node serves validates against the official Calendario schema
 * (test/fixtures/official/schema-v0.1.json, draft-07, formats on): profiles built from
 * docs/PROTOCOL.md's examples, the README quickstart's profiles/jane.json, the test
 * fixtures and helpers, and a profile its person signed with their own key.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { didKeySigner, generateEd25519Jwk } from "../../../src/identity/index.js";
import { PACKAGE_ROOT } from "../../../src/paths.js";
import { checkProfile, signProfile } from "../../../src/profile/index.js";
import { NODE_FILLED_MEMBERS } from "../../../src/profile/schema.js";
import { createTestNode, sampleProfileInput, type TestNode } from "../../helpers/node.js";
import { compileOfficialSchema } from "../../helpers/official-schema.js";

const official = compileOfficialSchema();
const readJson = (file: string) => JSON.parse(readFileSync(path.join(PACKAGE_ROOT, file), "utf8"));

/** The JSON block of docs/PROTOCOL.md marked `<!-- checked: name -->`. */
function protocolExample(name: string): Record<string, unknown> {
  const doc = readFileSync(path.join(PACKAGE_ROOT, "docs/PROTOCOL.md"), "utf8");
  const at = doc.indexOf(`<!-- checked: ${name} -->`);
  if (at < 0) throw new Error(`docs/PROTOCOL.md has no example "${name}"`);
  const open = doc.indexOf("```json\n", at) + "```json\n".length;
  return JSON.parse(doc.slice(open, doc.indexOf("\n```", open)));
}

/** What the admin API is given: the members the node fills (self, proofs, organization) left out. */
function asInput(profile: Record<string, unknown>, username: string): Record<string, unknown> {
  const input: Record<string, unknown> = { ...profile, username };
  for (const name of [...NODE_FILLED_MEMBERS, "representing_proof"]) delete input[name];
  return input;
}

const fixture = (file: string) => readJson(`test/fixtures/profiles/${file}`);
const warningFixtures = readdirSync(path.join(PACKAGE_ROOT, "test/fixtures/profiles/warning"))
  .filter((f) => f.endsWith(".json"))
  .map((f) => [`warning/${f}`, fixture(`warning/${f}`).profile] as const);

const CUSTODIAL: (readonly [string, Record<string, unknown>])[] = [
  ["PROTOCOL.md jane-profile", protocolExample("jane-profile")],
  ["PROTOCOL.md dst-profile", protocolExample("dst-profile")],
  ["PROTOCOL.md vector-profile", protocolExample("vector-profile")],
  ["README quickstart profiles/jane.json", readJson("profiles/jane.json")],
  ["test helper sampleProfileInput", sampleProfileInput("jane")],
  ["fixture reference.json", fixture("reference.json")],
  ["fixture minimal.json", fixture("minimal.json")],
  ...warningFixtures,
];

let node: TestNode;
beforeAll(async () => {
  node = await createTestNode();
});
afterAll(async () => {
  await node.close();
});

async function publishAndFetch(username: string, input: unknown) {
  const put = await request(node.app)
    .put(`/admin/v1/users/${username}`)
    .set(node.admin)
    .send(input as object);
  expect(put.status, JSON.stringify(put.body)).toBeLessThan(300);
  const res = await request(node.app).get(`/.well-known/calendario/${username}`).set(node.admin);
  expect(res.status).toBe(200);
  return res.body as Record<string, unknown>;
}

describe("served profiles and the official schema", () => {
  it.each(CUSTODIAL.map(([name, profile], i) => [name, profile, `user${i}`] as const))(
    "%s, published by the node, validates against the official schema",
    async (_name, profile, username) => {
      const served = await publishAndFetch(username, asInput(profile, username));
      official(served);
      expect(official.errors ?? []).toEqual([]);
      const report = await checkProfile(served, { resolver: node.ctx.resolver });
      expect(report.valid).toBe(true);
      expect(report.organization.status).toBe("verified");
    },
  );

  it("a self-signed profile, complete as the node requires, validates against the official schema", async () => {
    const key = await generateEd25519Jwk();
    const signer = await didKeySigner(key.privateJwk);
    const profile = await signProfile(
      {
        ...sampleProfileInput("ada"),
        self: signer.did,
        organization: "https://node.test",
        response_channel: {
          human_ack_required: true,
          notify: [{ type: "email", value: "ada@example.org" }],
          confirm: {
            meeting_response_url: "https://node.test/api/bookings/ada",
            free_busy_url: "https://node.test/api/freebusy/ada",
          },
          booking_confirmation_message: "See you then.",
          booking_error_message: "That time is gone.",
        },
      },
      { self: signer, now: Date.parse("2026-11-21T12:00:00Z") },
    );
    const served = await publishAndFetch("ada", profile);
    expect(served.self_proof).toEqual(profile.self_proof);
    official(served);
    expect(official.errors ?? []).toEqual([]);
  });
});
