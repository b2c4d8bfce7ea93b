/**
 * Key material: the organization's Ed25519 key (one file in DATA_DIR, created once) and
 * custodial user keys derived from it, so they need no storage and agree across processes.
 */
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  hkdfSync,
  randomBytes,
} from "node:crypto";
import { link, mkdir, readFile, unlink, writeFile } from "node:fs/promises";
import path from "node:path";
import type { JWK } from "jose";
import { rememberPrivateKeyObject } from "./jws.js";

export const ORG_KEY_FILE = "org-key.json";
const USER_KEY_INFO = "calendario custodial user key v1:";
const B64URL = /^[A-Za-z0-9_-]+$/;

export interface Ed25519KeyPair {
  privateJwk: JWK;
  publicJwk: JWK;
}

/** The public members of a JWK (RFC 7517/7518/8037), without private or optional members. */
export function publicJwkOf(jwk: JWK): JWK {
  if (jwk.kty === "OKP") return { kty: "OKP", crv: jwk.crv, x: jwk.x };
  if (jwk.kty === "EC") return { kty: "EC", crv: jwk.crv, x: jwk.x, y: jwk.y };
  throw new Error(`Unsupported key type ${String(jwk.kty)}: only OKP and EC keys are used`);
}

/** RFC 7638 JWK thumbprint (SHA-256, base64url); synchronous so DID documents can be built anywhere. */
export function jwkThumbprint(jwk: JWK): string {
  const pub = publicJwkOf(jwk);
  // Required members in lexicographic order, no whitespace, as RFC 7638 §3.2 prescribes.
  const text =
    pub.kty === "OKP"
      ? JSON.stringify({ crv: pub.crv, kty: pub.kty, x: pub.x })
      : JSON.stringify({ crv: pub.crv, kty: pub.kty, x: pub.x, y: pub.y });
  return createHash("sha256").update(text).digest("base64url");
}

function ed25519JwkFromSeed(seed: Buffer): JWK {
  // Imported as a JWK (its `d`), not PKCS#8 DER: OpenSSL 3's DER decoders cost ~0.7 ms a
  // key, a JWK ~0.05 ms, and start-up derives one key per user. Node builds the key from
  // `d` alone, so `x` is a placeholder here and the public key is read back from it.
  const key = createPrivateKey({
    key: { kty: "OKP", crv: "Ed25519", d: seed.toString("base64url"), x: "" },
    format: "jwk",
  });
  const { x } = createPublicKey(key).export({ format: "jwk" });
  const jwk: JWK = { kty: "OKP", crv: "Ed25519", x, d: seed.toString("base64url") };
  rememberPrivateKeyObject(jwk, key);
  return jwk;
}

export async function generateEd25519Jwk(): Promise<Ed25519KeyPair> {
  const { privateKey } = generateKeyPairSync("ed25519");
  const { kty, crv, x, d } = privateKey.export({ format: "jwk" });
  const privateJwk: JWK = { kty, crv, x, d };
  return { privateJwk, publicJwk: publicJwkOf(privateJwk) };
}

/** Why `value` is not an Ed25519 private JWK whose `x` matches its `d`, or undefined if it is. */
export function ed25519PrivateJwkProblem(value: unknown): string | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value))
    return "not a JSON object";
  const jwk = value as Record<string, unknown>;
  if (jwk.kty !== "OKP" || jwk.crv !== "Ed25519") return 'kty must be "OKP" and crv "Ed25519"';
  for (const member of ["d", "x"]) {
    const text = jwk[member];
    if (
      typeof text !== "string" ||
      !B64URL.test(text) ||
      Buffer.from(text, "base64url").length !== 32
    )
      return `"${member}" must be 32 bytes of base64url`;
  }
  const derived = ed25519JwkFromSeed(Buffer.from(jwk.d as string, "base64url"));
  if (derived.x !== jwk.x) return '"x" is not the public key of "d"';
  return undefined;
}

async function readOrgKeyIfPresent(file: string): Promise<JWK | undefined> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new Error(`${file} is not a valid Ed25519 private JWK: ${(err as Error).message}`);
  }
  const problem = ed25519PrivateJwkProblem(parsed);
  if (problem) throw new Error(`${file} is not a valid Ed25519 private JWK: ${problem}`);
  const { kty, crv, x, d } = parsed as JWK;
  return { kty, crv, x, d };
}

/**
 * The organization's private key from `<dataDir>/org-key.json`, created (mode 0600) on
 * first use. Creation writes a temporary file and hard-links it into place, so processes
 * starting together agree on one key and none ever reads a half-written file.
 */
export async function loadOrCreateOrgKey(dataDir: string): Promise<JWK> {
  const file = path.join(dataDir, ORG_KEY_FILE);
  const existing = await readOrgKeyIfPresent(file);
  if (existing) return existing;
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const { privateJwk } = await generateEd25519Jwk();
  const tmp = `${file}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`;
  await writeFile(tmp, `${JSON.stringify(privateJwk, null, 2)}\n`, { mode: 0o600, flag: "wx" });
  try {
    await link(tmp, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
  } finally {
    await unlink(tmp);
  }
  const created = await readOrgKeyIfPresent(file);
  if (!created) throw new Error(`${file} vanished right after it was created`);
  return created;
}

/**
 * A user's custodial Ed25519 key: HKDF-SHA256 over the organization key's seed, with the
 * username in `info`. Deterministic, so every node process derives the same key.
 */
export function deriveUserKey(orgPrivateJwk: JWK, username: string): JWK {
  if (typeof orgPrivateJwk.d !== "string")
    throw new Error("deriveUserKey needs the organization's private key");
  const ikm = Buffer.from(orgPrivateJwk.d, "base64url");
  const seed = hkdfSync("sha256", ikm, Buffer.alloc(0), `${USER_KEY_INFO}${username}`, 32);
  return ed25519JwkFromSeed(Buffer.from(seed));
}
