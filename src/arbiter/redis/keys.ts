/**
 * Redis key layout. Every key of one user carries the hash tag `{<username>}`, so each
 * script touches one cluster slot. Keys that are not per user are each one slot of their
 * own, touched only by single-key commands and single-key scripts, never together with a
 * user's keys (a user's change and the index entry it implies are two steps, the second
 * one repairable):
 * - the user list (USERS_KEY): one set, read whole by listUsernames;
 * - the agent-key index: one key per agent key, its name hashed (spread over the cluster);
 * - the pending-expiry index (PENDING_DUE_KEY): one sorted set, read by range;
 * - token ids and rate limits: one key each, their own hash tags (spread).
 * A key with no braces hashes whole, so the global names need no tag to be one slot; they
 * keep the names they had, so a node upgraded in place finds its data.
 */
import { createHash } from "node:crypto";

export const USERS_KEY = "cal:users";

/** The slot asked for Redis's clock when no user is concerned (never written). */
export const CLOCK_KEY = "cal:{clock}";

export function agentKeyIndex(keyHash: string): string {
  return `cal:agentkey:${keyHash}`;
}

export function userKey(username: string, name: string): string {
  return `cal:{${username}}:${name}`;
}

/** Held by the process signing `username`'s profile from the file content `digest`. */
export function profileSigningKey(username: string, digest: string): string {
  return userKey(username, `profile-signing:${digest}`);
}

/** The 16 keys every arbiter script receives (see lua/core/common.lua). */
export function calendarKeys(username: string): string[] {
  const k = (name: string) => userKey(username, name);
  return [
    k("holds"),
    k("holds:start"),
    k("holds:exp"),
    k("bookings"),
    k("bookings:active"),
    k("daycount"),
    k("audit"),
    k("audit:head"),
    k("audit:res"),
    k("idem"),
    k("idem:exp"),
    k("arb:pending"),
    k("arb:cmds"),
    k("arb:results"),
    k("arb:meta"),
    k("pending:exp"),
  ];
}

/** When each of the user's agents last made a request (arb-enter-17.lua, agent-seen-1.lua). */
export const agentsSeenKey = (username: string) => userKey(username, "arb:seen");

/** The idempotency field of a request: bounded, whatever the client's key. */
export function idempotencyField(agentId: string, kind: string, key: string | undefined): string {
  if (key === undefined) return "";
  return `${agentId}:${kind}:${createHash("sha256").update(key).digest("base64url")}`;
}

/** The user's records beside the calendar: profile and rules, agents, counter-proposals. */
export function recordKeys(username: string): string[] {
  return ["user", "agents", "counters"].map((name) => userKey(username, name));
}

/** Archived audit chains of deleted incarnations of the user: number -> {deletedAt, head}. */
export const archivesKey = (username: string) => userKey(username, "archives");

/** The audit keys (stream, head, resource index) of the live chain, or of an archive. */
export function auditKeys(username: string, archive?: number) {
  const prefix = archive === undefined ? "audit" : `archive:${archive}:audit`;
  return {
    stream: userKey(username, prefix),
    head: userKey(username, `${prefix}:head`),
    resources: userKey(username, `${prefix}:res`),
  };
}

/**
 * Users with pending bookings, by the earliest instant one may expire (a lower bound: an
 * entry may be early or stale, never late). One global key with its own hash tag, updated
 * in a second step after the user's script, as the agent-key index is: the sweeper reads
 * it by score range, which a sharded index would turn into one read per shard.
 */
export const PENDING_DUE_KEY = "cal:{pending}:due";

const b64sha256 = (s: string) => createHash("sha256").update(s).digest("base64url");

/** A request token's id, per issuer: its own hash tag, so issuers spread over the cluster. */
export function tokenIdKey(iss: string, jti: string): string {
  return `cal:jti:{${b64sha256(iss)}}:${jti}`;
}

/** A rate-limit counter: the caller's key hashed, as its own hash tag. */
export function rateLimitKey(key: string): string {
  return `cal:rl:{${b64sha256(key)}}`;
}
