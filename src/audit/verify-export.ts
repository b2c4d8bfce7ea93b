/**
 * Checks an audit export (`GET /v1/audit`) against the node's DID document alone: the
 * checkpoint's JWS, each event's hash, and — for a full chain — the links and the head.
 */

import { canonicalJson, findVerificationKey, verifyCompactJws } from "../identity/index.js";
import { type ChainCheck, verifyChain, verifyEventHashes } from "./chain.js";
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
  events: ChainCheck & { count: number; mode: "chain" | "hashes" };
}

export async function verifyAuditExport(
  exported: AuditExport,
  didDocument: Record<string, unknown>,
  opts: { fullChain: boolean },
): Promise<ExportCheck> {
  let checkpoint: ExportCheck["checkpoint"];
  try {
    const header = JSON.parse(
      Buffer.from(exported.checkpoint.jws.split(".")[0] ?? "", "base64url").toString("utf8"),
    ) as { kid?: string };
    if (!header.kid) throw new Error("the checkpoint JWS names no kid");
    const key = findVerificationKey(didDocument as never, header.kid, "assertionMethod");
    const { payload } = await verifyCompactJws(exported.checkpoint.jws, key);
    const signed = payload as Checkpoint;
    const { jws: _jws, ...stated } = exported.checkpoint;
    if (canonicalJson(signed) !== canonicalJson(stated))
      throw new Error("the checkpoint differs from what its JWS signs");
    if (signed.user !== exported.user_id) throw new Error("the checkpoint is for another user");
    checkpoint = { ok: true };
  } catch (err) {
    checkpoint = { ok: false, reason: (err as Error).message };
  }
  const events = opts.fullChain ? verifyChain(exported.events) : verifyEventHashes(exported.events);
  let eventsCheck: ExportCheck["events"] = {
    ...events,
    count: exported.events.length,
    mode: opts.fullChain ? "chain" : "hashes",
  };
  const last = exported.events.at(-1);
  if (eventsCheck.ok && opts.fullChain && last && last.seq === exported.checkpoint.seq) {
    if (last.hash !== exported.checkpoint.head_hash)
      eventsCheck = { ...eventsCheck, ok: false, brokenAt: last.seq, reason: "broken_link" };
  }
  return { ok: checkpoint.ok && eventsCheck.ok, checkpoint, events: eventsCheck };
}
