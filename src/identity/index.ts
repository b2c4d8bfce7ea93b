/**
 * Identity: keys, did:key and did:web, JCS, detached-JWS signatures, DID resolution and
 * the request tokens of federated requests.
 */
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
  type DuplicateMember,
  DuplicateMemberError,
  findDuplicateMember,
  parseJsonWithoutDuplicates,
} from "./duplicate-members.js";
export {
  DidResolutionError,
  type DidResolutionReason,
  JwsError,
  type JwsReason,
  VerificationMethodError,
  type VerificationMethodReason,
  type VerificationRelationship,
} from "./errors.js";
export {
  createForcedRefreshLimiter,
  type ForcedRefreshLimiter,
} from "./forced-refresh-limiter.js";
export { canonicalJson } from "./jcs.js";
export {
  algForJwk,
  decodeDetachedJwsHeader,
  isSupportedAlg,
  type JwsAlg,
  type JwsHeader,
  type JwsHeaderExtras,
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
  bodyHash,
  type ExpectedRequest,
  type ParsedRequestToken,
  parseRequestToken,
  REQUEST_TOKEN_ALGS,
  REQUEST_TOKEN_CLOCK_TOLERANCE_SECONDS,
  REQUEST_TOKEN_MAX_LENGTH,
  REQUEST_TOKEN_MAX_LIFETIME_SECONDS,
  REQUEST_TOKEN_TYP,
  type RequestTokenAlg,
  type RequestTokenClaims,
  type RequestTokenHeader,
  type SignRequestTokenInput,
  signRequestToken,
} from "./request-token.js";
export {
  type RequestTokenVerifierDeps,
  type VerifiedRequestToken,
  verifyRequestTokenSignature,
} from "./request-token-signature.js";
export {
  createDidResolver,
  type DidResolver,
  type DidResolverOptions,
  type ResolveOptions,
} from "./resolver.js";
export { createSigner, didKeySigner, orgSigner, type Signer } from "./signer.js";
export { findVerificationKey } from "./verification-key.js";
