/**
 * The node's half of the audit chain: the scripts append events unsealed (Lua SHA-256
 * cost most of a commit's Redis time); this module computes each one's `prev_hash` and
 * `hash` with node:crypto and seals them through seal-audit-2.lua, a compare-and-set that
 * any number of processes may run on the same events. Readers seal before they read.
 */
import { eventBody, GENESIS_HASH, sha256Hex } from "../../audit/index.js";
import type { Client } from "./client.js";

/** What a script hands over to seal: the last sealed event, then the pending texts. */
export interface PendingAudit {
  seq: number;
  hash: string;
  events: string[];
}

/** The chain's keys: the live chain's, or an archive's. */
export interface ChainKeys {
  stream: string;
  head: string;
}

/** seal-audit-2's ARGV: seq, pending text, prev_hash, sealed text, hash, for each event. */
export function sealArguments(pending: PendingAudit): string[] {
  const args: string[] = [];
  let prev = pending.hash;
  for (const text of pending.events) {
    const event = JSON.parse(text);
    const body = eventBody({ ...event, prev_hash: prev });
    const hash = sha256Hex(body);
    args.push(String(event.seq), text, prev, body, hash);
    prev = hash;
  }
  return args;
}

/** The pending events recorded in a head hash (see audit_append in lua/core/common.lua). */
export function pendingOfHead(head: Record<string, string>): PendingAudit | null {
  const seq = Number(head.seq ?? 0);
  const last = Number(head.last ?? 0);
  if (last <= seq) return null;
  const events: string[] = [];
  for (let n = seq + 1; n <= last; n++) {
    const text = head[`p:${n}`];
    // Sealed by someone else between the reads: the next pass sees it.
    if (text === undefined) break;
    events.push(text);
  }
  return { seq, hash: head.hash ?? GENESIS_HASH, events };
}

/** Seals the given events; returns the seq sealed last (by this call or another). */
export async function sealPending(
  client: Client,
  keys: ChainKeys,
  pending: PendingAudit,
): Promise<number> {
  if (pending.events.length === 0) return pending.seq;
  return Number(await client.sealAudit([keys.stream, keys.head], sealArguments(pending)));
}

/**
 * Seals everything pending on a chain, reading it from the head hash: what a reader runs
 * first, and a writer whose script left events behind.
 */
export async function sealChain(client: Client, keys: ChainKeys): Promise<void> {
  for (let pass = 0; pass < 1000; pass++) {
    const pending = pendingOfHead(await client.hGetAll(keys.head));
    if (!pending || pending.events.length === 0) return;
    await sealPending(client, keys, pending);
  }
  throw new Error(`audit chain ${keys.head} did not finish sealing`);
}
