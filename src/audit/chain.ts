/**
 * The audit hash chain: each event's `hash` is SHA-256 over the JCS form of the event
 * without `hash`, and `prev_hash` links it to the event before (64 zeros for the first).
 * The Redis scripts build the same bytes in Lua; this module builds and checks them in
 * TypeScript.
 */
import { createHash } from "node:crypto";
import { canonicalJson } from "../identity/index.js";
import type { AuditEvent } from "./event.js";

export const GENESIS_HASH = "0".repeat(64);

export type UnsealedEvent = Omit<AuditEvent, "hash">;

export function eventBody(event: UnsealedEvent): string {
  const { seq, id, type, at, actor, resource, data, prev_hash } = event;
  return canonicalJson({ seq, id, type, at, actor, resource, data, prev_hash });
}

export function sha256Hex(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

export function sealEvent(event: UnsealedEvent): AuditEvent {
  return { ...event, hash: sha256Hex(eventBody(event)) };
}

export interface ChainCheck {
  ok: boolean;
  /** seq of the first event that does not verify. */
  brokenAt?: number;
  reason?: "hash_mismatch" | "broken_link" | "seq_gap";
}

/**
 * Checks a run of consecutive events. `prevHash` is the hash before the first event
 * (genesis when the run starts at seq 1).
 */
export function verifyChain(events: AuditEvent[], prevHash?: string): ChainCheck {
  let expectedPrev = prevHash ?? (events[0]?.seq === 1 ? GENESIS_HASH : events[0]?.prev_hash);
  let expectedSeq = events[0]?.seq;
  for (const event of events) {
    if (event.seq !== expectedSeq) return { ok: false, brokenAt: event.seq, reason: "seq_gap" };
    if (event.prev_hash !== expectedPrev)
      return { ok: false, brokenAt: event.seq, reason: "broken_link" };
    const { hash, ...unsealed } = event;
    if (sha256Hex(eventBody(unsealed)) !== hash)
      return { ok: false, brokenAt: event.seq, reason: "hash_mismatch" };
    expectedPrev = hash;
    expectedSeq = event.seq + 1;
  }
  return { ok: true };
}

/**
 * Checks events selected by resource: each one's hash covers its own content, but
 * neighbours in the chain may be missing, so only the hashes are checked; the signed
 * checkpoint and the full chain cover the links.
 */
export function verifyEventHashes(events: AuditEvent[]): ChainCheck {
  for (const event of events) {
    const { hash, ...unsealed } = event;
    if (sha256Hex(eventBody(unsealed)) !== hash)
      return { ok: false, brokenAt: event.seq, reason: "hash_mismatch" };
  }
  return { ok: true };
}
