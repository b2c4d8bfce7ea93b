import { createHash } from "node:crypto";
import { canonicalJson } from "../identity/index.js";

/** What an idempotency key is bound to: the canonical JSON of the request, hashed. */
export function fingerprint(body: unknown): string {
  return createHash("sha256")
    .update(canonicalJson(body ?? null))
    .digest("base64url");
}
