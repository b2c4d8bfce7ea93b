/**
 * The second half of verifying a request token: resolve its issuer, pick the `kid` from
 * the issuer's `authentication` keys and check the signature over the token's signing
 * input with node:crypto, the key imported once. did-jwt's verifyJWT is not used: it
 * accepts tokens without `aud` or `exp` and ignores `kid`. jose's compactVerify is not
 * used on this path either: its WebCrypto Ed25519 verify is asynchronous and ran at half
 * the rate of a synchronous `crypto.verify`, on the path every request from another
 * node takes (parseRequestToken has already checked the header, with `alg` pinned).
 */
import { createPublicKey, type KeyObject, verify } from "node:crypto";
import type { DIDDocument } from "did-resolver";
import type { JWK } from "jose";
import { AuthRequiredError } from "../errors.js";
import { VerificationMethodError } from "./errors.js";
import type { ForcedRefreshLimiter } from "./forced-refresh-limiter.js";
import type { ParsedRequestToken, RequestTokenAlg, RequestTokenClaims } from "./request-token.js";
import type { DidResolver } from "./resolver.js";
import { findVerificationKey } from "./verification-key.js";

export interface VerifiedRequestToken {
  iss: string;
  kid: string;
  jti: string;
  exp: number;
  claims: RequestTokenClaims;
}

export interface RequestTokenVerifierDeps {
  resolver: DidResolver;
  refreshLimiter: ForcedRefreshLimiter;
}

const KEY_OF_ALG: Record<RequestTokenAlg, { kty: string; crv: string }> = {
  EdDSA: { kty: "OKP", crv: "Ed25519" },
  ES256: { kty: "EC", crv: "P-256" },
};

// Imported keys, by alg and key material (never by kid, which a rotation reuses).
const MAX_IMPORTED_KEYS = 1000;
const importedKeys = new Map<string, KeyObject>();

function importKey(jwk: JWK, alg: RequestTokenAlg): KeyObject {
  const id = `${alg} ${jwk.kty} ${jwk.crv} ${jwk.x} ${jwk.y ?? ""}`;
  let key = importedKeys.get(id);
  if (!key) {
    const { kty, crv, x, y } = jwk;
    key = createPublicKey({
      key: { kty, crv, x, ...(y !== undefined && { y }) } as never,
      format: "jwk",
    });
    importedKeys.set(id, key);
    if (importedKeys.size > MAX_IMPORTED_KEYS) {
      const oldest = importedKeys.keys().next().value;
      if (oldest !== undefined) importedKeys.delete(oldest);
    }
  }
  return key;
}

function invalid(message: string, cause?: unknown): AuthRequiredError {
  return new AuthRequiredError(`request token: ${message}`, "invalid_token", cause);
}

/** Undefined when the signature verifies against `doc`, else the error to report. */
async function signatureProblem(
  parsed: ParsedRequestToken,
  doc: DIDDocument,
): Promise<AuthRequiredError | undefined> {
  const { alg, kid } = parsed.header;
  let jwk: JWK;
  try {
    jwk = findVerificationKey(doc, kid, "authentication");
  } catch (err) {
    if (!(err instanceof VerificationMethodError)) throw err;
    if (err.reason === "verification_method_not_found")
      return invalid("kid is not a verification method in the DID document of iss", err);
    if (err.reason === "key_not_in_authentication")
      return invalid("kid is not listed under authentication in the DID document of iss", err);
    return invalid("the key kid names is of a type this node cannot verify", err);
  }
  const expected = KEY_OF_ALG[alg];
  if (jwk.kty !== expected.kty || jwk.crv !== expected.crv)
    return invalid(`the key kid names is not a ${expected.crv} key, as alg ${alg} needs`);
  const lastDot = parsed.token.lastIndexOf(".");
  const signingInput = Buffer.from(parsed.token.slice(0, lastDot), "ascii");
  const signature = Buffer.from(parsed.token.slice(lastDot + 1), "base64url");
  let ok: boolean;
  try {
    ok =
      alg === "EdDSA"
        ? verify(null, signingInput, importKey(jwk, alg), signature)
        : verify(
            "sha256",
            signingInput,
            { key: importKey(jwk, alg), dsaEncoding: "ieee-p1363" },
            signature,
          );
  } catch (err) {
    return invalid("the token cannot be verified with the key kid names", err);
  }
  return ok ? undefined : invalid("the signature does not verify with the key kid names");
}

/**
 * Verifies the signature of a token parseRequestToken accepted: resolves `iss` through
 * `deps.resolver` (cached), requires `kid` under the document's `authentication`, and
 * verifies with jose, `algorithms` limited to the header's `alg` (EdDSA or ES256).
 *
 * When the key is missing or the signature fails, `iss` is resolved once more with
 * `forceRefresh` (the key may have been rotated), at most once per `deps.refreshLimiter`
 * interval per DID (tokens arriving while that refresh runs wait for it), and the token
 * is checked again.
 *
 * Two kinds of failure, for two different answers:
 * - AuthRequiredError `invalid_token` (401): the token does not verify;
 * - DidResolutionError (from the resolver, untouched; the caller answers 502
 *   `peer_unreachable`, retryable): `iss` could not be resolved, on the first resolution
 *   or the forced one. That is the peer's or the network's failure, not the token's.
 *
 * It does not record `jti`; replay protection is the caller's next, stateful step.
 */
export async function verifyRequestTokenSignature(
  parsed: ParsedRequestToken,
  deps: RequestTokenVerifierDeps,
): Promise<VerifiedRequestToken> {
  const { claims, header } = parsed;
  const doc = await deps.resolver.resolve(claims.iss);
  let problem = await signatureProblem(parsed, doc);
  // A did:key document is its key: there is nothing to refresh.
  const refreshed =
    problem && !claims.iss.startsWith("did:key:")
      ? deps.refreshLimiter.refresh(claims.iss, () =>
          deps.resolver.resolve(claims.iss, { forceRefresh: true }),
        )
      : undefined;
  if (refreshed) problem = await signatureProblem(parsed, await refreshed);
  if (problem) throw problem;
  return { iss: claims.iss, kid: header.kid, jti: claims.jti, exp: claims.exp, claims };
}
