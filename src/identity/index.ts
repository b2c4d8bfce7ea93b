/** Identity: keys, did:key and did:web, JCS, detached-JWS signatures and DID resolution. */
export {
  didKeyToPublicJwk,
  didKeyVerificationMethod,
  multibaseToPublicJwk,
  publicJwkToDidKey,
  publicJwkToMultibase,
} from "./did-key.js";
export {
  buildDidWebDocument,
  DID_CONTEXT,
  didWebForDomain,
  didWebHost,
  didWebToUrls,
} from "./did-web.js";
export {
  DidResolutionError,
  type DidResolutionReason,
  JwsError,
  type JwsReason,
  VerificationMethodError,
  type VerificationMethodReason,
  type VerificationRelationship,
} from "./errors.js";
export { canonicalJson } from "./jcs.js";
export {
  algForJwk,
  decodeDetachedJwsHeader,
  isSupportedAlg,
  type JwsAlg,
  type JwsHeader,
  SUPPORTED_JWS_ALGS,
  signCompactJws,
  signDetached,
  verifyCompactJws,
  verifyDetached,
} from "./jws.js";
export {
  deriveUserKey,
  type Ed25519KeyPair,
  ed25519PrivateJwkProblem,
  generateEd25519Jwk,
  jwkThumbprint,
  loadOrCreateOrgKey,
  ORG_KEY_FILE,
  publicJwkOf,
} from "./keys.js";
export {
  createDidResolver,
  type DidResolver,
  type DidResolverOptions,
  type ResolveOptions,
} from "./resolver.js";
export { createSigner, didKeySigner, orgSigner, type Signer } from "./signer.js";
export { findVerificationKey } from "./verification-key.js";
