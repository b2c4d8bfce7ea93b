import { createPublicKey, generateKeyPairSync, verify } from "node:crypto";
import { readFileSync } from "node:fs";
import type { DIDDocument } from "did-resolver";
import fc from "fast-check";
import type { JWK } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import {
  buildDidWebDocument,
  createSigner,
  type DidResolver,
  didKeySigner,
  generateEd25519Jwk,
  orgSigner,
  type Signer,
} from "../../../src/identity/index.js";
import {
  createProof,
  PROOF_FIELDS,
  profileSigningPayload,
  signProfile,
  verifyProfileProofs,
} from "../../../src/profile/proofs.js";
import { resolverOverDocs } from "../../helpers/did-docs.js";

type Profile = Record<string, unknown>;
const NOW = Date.parse("2026-11-21T12:00:00Z");
const fixture = (name: string) =>
  JSON.parse(readFileSync(new URL(`../../fixtures/${name}`, import.meta.url), "utf8"));

/** did:web documents served by a stub fetchJson, keyed by domain. */
const didDocs = new Map<string, DIDDocument>();
function serve(doc: DIDDocument) {
  const host = doc.id.slice("did:web:".length).replace("%3A", ":");
  didDocs.set(`https://${host}/.well-known/did.json`, doc);
}
function newResolver(): DidResolver {
  return resolverOverDocs(didDocs, NOW);
}

let self: Signer;
let org: Signer;
let evilOrg: Signer;
let profile: Profile;

beforeAll(async () => {
  self = await didKeySigner((await generateEd25519Jwk()).privateJwk);
  org = await orgSigner("acme.example", (await generateEd25519Jwk()).privateJwk);
  evilOrg = await orgSigner("evil.example", (await generateEd25519Jwk()).privateJwk);
  serve(buildDidWebDocument(org.did, [org.publicJwk]));
  serve(buildDidWebDocument(evilOrg.did, [evilOrg.publicJwk]));
  profile = {
    version: "0.1",
    username: "jane",
    display_name: "Jane Doe",
    self: self.did,
    organization: "https://acme.example",
    timezone: "America/New_York",
    visibility: "public",
    scheduling: [{ type: "weekly", days: ["monday"], hours: ["09:00-12:00"] }],
    response_channel: { human_ack_required: false },
    "x-extra": { note: "unknown members are signed too" },
  };
});

const signed = (p: Profile = profile, signers = { self, organization: org }) =>
  signProfile(p, { ...signers, now: NOW });
const verifyOf = (p: Profile, opts: { discoveredDomain?: string; resolver?: DidResolver } = {}) =>
  verifyProfileProofs(p, { resolver: opts.resolver ?? newResolver(), ...opts });

describe("known-answer vector (test/fixtures/vectors/profile-proof.json)", () => {
  const vector = fixture("vectors/profile-proof.json");

  it("recomputes the JCS payload, the jws and the proof", async () => {
    expect(new TextDecoder().decode(profileSigningPayload(vector.profile))).toBe(vector.payload);
    const signer = await didKeySigner(vector.privateJwk);
    expect(signer.did).toBe(vector.did);
    expect(signer.kid).toBe(vector.verificationMethod);
    expect(await createProof(vector.profile, signer, vector.created)).toEqual(vector.proof);
  });

  it("is an Ed25519 signature over BASE64URL(header).BASE64URL(payload), checked by node:crypto", () => {
    const [header, , signature] = (vector.jws as string).split(".");
    const input = `${header}.${Buffer.from(vector.payload).toString("base64url")}`;
    expect(input).toBe(vector.signingInput);
    const key = createPublicKey({
      key: { kty: "OKP", crv: "Ed25519", x: vector.privateJwk.x },
      format: "jwk",
    });
    expect(verify(null, Buffer.from(input), key, Buffer.from(signature!, "base64url"))).toBe(true);
  });

  it("verifies as a valid self_proof", async () => {
    const report = await verifyOf({ ...vector.profile, self_proof: vector.proof });
    expect(report.self_proof).toEqual({ status: "valid", signer: vector.did });
  });
});

describe("signProfile / verifyProfileProofs", () => {
  it("signs self and organization proofs that verify, and reports a missing proof as absent", async () => {
    const doc = await signed();
    expect(doc.self_proof).toMatchObject({
      type: "DIDSignature2021",
      created: "2026-11-21T12:00:00.000Z",
      proofPurpose: "assertionMethod",
      verificationMethod: self.kid,
    });
    expect(await verifyOf(doc)).toEqual({
      self_proof: { status: "valid", signer: self.did },
      organization_proof: { status: "valid", signer: org.did },
      representing_proof: { status: "absent" },
    });
  });

  it("computes every proof over the same payload, so no proof covers another", async () => {
    const doc = await signed();
    const { self_proof: _s, ...withoutSelf } = doc;
    expect((await verifyOf(withoutSelf)).organization_proof.status).toBe("valid");
    expect(profileSigningPayload(doc)).toEqual(profileSigningPayload(profile));
  });

  it("keeps proofs it was not asked to make", async () => {
    const selfSigned = await signProfile(profile, { self, now: NOW });
    const both = await signProfile(selfSigned, { organization: org, now: NOW });
    expect(both.self_proof).toEqual(selfSigned.self_proof);
    expect((await verifyOf(both)).self_proof.status).toBe("valid");
  });

  it("reports the signer of a representing_proof", async () => {
    const boss = await didKeySigner((await generateEd25519Jwk()).privateJwk);
    const doc = await signProfile(
      { ...profile, representing: "ceo@acme.example" },
      { representing: boss, now: NOW },
    );
    expect((await verifyOf(doc)).representing_proof).toEqual({ status: "valid", signer: boss.did });
  });

  it("breaks every proof with signature_mismatch when any byte of the profile changes", async () => {
    const doc = await signed();
    const resolver = newResolver();
    const paths = leafPaths(profile).filter(([top]) => !PROOF_FIELDS.includes(top as never));
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.record({ path: fc.constantFrom(...paths), value: fc.jsonValue() }),
          fc.record({
            path: fc.constantFrom(["x-extra"], ["x-new"], ["display_name"]).map((p) => [...p]),
            value: fc.jsonValue(),
          }),
        ),
        async ({ path, value }) => {
          const changed = setPath(structuredClone(doc), path, value);
          fc.pre(
            JSON.stringify(profileSigningPayload(changed)) !==
              JSON.stringify(profileSigningPayload(doc)),
          );
          const report = await verifyProfileProofs(changed, { resolver });
          expect(report.self_proof.reason).toBe("signature_mismatch");
          expect(report.organization_proof.reason).toBe("signature_mismatch");
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe("proof failures", () => {
  it("refuses a self_proof by another DID than profile.self (did_mismatch)", async () => {
    const other = await didKeySigner((await generateEd25519Jwk()).privateJwk);
    const doc = await signed(profile, { self: other, organization: org });
    expect((await verifyOf(doc)).self_proof).toMatchObject({
      status: "invalid",
      reason: "did_mismatch",
      signer: other.did,
    });
  });

  it("refuses an organization proof from another domain (organization_mismatch)", async () => {
    const doc = await signed(profile, { self, organization: evilOrg });
    expect((await verifyOf(doc)).organization_proof).toMatchObject({
      status: "invalid",
      reason: "organization_mismatch",
      signer: evilOrg.did,
    });
  });

  it("accepts an organization signer the organization lists in alsoKnownAs", async () => {
    const aliasOrg = await orgSigner("alias-home.example", (await generateEd25519Jwk()).privateJwk);
    const parent = await orgSigner("parent.example", (await generateEd25519Jwk()).privateJwk);
    serve(buildDidWebDocument(aliasOrg.did, [aliasOrg.publicJwk]));
    serve({ ...buildDidWebDocument(parent.did, [parent.publicJwk]), alsoKnownAs: [aliasOrg.did] });
    const doc = await signed(
      { ...profile, organization: "https://parent.example" },
      { self, organization: aliasOrg },
    );
    expect((await verifyOf(doc)).organization_proof).toEqual({
      status: "valid",
      signer: aliasOrg.did,
    });
  });

  it("binds the organization to the domain the profile was discovered at", async () => {
    const doc = await signed();
    expect(
      (await verifyOf(doc, { discoveredDomain: "acme.example" })).organization_proof.status,
    ).toBe("valid");
    expect(
      (await verifyOf(doc, { discoveredDomain: "other.example" })).organization_proof.reason,
    ).toBe("organization_domain_mismatch");
  });

  it("writes a port of the organization as %3A in its did:web", async () => {
    const local = await orgSigner("localhost:8080", (await generateEd25519Jwk()).privateJwk);
    serve(buildDidWebDocument(local.did, [local.publicJwk]));
    const doc = await signed(
      { ...profile, organization: "http://localhost:8080" },
      { self, organization: local },
    );
    const report = await verifyOf(doc, { discoveredDomain: "localhost:8080" });
    expect(report.organization_proof).toEqual({
      status: "valid",
      signer: "did:web:localhost%3A8080",
    });
  });

  it("refuses a key listed only under authentication (key_not_in_assertionMethod)", async () => {
    const { privateJwk, publicJwk } = await generateEd25519Jwk();
    const did = "did:web:auth-only.example";
    const full = buildDidWebDocument(did, [publicJwk]);
    serve({ ...full, assertionMethod: [] });
    const signer = createSigner({ did, kid: full.authentication![0] as string, privateJwk });
    const doc = await signProfile({ ...profile, self: did }, { self: signer, now: NOW });
    expect((await verifyOf(doc)).self_proof.reason).toBe("key_not_in_assertionMethod");
  });

  it("refuses a header with an unsupported alg such as HS256 (unsupported_alg)", async () => {
    const doc = await signed();
    const proof = doc.self_proof as Record<string, string>;
    const forged = Buffer.from(
      JSON.stringify({ alg: "HS256", kid: proof.verificationMethod }),
    ).toString("base64url");
    const tampered = {
      ...doc,
      self_proof: { ...proof, jws: `${forged}..${proof.jws!.split(".")[2]}` },
    };
    expect((await verifyOf(tampered)).self_proof.reason).toBe("unsupported_alg");
  });

  it("refuses a header kid that is not the verificationMethod (kid_mismatch)", async () => {
    const doc = await signed();
    const proof = doc.self_proof as Record<string, string>;
    const other = (doc.organization_proof as Record<string, string>).jws;
    const tampered = { ...doc, self_proof: { ...proof, jws: other } };
    expect((await verifyOf(tampered)).self_proof.reason).toBe("kid_mismatch");
  });

  it.each([
    ["a proof that is a string", "proof"],
    ["a wrong type", { type: "Ed25519Signature2020" }],
    ["a wrong proofPurpose", { proofPurpose: "authentication" }],
    ["a verificationMethod that is not a DID URL", { verificationMethod: "did:key:abc" }],
    ["a missing jws", { jws: undefined }],
  ])("refuses %s (malformed_proof)", async (_label, change) => {
    const doc = await signed();
    const proof =
      typeof change === "string" ? change : { ...(doc.self_proof as object), ...change };
    expect((await verifyOf({ ...doc, self_proof: proof })).self_proof.reason).toBe(
      "malformed_proof",
    );
  });

  it("says the placeholder proofs of the reference profile are malformed placeholders", async () => {
    const report = await verifyOf(fixture("profiles/reference.json"));
    for (const field of PROOF_FIELDS) {
      expect(report[field].status).toBe("invalid");
      expect(report[field].reason).toBe("malformed_jws");
      expect(report[field].message).toMatch(/malformed.*placeholder/s);
    }
  });

  it("refuses a proof whose DID cannot be resolved (unresolvable_did)", async () => {
    const { privateJwk } = await generateEd25519Jwk();
    const signer = createSigner({
      did: "did:web:missing.example",
      kid: "did:web:missing.example#k",
      privateJwk,
    });
    const doc = await signProfile({ ...profile, self: signer.did }, { self: signer, now: NOW });
    expect((await verifyOf(doc)).self_proof).toMatchObject({
      reason: "unresolvable_did",
      signer: signer.did,
    });
  });
});

describe("algorithms and key rotation", () => {
  it.each([
    ["ES256", "prime256v1"],
    ["ES256K", "secp256k1"],
  ] as const)("verifies an %s proof by a did:key", async (alg, namedCurve) => {
    const { privateKey } = generateKeyPairSync("ec", { namedCurve });
    const signer = await didKeySigner(privateKey.export({ format: "jwk" }) as JWK);
    expect(signer.alg).toBe(alg);
    const doc = await signProfile({ ...profile, self: signer.did }, { self: signer, now: NOW });
    expect((await verifyOf(doc)).self_proof).toEqual({ status: "valid", signer: signer.did });
  });

  it("resolves once more with forceRefresh on a signature mismatch, so a rotated key verifies", async () => {
    const did = "did:web:rotating.example";
    const kid = `${did}#key-1`;
    const oldKey = await generateEd25519Jwk();
    const newKey = await generateEd25519Jwk();
    const docWith = (publicJwk: JWK): DIDDocument => ({
      id: did,
      verificationMethod: [
        { id: kid, type: "JsonWebKey2020", controller: did, publicKeyJwk: publicJwk as never },
      ],
      assertionMethod: [kid],
    });
    const calls: boolean[] = [];
    const rotating = (refreshed: DIDDocument): DidResolver => ({
      resolve: async (_did, opts) => {
        calls.push(opts?.forceRefresh === true);
        return opts?.forceRefresh ? refreshed : docWith(oldKey.publicJwk);
      },
    });
    const signer = createSigner({ did, kid, privateJwk: newKey.privateJwk });
    const doc = await signProfile({ ...profile, self: did }, { self: signer, now: NOW });

    const report = await verifyOf(doc, { resolver: rotating(docWith(newKey.publicJwk)) });
    expect(report.self_proof).toEqual({ status: "valid", signer: did });
    expect(calls).toEqual([false, true]);

    const stale = await verifyOf(doc, { resolver: rotating(docWith(oldKey.publicJwk)) });
    expect(stale.self_proof.reason).toBe("signature_mismatch");
  });
});

function leafPaths(value: unknown, prefix: string[] = []): string[][] {
  if (typeof value !== "object" || value === null) return [prefix];
  const entries = Object.entries(value);
  if (entries.length === 0) return [prefix];
  return entries.flatMap(([key, child]) => leafPaths(child, [...prefix, key]));
}

function setPath(target: Profile, path: string[], value: unknown): Profile {
  let node = target as Record<string, unknown>;
  for (const key of path.slice(0, -1)) {
    if (typeof node[key] !== "object" || node[key] === null) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1]!] = value;
  return target;
}
