import { createHash } from "node:crypto";
import { canonicalJson } from "../identity/index.js";

/**
 * What an idempotency key is bound to: the canonical JSON of the request, hashed. The
 * request is taken as JSON has it: a member left `undefined` (an optional field not sent)
 * is absent, where canonicalJson would refuse it.
 */
export function fingerprint(body: unknown): string {
  return createHash("sha256")
    .update(canonicalJson(JSON.parse(JSON.stringify(body ?? null))))
    .digest("base64url");
}
