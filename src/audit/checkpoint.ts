/**
 * A checkpoint states the head of a user's chain, signed as a compact JWS by the node's
 * key, so anyone holding the node's DID document can check an audit export.
 */
import type { Signer } from "../identity/index.js";

export interface Checkpoint {
  user: string;
  seq: number;
  head_hash: string;
  issued_at: string;
  issuer: string;
  /** Present for the archived chain of a deleted user (its number), absent for the live one. */
  archive?: number;
}

export async function signCheckpoint(
  signer: Signer,
  user: string,
  head: { seq: number; hash: string },
  now: number,
  archive?: number,
): Promise<{ checkpoint: Checkpoint; jws: string }> {
  const checkpoint: Checkpoint = {
    user,
    seq: head.seq,
    head_hash: head.hash,
    issued_at: new Date(now).toISOString(),
    issuer: signer.did,
    ...(archive !== undefined && { archive }),
  };
  return {
    checkpoint,
    jws: await signer.signCompact(checkpoint as unknown as Record<string, unknown>),
  };
}
