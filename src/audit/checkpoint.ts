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
}

export async function signCheckpoint(
  signer: Signer,
  user: string,
  head: { seq: number; hash: string },
  now: number,
): Promise<{ checkpoint: Checkpoint; jws: string }> {
  const checkpoint: Checkpoint = {
    user,
    seq: head.seq,
    head_hash: head.hash,
    issued_at: new Date(now).toISOString(),
    issuer: signer.did,
  };
  return {
    checkpoint,
    jws: await signer.signCompact(checkpoint as unknown as Record<string, unknown>),
  };
}
