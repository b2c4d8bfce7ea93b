import { hash, randomBytes, randomFillSync } from "node:crypto";

/** Random bytes for ids, drawn from a pool refilled 4 KB at a time (not for secrets). */
const pool = Buffer.alloc(4096);
let used = pool.length;

/** `bytes` random bytes as base64url: a fresh draw for every call, a refill every few hundred. */
export function randomToken(bytes: number): string {
  if (bytes > pool.length) return randomBytes(bytes).toString("base64url");
  if (used + bytes > pool.length) {
    randomFillSync(pool);
    used = 0;
  }
  const token = pool.toString("base64url", used, used + bytes);
  used += bytes;
  return token;
}

export type IdPrefix = "usr" | "agt" | "hld" | "bkg" | "ctr" | "evt" | "whk" | "mnt" | "sug";

/** A random id with its kind as prefix, e.g. `bkg_3f9…` (96 bits, base64url). */
export function newId(prefix: IdPrefix): string {
  return `${prefix}_${randomToken(12)}`;
}

export const ID_RE = /^(?:usr|agt|hld|bkg|ctr|evt|whk)_[A-Za-z0-9_-]{1,64}$/;

/** An agent's API key: shown once, stored only as its SHA-256. */
export function newAgentKey(): { key: string; keyHash: string } {
  const key = `cal_agent_${randomBytes(32).toString("base64url")}`;
  return { key, keyHash: hashAgentKey(key) };
}

/** A bearer token's SHA-256: an agent key's hash is its hex; the admin token is compared by it. */
export function tokenDigest(token: string): Buffer {
  // One-shot: no Hash object per request (half the time of createHash().update().digest()).
  return hash("sha256", token, "buffer");
}

export function hashAgentKey(key: string): string {
  return tokenDigest(key).toString("hex");
}
