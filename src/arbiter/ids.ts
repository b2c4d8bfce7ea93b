import { createHash, randomBytes } from "node:crypto";

export type IdPrefix = "usr" | "agt" | "hld" | "bkg" | "ctr" | "evt" | "whk" | "mnt" | "sug";

/** A random id with its kind as prefix, e.g. `bkg_3f9…` (96 bits, base64url). */
export function newId(prefix: IdPrefix): string {
  return `${prefix}_${randomBytes(12).toString("base64url")}`;
}

export const ID_RE = /^(?:usr|agt|hld|bkg|ctr|evt|whk)_[A-Za-z0-9_-]{1,64}$/;

/** An agent's API key: shown once, stored only as its SHA-256. */
export function newAgentKey(): { key: string; keyHash: string } {
  const key = `cal_agent_${randomBytes(32).toString("base64url")}`;
  return { key, keyHash: hashAgentKey(key) };
}

export function hashAgentKey(key: string): string {
  return createHash("sha256").update(key).digest("hex");
}
