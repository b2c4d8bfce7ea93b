/**
 * Request tokens: the JWT a node (or its user) sends as `Authorization: Bearer` on a
 * federated request, binding issuer, audience, method, URL and body for at most five
 * minutes. Signing, and the first, synchronous half of verifying (no I/O, so a caller can
 * rate-limit before anything costly); request-token-signature.ts holds the second half.
 * The wire format is docs/PROTOCOL.md's "Request tokens".
 */
import { createHash, randomBytes } from "node:crypto";
import { AuthRequiredError } from "../errors.js";
import type { Signer } from "./signer.js";

export const REQUEST_TOKEN_TYP = "calendario-request+jwt";
export const REQUEST_TOKEN_ALGS = ["EdDSA", "ES256"] as const;
export type RequestTokenAlg = (typeof REQUEST_TOKEN_ALGS)[number];
export const REQUEST_TOKEN_MAX_LIFETIME_SECONDS = 300;
export const REQUEST_TOKEN_CLOCK_TOLERANCE_SECONDS = 30;
export const REQUEST_TOKEN_MAX_LENGTH = 8192;
const DEFAULT_LIFETIME_SECONDS = 60;

const B64URL = /^[A-Za-z0-9_-]+$/;
const JTI = /^[A-Za-z0-9_-]{16,128}$/;
const HTM = /^[A-Z]+$/;
const BH = /^[A-Za-z0-9_-]{43}$/;
// The DID syntax the resolver accepts; a kid is such a DID, "#", and a non-empty fragment.
const DID = /^did:[a-z0-9]+:[A-Za-z0-9._%:-]+$/;
const HEADER_MEMBERS = new Set(["alg", "kid", "typ"]);

export interface RequestTokenHeader {
  alg: RequestTokenAlg;
  kid: string;
  typ: typeof REQUEST_TOKEN_TYP;
}

export interface RequestTokenClaims {
  iss: string;
  aud: string;
  iat: number;
  exp: number;
  jti: string;
  htm: string;
  htu: string;
  bh: string;
  /** Claims this profile does not define are kept, unread. */
  [claim: string]: unknown;
}

/** A token whose header and claims passed every check that needs no I/O. */
export interface ParsedRequestToken {
  header: RequestTokenHeader;
  claims: RequestTokenClaims;
  /** The compact token as received; its signature is not yet verified. */
  token: string;
}

export interface ExpectedRequest {
  /** This node's DID. */
  aud: string;
  /** The request's method, upper case. */
  htm: string;
  /** PUBLIC_URL + path: absolute, without query or fragment. */
  htu: string;
  /** The exact body bytes received (empty when there is none). */
  body: Uint8Array;
}

/** base64url (no padding) of SHA-256 of the exact body bytes (a string is read as UTF-8). */
export function bodyHash(body: Uint8Array | string): string {
  return createHash("sha256").update(body).digest("base64url");
}

function isAbsoluteUrlWithoutQuery(value: string): boolean {
  if (value.includes("?") || value.includes("#")) return false;
  try {
    const url = new URL(value);
    return url.protocol === "https:" || url.protocol === "http:";
  } catch {
    return false;
  }
}

function isAlg(value: unknown): value is RequestTokenAlg {
  return REQUEST_TOKEN_ALGS.includes(value as RequestTokenAlg);
}

export interface SignRequestTokenInput {
  aud: string;
  htm: string;
  htu: string;
  body: Uint8Array | string;
  /** Epoch milliseconds; `iat` is its whole seconds. */
  now: number;
  /** Default 60, at most 300. */
  lifetimeSeconds?: number;
  /** Default 22 random base64url characters. */
  jti?: string;
}

/** A request token signed by `signer` (EdDSA or ES256), `iss` the signer's DID. */
export async function signRequestToken(
  signer: Signer,
  input: SignRequestTokenInput,
): Promise<string> {
  const lifetime = input.lifetimeSeconds ?? DEFAULT_LIFETIME_SECONDS;
  const jti = input.jti ?? randomBytes(16).toString("base64url");
  if (!isAlg(signer.alg))
    throw new RangeError(`request tokens are signed with EdDSA or ES256, not ${signer.alg}`);
  if (!Number.isInteger(lifetime) || lifetime < 1 || lifetime > REQUEST_TOKEN_MAX_LIFETIME_SECONDS)
    throw new RangeError(`lifetimeSeconds must be an integer from 1 to 300, not ${lifetime}`);
  if (!JTI.test(jti)) throw new RangeError("jti must be 16-128 characters of [A-Za-z0-9_-]");
  if (!DID.test(input.aud)) throw new RangeError(`aud ${input.aud} is not a DID`);
  if (!HTM.test(input.htm)) throw new RangeError(`htm ${input.htm} is not an upper-case method`);
  if (!isAbsoluteUrlWithoutQuery(input.htu))
    throw new RangeError(`htu ${input.htu} is not an absolute URL without query or fragment`);
  const iat = Math.floor(input.now / 1000);
  return signer.signJwt(
    { typ: REQUEST_TOKEN_TYP },
    {
      iss: signer.did,
      aud: input.aud,
      iat,
      exp: iat + lifetime,
      jti,
      htm: input.htm,
      htu: input.htu,
      bh: bodyHash(input.body),
    },
  );
}

function invalid(message: string): AuthRequiredError {
  return new AuthRequiredError(`request token: ${message}`, "invalid_token");
}

function decodeJsonObject(part: string, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(part, "base64url").toString("utf8"));
  } catch {
    throw invalid(`the ${what} is not base64url-encoded JSON`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw invalid(`the ${what} is not a JSON object`);
  return value as Record<string, unknown>;
}

function checkHeader(header: Record<string, unknown>): RequestTokenHeader {
  const { alg, kid, typ } = header;
  if (!Object.keys(header).every((member) => HEADER_MEMBERS.has(member)))
    throw invalid("the header may have only alg, kid and typ");
  if (typ !== REQUEST_TOKEN_TYP) throw invalid(`typ must be "${REQUEST_TOKEN_TYP}"`);
  if (!isAlg(alg)) throw invalid("alg must be EdDSA or ES256");
  if (typeof kid !== "string") throw invalid("the header has no kid");
  const hash = kid.indexOf("#");
  if (hash < 0 || hash === kid.length - 1 || !DID.test(kid.slice(0, hash)))
    throw invalid("kid must be a DID URL did:…#fragment");
  return { alg, kid, typ };
}

function integerClaim(claims: Record<string, unknown>, name: string): number {
  const value = claims[name];
  if (value === undefined) throw invalid(`the ${name} claim is missing`);
  if (!Number.isSafeInteger(value) || (value as number) < 0)
    throw invalid(`${name} must be a whole number of seconds since the epoch`);
  return value as number;
}

function stringClaim(claims: Record<string, unknown>, name: string): string {
  const value = claims[name];
  if (value === undefined) throw invalid(`the ${name} claim is missing`);
  if (typeof value !== "string") throw invalid(`${name} must be a string`);
  return value;
}

function checkTimes(claims: Record<string, unknown>, now: number): void {
  const iat = integerClaim(claims, "iat");
  const exp = integerClaim(claims, "exp");
  const toleranceMs = REQUEST_TOKEN_CLOCK_TOLERANCE_SECONDS * 1000;
  if (exp <= iat) throw invalid("exp must be later than iat");
  if (exp - iat > REQUEST_TOKEN_MAX_LIFETIME_SECONDS)
    throw invalid(`exp - iat is ${exp - iat} s, more than ${REQUEST_TOKEN_MAX_LIFETIME_SECONDS} s`);
  if (iat * 1000 > now + toleranceMs) throw invalid("iat is in the future (more than 30 s)");
  if (now >= exp * 1000 + toleranceMs)
    throw new AuthRequiredError("request token: the token has expired", "token_expired");
  if (claims.nbf !== undefined && integerClaim(claims, "nbf") * 1000 > now + toleranceMs)
    throw invalid("nbf is in the future (more than 30 s)");
}

/**
 * Decodes a request token and checks everything that needs neither I/O nor state: form
 * and size, header (`typ`, `alg` EdDSA|ES256, `kid` a DID URL of `iss`), every claim,
 * times (30 s tolerance), `aud`, `htm`, `htu` and `bh` against the request. `now` is epoch
 * milliseconds. Throws AuthRequiredError: `token_expired`, `invalid_audience`, otherwise
 * `invalid_token`. The signature is not checked: see verifyRequestTokenSignature.
 */
export function parseRequestToken(
  token: string,
  expected: ExpectedRequest,
  now: number,
): ParsedRequestToken {
  if (typeof token !== "string" || token.length === 0)
    throw new AuthRequiredError("request token: no token was given", "invalid_token");
  if (token.length > REQUEST_TOKEN_MAX_LENGTH)
    throw invalid(`the token is longer than ${REQUEST_TOKEN_MAX_LENGTH} characters`);
  const parts = token.split(".");
  if (parts.length !== 3 || !parts.every((part) => B64URL.test(part)))
    throw invalid("the token is not three base64url parts (header.claims.signature)");
  const [headerB64 = "", claimsB64 = ""] = parts;
  const header = checkHeader(decodeJsonObject(headerB64, "header"));
  const claims = decodeJsonObject(claimsB64, "claims part");

  const iss = stringClaim(claims, "iss");
  if (!DID.test(iss)) throw invalid("iss must be a DID");
  if (header.kid.slice(0, header.kid.indexOf("#")) !== iss)
    throw invalid("kid must be a verification method of the iss DID");
  checkTimes(claims, now);
  if (claims.aud === undefined) throw invalid("the aud claim is missing");
  if (claims.aud !== expected.aud)
    throw new AuthRequiredError(
      `request token: aud must be this node's DID ${expected.aud}, as a single string`,
      "invalid_audience",
    );
  const jti = stringClaim(claims, "jti");
  if (!JTI.test(jti)) throw invalid("jti must be 16-128 characters of [A-Za-z0-9_-]");
  const htm = stringClaim(claims, "htm");
  if (!HTM.test(htm)) throw invalid("htm must be an upper-case HTTP method");
  if (htm !== expected.htm) throw invalid(`htm does not match the request method ${expected.htm}`);
  const htu = stringClaim(claims, "htu");
  if (!isAbsoluteUrlWithoutQuery(htu))
    throw invalid("htu must be an absolute http(s) URL without query or fragment");
  if (htu !== expected.htu) throw invalid(`htu does not match the request URL ${expected.htu}`);
  const bh = stringClaim(claims, "bh");
  if (!BH.test(bh)) throw invalid("bh must be 43 base64url characters (SHA-256, no padding)");
  if (bh !== bodyHash(expected.body)) throw invalid("bh does not match the request body");
  return { header, claims: claims as RequestTokenClaims, token };
}
