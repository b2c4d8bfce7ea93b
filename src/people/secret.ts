/** Random secrets handed to people, and the hashes the node keeps instead of them. */
import { createHash, randomBytes } from "node:crypto";

/** 32 random bytes, base64url: a login-link token or a session id. */
export function newSecret(): string {
  return randomBytes(32).toString("base64url");
}

/** What the store keeps: SHA-256 of the secret, hex. A leaked store spends no link, opens no session. */
export function secretHash(secret: string): string {
  return createHash("sha256").update(secret, "utf8").digest("hex");
}

/** Only what newSecret makes: anything else is refused before it reaches the store. */
export const SECRET_RE = /^[A-Za-z0-9_-]{43}$/;
