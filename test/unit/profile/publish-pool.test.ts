/**
 * Start-up's signing threads (PublishPool) sign exactly as the main thread's
 * publishProfile does: Ed25519 is deterministic, so the same profile, keys and time give
 * the same bytes. What they cannot do (verify a self_proof, which needs a DID resolver)
 * they hand back.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { DIDDocument } from "did-resolver";
import type { JWK } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InvalidRequestError } from "../../../src/errors.js";
import {
  buildDidWebDocument,
  generateEd25519Jwk,
  orgSigner,
  type Signer,
} from "../../../src/identity/index.js";
import { profileFileDigest } from "../../../src/profile/file-digest.js";
import type { ProfileFile } from "../../../src/profile/load-dir.js";
import { verifyProfileProofs } from "../../../src/profile/proofs.js";
import { type PublishDeps, publishDepsFor, publishProfile } from "../../../src/profile/publish.js";
import { PublishPool } from "../../../src/profile/publish-pool.js";
import { resolverOverDocs } from "../../helpers/did-docs.js";
import { sampleProfileInput } from "../../helpers/profile-input.js";

const NOW = Date.parse("2026-11-21T12:00:00Z");
const URL_ = "https://acme.example";
const didDocs = new Map<string, DIDDocument>();
const resolver = () => resolverOverDocs(didDocs, NOW);

let org: Signer;
let orgKey: JWK;
let pool: PublishPool;
let deps: PublishDeps;

const profile = (username: string) => sampleProfileInput(username);

beforeAll(async () => {
  orgKey = (await generateEd25519Jwk()).privateJwk;
  org = await orgSigner("acme.example", orgKey);
  didDocs.set(`${URL_}/.well-known/did.json`, buildDidWebDocument(org.did, [org.publicJwk]));
  deps = publishDepsFor(orgKey, {
    publicUrl: URL_,
    orgSigner: org,
    resolver: resolver(),
    now: () => NOW,
  });
  pool = new PublishPool(
    {
      publicUrl: URL_,
      orgDid: org.did,
      orgKid: org.kid,
      orgPrivateJwk: orgKey,
      organizationProblem: undefined,
    },
    2,
  );
}, 60_000);

afterAll(() => pool.close());

describe("signing threads", () => {
  it("sign each profile to the very bytes the main thread would, proofs verifying", async () => {
    const names = ["amy", "bob", "cyd", "dee", "eve"];
    const answers = await Promise.all(
      names.map((u) => pool.publish(u, JSON.stringify(profile(u), null, 2), NOW)),
    );
    for (const [i, u] of names.entries()) {
      const main = await publishProfile(u, profile(u), deps);
      expect(answers[i]).toMatchObject({
        kind: "published",
        input: profile(u),
        body: main.body,
        etag: main.etag,
        visibility: "public",
      });
      const report = await verifyProfileProofs(JSON.parse(main.body), { resolver: resolver() });
      expect([report.self_proof.status, report.organization_proof.status]).toEqual([
        "valid",
        "valid",
      ]);
    }
    expect(pool.signed).toBe(names.length);
  }, 60_000);

  it("answer an invalid profile with the main thread's message and details", async () => {
    const bad = { ...profile("amy"), scheduling: [] };
    const answer = await pool.publish("amy", JSON.stringify(bad), NOW);
    const main = await publishProfile("amy", bad, deps).catch((e: InvalidRequestError) => e);
    expect(main).toBeInstanceOf(InvalidRequestError);
    expect(answer).toMatchObject({
      kind: "failed",
      message: (main as InvalidRequestError).message,
      details: (main as InvalidRequestError).details,
    });
  });

  it("refuse duplicate members and text that is not JSON, as start-up does", async () => {
    expect(await pool.publish("amy", '{"username":"a","username":"b"}', NOW)).toMatchObject({
      kind: "failed",
      message: expect.stringMatching(/^not valid JSON: .*username/),
    });
    expect(await pool.publish("amy", "{", NOW)).toMatchObject({
      kind: "failed",
      message: expect.stringMatching(/^not valid JSON/),
    });
  });

  it("hand a self-signed profile back to the main thread, which can resolve its DID", async () => {
    const selfSigned = { ...profile("amy"), self: "did:key:z6Mk", self_proof: {} };
    expect(await pool.publish("amy", JSON.stringify(selfSigned), NOW)).toMatchObject({
      kind: "self-signed",
      input: selfSigned,
    });
  });

  it("read profile files and answer the digests the main thread would, null for one that is gone", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "calendario-digests-"));
    try {
      const files: ProfileFile[] = [];
      for (const u of ["amy", "bob"]) {
        const file = path.join(dir, `${u}.json`);
        await writeFile(file, JSON.stringify(profile(u)));
        files.push({ username: u, file, regular: true });
      }
      files.push({ username: "gone", file: path.join(dir, "gone.json"), regular: true });
      const expected = await Promise.all(
        files
          .slice(0, 2)
          .map(async (f) => profileFileDigest(f.username, await readFile(f.file), deps)),
      );
      expect(await pool.digests(files)).toEqual([...expected, null]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
