/**
 * Checks an audit export (`GET /v1/audit`, every page joined) against the node's DID
 * document alone: the checkpoint's JWS and issuer, each event's hash, and — for a full
 * chain — that the events run from the first to the checkpoint's head without a gap.
 */

import { canonicalJson, findVerificationKey, verifyCompactJws } from "../identity/index.js";
import { type ChainCheck, GENESIS_HASH, verifyChain, verifyEventHashes } from "./chain.js";
import type { Checkpoint } from "./checkpoint.js";
import type { AuditEvent } from "./event.js";

export interface AuditExport {
  user_id: string;
  events: AuditEvent[];
  checkpoint: Checkpoint & { jws: string };
}

export interface ExportCheck {
  ok: boolean;
  checkpoint: { ok: boolean; reason?: string };
  events: Omit<ChainCheck, "reason"> & {
    /**
     * `truncated`: the events stop before (or run past) the checkpoint's `seq`, or do not
     * start at 1; `head_mismatch`: the last event is not the head the checkpoint signs.
     */
    reason?: ChainCheck["reason"] | "truncated" | "head_mismatch";
    count: number;
    mode: "chain" | "hashes";
  };
}

async function checkCheckpoint(
  exported: AuditExport,
  didDocument: Record<string, unknown>,
): Promise<ExportCheck["checkpoint"]> {
  try {
    const header = JSON.parse(
      Buffer.from(exported.checkpoint.jws.split(".")[0] ?? "", "base64url").toString("utf8"),
    ) as { kid?: string };
    if (!header.kid) throw new Error("the checkpoint JWS names no kid");
    const did = String(didDocument.id);
    if (!header.kid.startsWith(`${did}#`))
      throw new Error(`the checkpoint is signed by ${header.kid}, not a key of ${did}`);
    const key = findVerificationKey(didDocument as never, header.kid, "assertionMethod");
    const { payload } = await verifyCompactJws(exported.checkpoint.jws, key);
    const signed = payload as Checkpoint;
    const { jws: _jws, ...stated } = exported.checkpoint;
    if (canonicalJson(signed) !== canonicalJson(stated))
      throw new Error("the checkpoint differs from what its JWS signs");
    if (signed.issuer !== did)
      throw new Error(
        `the checkpoint's issuer ${String(signed.issuer)} is not ${did}, whose DID document was fetched`,
      );
    if (signed.user !== exported.user_id) throw new Error("the checkpoint is for another user");
    return { ok: true };
  } catch (err) {
    return { ok: false, reason: (err as Error).message };
  }
}

/** The whole chain: seq 1 from genesis, linked, ending exactly at the signed head. */
function checkFullChain(events: AuditEvent[], checkpoint: Checkpoint): ExportCheck["events"] {
  const base = { count: events.length, mode: "chain" as const };
  const first = events[0];
  if (first && first.seq !== 1)
    return { ...base, ok: false, brokenAt: first.seq, reason: "truncated" };
  const chain = verifyChain(events, GENESIS_HASH);
  if (!chain.ok) return { ...base, ...chain };
  const last = events.at(-1);
  const lastSeq = last?.seq ?? 0;
  if (lastSeq !== checkpoint.seq)
    return { ...base, ok: false, brokenAt: lastSeq, reason: "truncated" };
  if ((last?.hash ?? GENESIS_HASH) !== checkpoint.head_hash)
    return { ...base, ok: false, brokenAt: lastSeq, reason: "head_mismatch" };
  return { ...base, ok: true };
}

export async function verifyAuditExport(
  exported: AuditExport,
  didDocument: Record<string, unknown>,
  opts: { fullChain: boolean },
): Promise<ExportCheck> {
  const checkpoint = await checkCheckpoint(exported, didDocument);
  const events: ExportCheck["events"] = opts.fullChain
    ? checkFullChain(exported.events, exported.checkpoint)
    : { ...verifyEventHashes(exported.events), count: exported.events.length, mode: "hashes" };
  return { ok: checkpoint.ok && events.ok, checkpoint, events };
}
