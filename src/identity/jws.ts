/**
 * Compact JWS: detached (RFC 7515 appendix F — an ordinary JWS over BASE64URL(payload)
 * whose middle part is removed, `header..signature`) for profile proofs, and attached for
 * signed checkpoints and callbacks. Signing uses node:crypto with the key parsed once per
 * signer (Ed25519 is deterministic: the same bytes jose would give); verifying EdDSA and
 * ES256 goes through jose, and ES256K (which jose 6 dropped) through node:crypto.
 */
import { createPrivateKey, createPublicKey, type KeyObject, sign, verify } from "node:crypto";
import { errors, flattenedVerify, importJWK, type JWK } from "jose";
import { JwsError } from "./errors.js";
import { canonicalJson } from "./jcs.js";

export const SUPPORTED_JWS_ALGS = ["EdDSA", "ES256K", "ES256"] as const;
export type JwsAlg = (typeof SUPPORTED_JWS_ALGS)[number];

const CURVE_OF_ALG: Record<JwsAlg, string> = {
  EdDSA: "Ed25519",
  ES256K: "secp256k1",
  ES256: "P-256",
};
const B64URL = /^[A-Za-z0-9_-]+$/;

export interface JwsHeader {
  alg: string;
  kid: string;
  [member: string]: unknown;
}

export function isSupportedAlg(alg: unknown): alg is JwsAlg {
  return SUPPORTED_JWS_ALGS.includes(alg as JwsAlg);
}

/** The JWS `alg` for a key, from its curve. */
export function algForJwk(jwk: JWK): JwsAlg {
  const alg = SUPPORTED_JWS_ALGS.find((a) => CURVE_OF_ALG[a] === jwk.crv);
  if (!alg)
    throw new JwsError("unsupported_alg", `no supported JWS algorithm for key curve ${jwk.crv}`);
  return alg;
}

function assertKeyFitsAlg(jwk: JWK, alg: JwsAlg): void {
  const kty = alg === "EdDSA" ? "OKP" : "EC";
  if (jwk.kty !== kty || jwk.crv !== CURVE_OF_ALG[alg])
    throw new JwsError("key_alg_mismatch", `a ${jwk.kty}/${jwk.crv} key cannot verify ${alg}`);
}

function encode(bytes: Uint8Array | string): string {
  return Buffer.from(bytes).toString("base64url");
}

function malformed(jws: string, detail: string): JwsError {
  const shown = jws.length > 48 ? `${jws.slice(0, 45)}...` : jws;
  const placeholder =
    /\.\.\.$|…/.test(jws) || /\.$/.test(jws)
      ? " It looks like a placeholder or a truncated example, not a real signature."
      : "";
  return new JwsError(
    "malformed_jws",
    `jws "${shown}" is malformed: ${detail}; expected "<header>..<signature>" (RFC 7515 appendix F).${placeholder}`,
  );
}

/** The protected header of a detached compact JWS; throws JwsError `malformed_jws`. */
export function decodeDetachedJwsHeader(jws: string): JwsHeader {
  const parts = jws.split(".");
  if (parts.length !== 3) throw malformed(jws, `it has ${parts.length} part(s), not 3`);
  const [header = "", middle, signature = ""] = parts;
  if (middle !== "") throw malformed(jws, "the payload part is not empty (not a detached JWS)");
  if (!B64URL.test(header)) throw malformed(jws, "the header is not base64url");
  if (!B64URL.test(signature)) throw malformed(jws, "the signature is missing or not base64url");
  return parseHeader(jws, header);
}

function parseHeader(jws: string, encoded: string): JwsHeader {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(encoded, "base64url").toString("utf8"));
  } catch {
    throw malformed(jws, "the header is not base64url-encoded JSON");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw malformed(jws, "the header is not a JSON object");
  const header = value as Record<string, unknown>;
  if (typeof header.alg !== "string") throw malformed(jws, "the header has no alg");
  if (typeof header.kid !== "string") throw malformed(jws, "the header has no kid");
  // Both change how the payload is read (RFC 7797 b64:false); we only speak plain JWS.
  if ("crit" in header || "b64" in header)
    throw malformed(jws, "the header uses crit/b64, which this profile does not allow");
  return header as JwsHeader;
}

interface JwsParts {
  header: string;
  payload: string;
  signature: string;
}

/** Protected header members besides `alg` and `kid`, e.g. a JWT's `typ`. */
export interface JwsHeaderExtras {
  typ?: string;
}

/** Private keys parsed once per JWK object: a signer signs many times with one key. */
const privateKeyObjects = new WeakMap<JWK, KeyObject>();

/** Records the key object a JWK was made from, so signing with it parses nothing. */
export function rememberPrivateKeyObject(jwk: JWK, key: KeyObject): void {
  privateKeyObjects.set(jwk, key);
}

function privateKeyObjectOf(jwk: JWK): KeyObject {
  let key = privateKeyObjects.get(jwk);
  if (!key) {
    key = createPrivateKey({ key: jwk as never, format: "jwk" });
    privateKeyObjects.set(jwk, key);
  }
  return key;
}

/** The JWS signature (RFC 7515 §5.1) of the signing input, with node:crypto for every alg. */
function signatureOf(input: Buffer, key: KeyObject, alg: JwsAlg): string {
  // Ed25519 hashes internally (no digest); ECDSA gives r||s, as JWS wants (RFC 7518 §3.4).
  const signature =
    alg === "EdDSA"
      ? sign(null, input, key)
      : sign("sha256", input, { key, dsaEncoding: "ieee-p1363" });
  return signature.toString("base64url");
}

async function signJws(
  payload: Uint8Array,
  privateJwk: JWK,
  kid: string,
  alg: JwsAlg,
  extras: JwsHeaderExtras = {},
): Promise<JwsParts> {
  assertKeyFitsAlg(privateJwk, alg);
  // Built member by member so the header is exactly `{alg, kid[, typ]}`, in that order.
  const protectedHeader: Record<string, string> = { alg, kid };
  if (extras.typ !== undefined) protectedHeader.typ = extras.typ;
  const header = encode(JSON.stringify(protectedHeader));
  const body = encode(payload);
  const signature = signatureOf(
    Buffer.from(`${header}.${body}`),
    privateKeyObjectOf(privateJwk),
    alg,
  );
  return { header, payload: body, signature };
}

export interface SignOptions {
  kid: string;
  alg?: JwsAlg;
}

/** `header..signature` over `payload`, protected header exactly `{alg, kid}`. */
export async function signDetached(
  payload: Uint8Array,
  privateJwk: JWK,
  opts: SignOptions,
): Promise<string> {
  const jws = await signJws(payload, privateJwk, opts.kid, opts.alg ?? algForJwk(privateJwk));
  return `${jws.header}..${jws.signature}`;
}

/**
 * A compact JWS with the JCS form of `payload` attached, protected header `{alg, kid}`
 * (plus `typ` when `extras` gives one, as a JWT's header does).
 */
export async function signCompactJws(
  payload: unknown,
  privateJwk: JWK,
  kid: string,
  alg?: JwsAlg,
  extras?: JwsHeaderExtras,
): Promise<string> {
  const bytes = Buffer.from(canonicalJson(payload));
  const jws = await signJws(bytes, privateJwk, kid, alg ?? algForJwk(privateJwk), extras);
  return `${jws.header}.${jws.payload}.${jws.signature}`;
}

async function verifyParts(
  header: JwsHeader,
  headerB64: string,
  payloadB64: string,
  signature: string,
  key: JWK,
) {
  if (!isSupportedAlg(header.alg))
    throw new JwsError(
      "unsupported_alg",
      `alg "${header.alg}" is not accepted (EdDSA, ES256K, ES256)`,
    );
  assertKeyFitsAlg(key, header.alg);
  if (header.alg === "ES256K") {
    const publicKey = createPublicKey({ key: key as never, format: "jwk" });
    const ok = verify(
      "sha256",
      Buffer.from(`${headerB64}.${payloadB64}`),
      { key: publicKey, dsaEncoding: "ieee-p1363" },
      Buffer.from(signature, "base64url"),
    );
    if (!ok)
      throw new JwsError("signature_mismatch", "the signature does not match the payload and key");
    return;
  }
  try {
    await flattenedVerify(
      { protected: headerB64, payload: payloadB64, signature },
      await importJWK(key, header.alg),
      { algorithms: [header.alg] },
    );
  } catch (err) {
    if (err instanceof errors.JWSSignatureVerificationFailed)
      throw new JwsError("signature_mismatch", "the signature does not match the payload and key");
    throw new JwsError("malformed_jws", `the JWS cannot be verified: ${(err as Error).message}`);
  }
}

/** Verifies a detached JWS over `payload` with `publicKey`; returns its protected header. */
export async function verifyDetached(
  jws: string,
  payload: Uint8Array,
  publicKey: JWK,
): Promise<JwsHeader> {
  const header = decodeDetachedJwsHeader(jws);
  const [headerB64 = "", , signature = ""] = jws.split(".");
  await verifyParts(header, headerB64, encode(payload), signature, publicKey);
  return header;
}

/** Verifies an attached compact JWS; returns its header and parsed JSON payload. */
export async function verifyCompactJws(jws: string, publicKey: JWK) {
  const parts = jws.split(".");
  const [headerB64 = "", payloadB64 = "", signature = ""] = parts;
  if (parts.length !== 3 || ![headerB64, payloadB64, signature].every((p) => B64URL.test(p)))
    throw malformed(jws, "it is not three base64url parts");
  const header = parseHeader(jws, headerB64);
  await verifyParts(header, headerB64, payloadB64, signature, publicKey);
  let payload: unknown;
  try {
    payload = JSON.parse(Buffer.from(payloadB64, "base64url").toString("utf8"));
  } catch {
    throw malformed(jws, "the payload is not JSON");
  }
  return { header, payload };
}
