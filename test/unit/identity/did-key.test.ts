import { generateKeyPairSync } from "node:crypto";
import { Resolver } from "did-resolver";
import type { JWK } from "jose";
import { getResolver } from "key-did-resolver";
import { base58btc } from "multiformats/bases/base58";
import { describe, expect, it } from "vitest";
import {
  didKeyToPublicJwk,
  didKeyVerificationMethod,
  findVerificationKey,
  generateEd25519Jwk,
  multibaseToPublicJwk,
  publicJwkOf,
  publicJwkToDidKey,
} from "../../../src/identity/index.js";

const keyResolver = new Resolver(getResolver());

async function resolveWithKeyDidResolver(did: string) {
  const result = await keyResolver.resolve(did);
  expect(result.didResolutionMetadata.error).toBeUndefined();
  return result.didDocument!;
}

function ecPublicJwk(namedCurve: "secp256k1" | "prime256v1"): JWK {
  const { publicKey } = generateKeyPairSync("ec", { namedCurve });
  return publicJwkOf(publicKey.export({ format: "jwk" }) as JWK);
}

describe("publicJwkToDidKey", () => {
  it("encodes the RFC 8037 test key as its known did:key", () => {
    const did = publicJwkToDidKey({
      kty: "OKP",
      crv: "Ed25519",
      x: "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo",
    });
    expect(did).toBe("did:key:z6MktwupdmLXVVqTzCw4i46r4uGyosGXRnR3XjN4Zq7oMMsw");
  });

  it("names the verification method did#<multibase key>, as the did:key spec does", () => {
    const did = "did:key:z6MktwupdmLXVVqTzCw4i46r4uGyosGXRnR3XjN4Zq7oMMsw";
    expect(didKeyVerificationMethod(did)).toBe(
      `${did}#z6MktwupdmLXVVqTzCw4i46r4uGyosGXRnR3XjN4Zq7oMMsw`,
    );
  });

  it("round-trips Ed25519 keys through key-did-resolver", async () => {
    for (let i = 0; i < 10; i++) {
      const { publicJwk } = await generateEd25519Jwk();
      const did = publicJwkToDidKey(publicJwk);
      expect(did).toMatch(/^did:key:z6Mk/);
      const doc = await resolveWithKeyDidResolver(did);
      expect(doc.id).toBe(did);
      const vm = doc.verificationMethod?.[0];
      expect(vm?.id).toBe(didKeyVerificationMethod(did));
      expect(vm?.type).toBe("Ed25519VerificationKey2018");
      expect(Buffer.from(base58btc.baseDecode(vm!.publicKeyBase58!)).toString("base64url")).toBe(
        publicJwk.x,
      );
      expect(doc.assertionMethod).toContain(didKeyVerificationMethod(did));
      expect(findVerificationKey(doc, didKeyVerificationMethod(did), "assertionMethod")).toEqual(
        publicJwk,
      );
      expect(didKeyToPublicJwk(did)).toEqual(publicJwk);
    }
  });

  it.each([
    ["secp256k1", "secp256k1", /^did:key:zQ3s/],
    ["P-256", "prime256v1", /^did:key:zDn/],
  ] as const)("round-trips %s keys through key-did-resolver", async (_crv, curve, prefix) => {
    const publicJwk = ecPublicJwk(curve);
    const did = publicJwkToDidKey(publicJwk);
    expect(did).toMatch(prefix);
    const doc = await resolveWithKeyDidResolver(did);
    expect(findVerificationKey(doc, didKeyVerificationMethod(did), "assertionMethod")).toEqual(
      publicJwk,
    );
    expect(didKeyToPublicJwk(did)).toEqual(publicJwk);
  });
});

describe("multibaseToPublicJwk", () => {
  it("refuses an unknown multicodec and a value that is not base58btc", () => {
    expect(() => multibaseToPublicJwk("z6LSnkZe3JZPCo88XsdQVJi8j1TomzX2yRW7ZnvvWhmrSdmG")).toThrow(
      /multicodec/,
    );
    expect(() => multibaseToPublicJwk("not-base58")).toThrow(/base58btc/);
  });

  it("refuses a did that is not a did:key", () => {
    expect(() => didKeyVerificationMethod("did:web:acme.example")).toThrow(/not a did:key/);
  });
});
