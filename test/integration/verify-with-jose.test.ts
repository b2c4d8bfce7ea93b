/**
 * A profile served by a real node (HTTP on a loopback port) verifies as docs/PROTOCOL.md
 * §4.3 says, with nothing but `fetch`, `jose` and a JCS library: no code of the node is
 * used on the verifying side. The did:key is decoded by hand (§4.4 step 2).
 */
import { createPrivateKey, hkdfSync } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import canonicalizeModule from "canonicalize";
import { base64url, compactVerify, errors, flattenedVerify, importJWK, type JWK } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { envToConfig, envToSecrets, type ServerEnvironment } from "../../src/config.js";
import { type RunningNode, startNode } from "../../src/server.js";

// CommonJS package whose typings declare an ES default export (see src/identity/jcs.ts).
const canonicalize = canonicalizeModule as unknown as (value: unknown) => string | undefined;

const ADMIN_TOKEN = "verify-with-jose-admin-token-0123";
const PROOF_MEMBERS = ["self_proof", "organization_proof", "representing_proof"];

// ---------------------------------------------------------------------------------------
// The verifier: fetch, jose and canonicalize only.

const BASE58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

/** base58btc (Bitcoin alphabet): a big number in base 58; each leading "1" is a zero byte. */
function base58Decode(text: string): Uint8Array {
  let n = 0n;
  for (const char of text) {
    const digit = BASE58_ALPHABET.indexOf(char);
    if (digit < 0) throw new Error(`"${char}" is not a base58btc digit`);
    n = n * 58n + BigInt(digit);
  }
  const bytes: number[] = [];
  while (n > 0n) {
    bytes.unshift(Number(n & 0xffn));
    n >>= 8n;
  }
  for (const char of text) {
    if (char !== "1") break;
    bytes.unshift(0);
  }
  return Uint8Array.from(bytes);
}

/** The Ed25519 public JWK of a did:key: multibase `z`, base58btc, multicodec `ed 01`. */
function ed25519JwkOfDidKey(did: string): JWK {
  const prefix = "did:key:z";
  if (!did.startsWith(prefix)) throw new Error(`${did} is not a base58btc did:key`);
  const bytes = base58Decode(did.slice(prefix.length));
  if (bytes.length !== 34 || bytes[0] !== 0xed || bytes[1] !== 0x01)
    throw new Error(`${did} is not an Ed25519 did:key`);
  return { kty: "OKP", crv: "Ed25519", x: base64url.encode(bytes.subarray(2)) };
}

/** UTF-8 of JCS(profile without its three proof members). */
function signedPayload(profile: Record<string, unknown>): Uint8Array {
  const unsigned = Object.fromEntries(
    Object.entries(profile).filter(([member]) => !PROOF_MEMBERS.includes(member)),
  );
  return new TextEncoder().encode(canonicalize(unsigned));
}

interface Proof {
  type: string;
  proofPurpose: string;
  verificationMethod: string;
  jws: string;
}

/**
 * Verifies a detached JWS (`header..signature`) over `payload` both as the compact JWS it
 * was cut from and as a flattened JWS; answers the protected header.
 */
async function verifyDetachedJws(proof: Proof, payload: Uint8Array, publicJwk: JWK) {
  const [protectedB64 = "", middle, signature = ""] = proof.jws.split(".");
  if (middle !== "") throw new Error("not a detached JWS");
  const key = await importJWK(publicJwk, "EdDSA");
  const payloadB64 = base64url.encode(payload);
  const compact = await compactVerify(`${protectedB64}.${payloadB64}.${signature}`, key, {
    algorithms: ["EdDSA"],
  });
  const flattened = await flattenedVerify(
    { protected: protectedB64, payload: payloadB64, signature },
    key,
    { algorithms: ["EdDSA"] },
  );
  expect(flattened.protectedHeader).toEqual(compact.protectedHeader);
  expect(compact.payload).toEqual(payload);
  return compact.protectedHeader;
}

// ---------------------------------------------------------------------------------------
// The node: a real server on a free loopback port whose PUBLIC_URL is where it is reached.

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

async function startOnFreePort(dataDir: string): Promise<RunningNode> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const env: ServerEnvironment = {
      port: String(port),
      host: "127.0.0.1",
      publicUrl: `http://127.0.0.1:${port}`,
      dataDir,
      profilesDir: path.join(dataDir, "no-profiles"),
      adminToken: ADMIN_TOKEN,
      logLevel: "silent",
    };
    try {
      return await startNode(envToConfig(env), envToSecrets(env));
    } catch (err) {
      // Another process took the port between the probe and the listen: try another.
      if ((err as NodeJS.ErrnoException).code !== "EADDRINUSE" || attempt >= 5) throw err;
    }
  }
}

let dataDir: string;
let node: RunningNode;
let base: string;
let profile: Record<string, unknown> & { self: string; organization: string };
let didDocument: {
  id: string;
  verificationMethod: { id: string; publicKeyJwk: JWK }[];
  assertionMethod: string[];
};

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), "calendario-jose-"));
  node = await startOnFreePort(dataDir);
  base = node.ctx.cfg.service.publicUrl;
  expect(node.url).toBe(base);

  const put = await fetch(`${base}/admin/v1/users/jane`, {
    method: "PUT",
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify({
      version: "0.1",
      username: "jane",
      display_name: "Jane Müller",
      timezone: "Europe/Berlin",
      visibility: "public",
      allow_anonymous_booking: false,
      min_notice_hours: 24,
      scheduling: [{ type: "weekly", days: ["monday", "wednesday"], hours: ["09:00-12:00"] }],
      response_channel: { human_ack_required: false },
      "x-extra": { note: "unknown members are signed too", "€": 1.5 },
    }),
  });
  expect(put.status).toBe(201);

  const served = await fetch(`${base}/.well-known/calendario/jane`);
  expect(served.status).toBe(200);
  profile = JSON.parse(await served.text());
  expect(((await put.json()) as { profile: unknown }).profile).toEqual(profile);
  didDocument = (await (await fetch(`${base}/.well-known/did.json`)).json()) as typeof didDocument;
});

afterAll(async () => {
  await node?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe("a served profile, verified with jose alone", () => {
  it("carries a self_proof and an organization_proof over the same payload", () => {
    for (const member of ["self_proof", "organization_proof"]) {
      const proof = profile[member] as Proof;
      expect(proof.type).toBe("DIDSignature2021");
      expect(proof.proofPurpose).toBe("assertionMethod");
      expect(proof.jws).toMatch(/^[\w-]+\.\.[\w-]+$/);
    }
    expect(profile.representing_proof).toBeUndefined();
    expect(profile.organization).toBe(base);
  });

  it("verifies the organization_proof with the key of the node's did:web document", async () => {
    const proof = profile.organization_proof as Proof;
    const did = `did:web:${new URL(profile.organization).host.replace(":", "%3A")}`;
    expect(didDocument.id).toBe(did);
    expect(proof.verificationMethod.startsWith(`${did}#`)).toBe(true);
    const method = didDocument.verificationMethod.find((m) => m.id === proof.verificationMethod);
    expect(method).toBeDefined();
    expect(didDocument.assertionMethod).toContain(method!.id);
    const header = await verifyDetachedJws(proof, signedPayload(profile), method!.publicKeyJwk);
    expect(header).toEqual({ alg: "EdDSA", kid: proof.verificationMethod });
  });

  it("verifies the self_proof with the key decoded by hand from the did:key", async () => {
    const proof = profile.self_proof as Proof;
    expect(proof.verificationMethod).toBe(
      `${profile.self}#${profile.self.slice("did:key:".length)}`,
    );
    const header = await verifyDetachedJws(
      proof,
      signedPayload(profile),
      ed25519JwkOfDidKey(profile.self),
    );
    expect(header).toEqual({ alg: "EdDSA", kid: proof.verificationMethod });
  });

  it("refuses both proofs once any signed member changes", async () => {
    const changed = { ...profile, "x-extra": { note: "unknown members are signed too", "€": 2 } };
    const orgKey = didDocument.verificationMethod[0]!.publicKeyJwk;
    const selfKey = ed25519JwkOfDidKey(profile.self);
    for (const [member, key] of [
      ["organization_proof", orgKey],
      ["self_proof", selfKey],
    ] as const) {
      await expect(
        verifyDetachedJws(profile[member] as Proof, signedPayload(changed), key),
      ).rejects.toBeInstanceOf(errors.JWSSignatureVerificationFailed);
    }
  });

  it("ignores the proofs themselves: adding a representing_proof does not change the payload", () => {
    const withExtraProof = { ...profile, representing_proof: profile.self_proof };
    expect(signedPayload(withExtraProof)).toEqual(signedPayload(profile));
  });
});

describe("the hand-written did:key decoder", () => {
  it("decodes RFC 8037 A.1's key from the known-answer vector", async () => {
    const vector = JSON.parse(
      await readFile(new URL("../fixtures/vectors/profile-proof.json", import.meta.url), "utf8"),
    );
    expect(ed25519JwkOfDidKey(vector.did)).toEqual({
      kty: "OKP",
      crv: "Ed25519",
      x: vector.privateJwk.x,
    });
    expect(base58Decode("1112")).toEqual(Uint8Array.from([0, 0, 0, 1]));
    expect(() => ed25519JwkOfDidKey("did:key:z0OIl")).toThrow(/base58btc/);
  });

  it("finds the custodial key the node derived from its organization key (§4.5)", async () => {
    const orgKey = JSON.parse(await readFile(path.join(dataDir, "org-key.json"), "utf8"));
    const seed = Buffer.from(
      hkdfSync(
        "sha256",
        Buffer.from(orgKey.d, "base64url"),
        Buffer.alloc(0),
        "calendario custodial user key v1:jane",
        32,
      ),
    );
    const pkcs8 = Buffer.concat([Buffer.from("302e020100300506032b657004220420", "hex"), seed]);
    const { x } = createPrivateKey({ key: pkcs8, format: "der", type: "pkcs8" }).export({
      format: "jwk",
    });
    expect(ed25519JwkOfDidKey(profile.self).x).toBe(x);
  });
});
