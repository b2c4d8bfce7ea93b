/**
 * Picks the public key a signature must verify against out of a DID document: the
 * method must be listed (by reference or embedded) under the relationship asked for.
 */
import type { DIDDocument, VerificationMethod } from "did-resolver";
import type { JWK } from "jose";
import { base58btc } from "multiformats/bases/base58";
import { ecPointToJwk, multibaseToPublicJwk, UnsupportedKeyError } from "./did-key.js";
import { VerificationMethodError, type VerificationRelationship } from "./errors.js";

const SUPPORTED_CURVES: Record<string, string> = { Ed25519: "OKP", "P-256": "EC", secp256k1: "EC" };

function unsupported(method: VerificationMethod, why: string): VerificationMethodError {
  return new VerificationMethodError(
    "unsupported_key_type",
    `verification method ${method.id} (${method.type}): ${why}`,
  );
}

function jwkFromPublicKeyJwk(method: VerificationMethod, jwk: unknown): JWK {
  if (typeof jwk !== "object" || jwk === null)
    throw unsupported(method, "publicKeyJwk is not an object");
  const { kty, crv, x, y, d } = jwk as Record<string, unknown>;
  if (d !== undefined) throw unsupported(method, "publicKeyJwk contains a private key");
  if (typeof crv !== "string" || SUPPORTED_CURVES[crv] !== kty || typeof x !== "string")
    throw unsupported(
      method,
      `key ${String(kty)}/${String(crv)} is not Ed25519, P-256 or secp256k1`,
    );
  if (kty === "OKP") return { kty, crv, x };
  if (typeof y !== "string") throw unsupported(method, "EC publicKeyJwk without y");
  return { kty: "EC", crv, x, y };
}

function rawKeyJwk(method: VerificationMethod, bytes: Uint8Array): JWK {
  if (/Ed25519/.test(method.type)) {
    if (bytes.length !== 32) throw unsupported(method, "an Ed25519 key is 32 bytes");
    return { kty: "OKP", crv: "Ed25519", x: Buffer.from(bytes).toString("base64url") };
  }
  if (/Secp256k1/i.test(method.type)) return ecPointToJwk("secp256k1", bytes);
  throw unsupported(method, "raw keys are read only for Ed25519 and secp256k1 methods");
}

function methodPublicJwk(method: VerificationMethod): JWK {
  try {
    if (method.publicKeyJwk !== undefined) return jwkFromPublicKeyJwk(method, method.publicKeyJwk);
    if (typeof method.publicKeyMultibase === "string") {
      // Multikey and Ed25519VerificationKey2020 carry a multicodec prefix; 2018 suites do not.
      if (/2018$/.test(method.type))
        return rawKeyJwk(method, base58btc.decode(method.publicKeyMultibase));
      return multibaseToPublicJwk(method.publicKeyMultibase);
    }
    if (typeof method.publicKeyBase58 === "string")
      return rawKeyJwk(method, base58btc.baseDecode(method.publicKeyBase58));
  } catch (err) {
    if (err instanceof VerificationMethodError) throw err;
    if (err instanceof UnsupportedKeyError) throw unsupported(method, err.message);
    throw unsupported(method, "the public key cannot be decoded");
  }
  throw unsupported(method, "no publicKeyJwk, publicKeyMultibase or publicKeyBase58");
}

function isMethod(value: unknown): value is VerificationMethod {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as { id?: unknown }).id === "string"
  );
}

/**
 * The public JWK of `verificationMethodId` in `doc`, which must list that method under
 * `relationship`. Relative ids (`#key-1`) are read against the document's id.
 */
export function findVerificationKey(
  doc: DIDDocument,
  verificationMethodId: string,
  relationship: VerificationRelationship,
): JWK {
  const absolute = (id: string) => (id.startsWith("#") ? `${doc.id}${id}` : id);
  const listed: unknown[] = Array.isArray(doc[relationship])
    ? (doc[relationship] as unknown[])
    : [];
  const declared: unknown[] = Array.isArray(doc.verificationMethod) ? doc.verificationMethod : [];
  let inRelationship = false;
  let method: VerificationMethod | undefined;
  for (const entry of listed) {
    if (typeof entry === "string" && absolute(entry) === verificationMethodId)
      inRelationship = true;
    if (isMethod(entry) && absolute(entry.id) === verificationMethodId) {
      inRelationship = true;
      method = entry;
    }
  }
  method ??= declared.filter(isMethod).find((m) => absolute(m.id) === verificationMethodId);
  if (!method)
    throw new VerificationMethodError(
      "verification_method_not_found",
      `${doc.id} has no verification method ${verificationMethodId}`,
    );
  if (!inRelationship)
    throw new VerificationMethodError(
      `key_not_in_${relationship}`,
      `${verificationMethodId} is not listed under ${relationship} in the DID document of ${doc.id}`,
    );
  return methodPublicJwk(method);
}
