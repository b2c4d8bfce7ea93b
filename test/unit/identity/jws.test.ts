import { generateKeyPairSync } from "node:crypto";
import { CompactSign, compactVerify, exportJWK, generateKeyPair, importJWK, type JWK } from "jose";
import { describe, expect, it } from "vitest";
import {
  canonicalJson,
  decodeDetachedJwsHeader,
  didKeySigner,
  generateEd25519Jwk,
  JwsError,
  jwkThumbprint,
  orgSigner,
  publicJwkOf,
  signCompactJws,
  signDetached,
  verifyCompactJws,
  verifyDetached,
} from "../../../src/identity/index.js";

const payload = new TextEncoder().encode('{"hello":"wörld"}');
const b64 = (value: string | Uint8Array) => Buffer.from(value).toString("base64url");

async function reason(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof JwsError) return err.reason;
    throw err;
  }
  return "ok";
}

async function keyPairFor(
  alg: "EdDSA" | "ES256" | "ES256K",
): Promise<{ privateJwk: JWK; publicJwk: JWK }> {
  if (alg === "EdDSA") return generateEd25519Jwk();
  if (alg === "ES256") {
    const { privateKey } = await generateKeyPair("ES256", { extractable: true });
    const privateJwk = await exportJWK(privateKey);
    return { privateJwk, publicJwk: publicJwkOf(privateJwk) };
  }
  // jose 6 has no secp256k1; node:crypto makes the key.
  const { privateKey } = generateKeyPairSync("ec", { namedCurve: "secp256k1" });
  const privateJwk = privateKey.export({ format: "jwk" }) as JWK;
  return { privateJwk, publicJwk: publicJwkOf(privateJwk) };
}

describe("signDetached / verifyDetached", () => {
  it.each(["EdDSA", "ES256", "ES256K"] as const)("signs and verifies %s", async (alg) => {
    const { privateJwk, publicJwk } = await keyPairFor(alg);
    const jws = await signDetached(payload, privateJwk, { kid: "did:example:a#k1", alg });
    const [header, middle, signature] = jws.split(".");
    expect(middle).toBe("");
    expect(signature).toMatch(/^[A-Za-z0-9_-]{86}$/);
    expect(Buffer.from(header!, "base64url").toString()).toBe(
      JSON.stringify({ alg, kid: "did:example:a#k1" }),
    );
    expect(await verifyDetached(jws, payload, publicJwk)).toEqual({ alg, kid: "did:example:a#k1" });
    const changed = new TextEncoder().encode('{"hello":"world"}');
    expect(await reason(verifyDetached(jws, changed, publicJwk))).toBe("signature_mismatch");
    const other = await keyPairFor(alg);
    expect(await reason(verifyDetached(jws, payload, other.publicJwk))).toBe("signature_mismatch");
  });

  it("is an ordinary JWS with its payload removed (RFC 7515 appendix F), not b64:false", async () => {
    const { privateJwk, publicJwk } = await generateEd25519Jwk();
    const jws = await signDetached(payload, privateJwk, { kid: "k" });
    const [header, , signature] = jws.split(".");
    const attached = `${header}.${b64(payload)}.${signature}`;
    const { payload: seen } = await compactVerify(attached, await importJWK(publicJwk, "EdDSA"));
    expect(Buffer.from(seen).toString()).toBe(Buffer.from(payload).toString());
  });

  it("is deterministic for Ed25519", async () => {
    const { privateJwk } = await generateEd25519Jwk();
    const a = await signDetached(payload, privateJwk, { kid: "k" });
    expect(await signDetached(payload, privateJwk, { kid: "k" })).toBe(a);
  });

  it("gives for Ed25519 the very signature jose gives (the same bytes signed, by node:crypto)", async () => {
    const { privateJwk } = await generateEd25519Jwk();
    const ours = await signDetached(payload, privateJwk, { kid: "did:example:a#k1" });
    const jose = await new CompactSign(payload)
      .setProtectedHeader({ alg: "EdDSA", kid: "did:example:a#k1" })
      .sign(await importJWK(privateJwk, "EdDSA"));
    const [header, , signature] = jose.split(".");
    expect(ours).toBe(`${header}..${signature}`);
  });

  it.each(["HS256", "none", "RS256", "ES384", "Ed25519"])(
    "refuses alg %s as unsupported_alg",
    async (alg) => {
      const { publicJwk } = await generateEd25519Jwk();
      const jws = `${b64(JSON.stringify({ alg, kid: "k" }))}..${b64("signature")}`;
      expect(await reason(verifyDetached(jws, payload, publicJwk))).toBe("unsupported_alg");
    },
  );

  it("refuses a key of another type than alg names", async () => {
    const ed = await generateEd25519Jwk();
    const p256 = await keyPairFor("ES256");
    const jws = await signDetached(payload, ed.privateJwk, { kid: "k" });
    expect(await reason(verifyDetached(jws, payload, p256.publicJwk))).toBe("key_alg_mismatch");
    await expect(signDetached(payload, ed.privateJwk, { kid: "k", alg: "ES256" })).rejects.toThrow(
      JwsError,
    );
  });

  it.each([
    ["a placeholder", "eyJhbGciOiJFUz..."],
    ["an attached JWS", "eyJhbGciOiJFZERTQSIsImtpZCI6ImsifQ.e30.c2ln"],
    ["two parts", "eyJhbGciOiJFZERTQSIsImtpZCI6ImsifQ.c2ln"],
    ["no signature", "eyJhbGciOiJFZERTQSIsImtpZCI6ImsifQ.."],
    ["a header that is not JSON", `${b64("nope")}..c2ln`],
    ["a header without kid", `${b64(JSON.stringify({ alg: "EdDSA" }))}..c2ln`],
    ["a header array", `${b64("[1]")}..c2ln`],
    [
      "a b64:false header",
      `${b64(JSON.stringify({ alg: "EdDSA", kid: "k", b64: false, crit: ["b64"] }))}..c2ln`,
    ],
    ["padding characters", "eyJhbGciOiJFZERTQSIsImtpZCI6ImsifQ==..c2ln"],
  ])("refuses %s as malformed_jws", async (_label, jws) => {
    const { publicJwk } = await generateEd25519Jwk();
    expect(await reason(verifyDetached(jws, payload, publicJwk))).toBe("malformed_jws");
  });

  it("says a placeholder is a placeholder", () => {
    expect(() => decodeDetachedJwsHeader("eyJhbGciOiJFUz...")).toThrow(/malformed.*placeholder/s);
  });
});

describe("signCompactJws / verifyCompactJws", () => {
  it("signs the JCS form of the payload, attached, with header {alg, kid}", async () => {
    const { privateJwk, publicJwk } = await generateEd25519Jwk();
    const body = { seq: 3, user: "jane", head_hash: "abc" };
    const jws = await signCompactJws(body, privateJwk, "did:web:acme.example#k");
    const verified = await compactVerify(jws, await importJWK(publicJwk, "EdDSA"));
    expect(Buffer.from(verified.payload).toString()).toBe(canonicalJson(body));
    expect(verified.protectedHeader).toEqual({ alg: "EdDSA", kid: "did:web:acme.example#k" });
    expect(await verifyCompactJws(jws, publicJwk)).toEqual({
      header: { alg: "EdDSA", kid: "did:web:acme.example#k" },
      payload: body,
    });
  });

  it("refuses a changed payload", async () => {
    const { privateJwk, publicJwk } = await keyPairFor("ES256K");
    const jws = await signCompactJws({ a: 1 }, privateJwk, "k");
    const [h, , s] = jws.split(".");
    await expect(verifyCompactJws(`${h}.${b64('{"a":2}')}.${s}`, publicJwk)).rejects.toThrow(
      /does not match/,
    );
  });
});

describe("signers", () => {
  it("signs as a did:key with the did:key verification method as kid", async () => {
    const { privateJwk, publicJwk } = await generateEd25519Jwk();
    const signer = await didKeySigner(privateJwk);
    expect(signer.did).toMatch(/^did:key:z6Mk/);
    expect(signer.kid).toBe(`${signer.did}#${signer.did.slice("did:key:".length)}`);
    expect(signer.alg).toBe("EdDSA");
    expect(signer.publicJwk).toEqual(publicJwk);
    const jws = await signer.signDetached(payload);
    expect(decodeDetachedJwsHeader(jws)).toEqual({ alg: "EdDSA", kid: signer.kid });
    await verifyDetached(jws, payload, publicJwk);
  });

  it("signs for an organization as did:web:<domain>#<thumbprint>", async () => {
    const { privateJwk, publicJwk } = await generateEd25519Jwk();
    const signer = await orgSigner("localhost:8080", privateJwk);
    expect(signer.did).toBe("did:web:localhost%3A8080");
    expect(signer.kid).toBe(`did:web:localhost%3A8080#${jwkThumbprint(publicJwk)}`);
    const compact = await signer.signCompact({ ok: true });
    expect((await verifyCompactJws(compact, publicJwk)).payload).toEqual({ ok: true });
  });
});
