/** One event of a user's audit chain, as both stores append it and every reader sees it. */
export interface AuditEvent {
  seq: number;
  id: string;
  type: string;
  /** Epoch milliseconds. */
  at: number;
  actor: string;
  resource: string;
  data: Record<string, unknown>;
  prev_hash: string;
  hash: string;
}
