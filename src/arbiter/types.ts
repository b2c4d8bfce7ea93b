/**
 * The arbiter's records and the outcomes of its decisions. Times are epoch
 * milliseconds; intervals are half-open [start, end).
 */

/** Holds and bookings are at most this long, so overlap queries can use the start index. */
export const MAX_SPAN_MS = 24 * 3600_000;

export interface Agent {
  id: string;
  username: string;
  name: string;
  /** 1 is the highest priority. */
  priority: number;
  scopes: string[];
  /** A remote DID this rank applies to (federation). */
  did?: string;
  /** Its commits wait for the person's acknowledgement (pending bookings). */
  requiresAck?: boolean;
  createdAt: number;
}

export interface Hold {
  id: string;
  agentId: string;
  priority: number;
  start: number;
  end: number;
  createdAt: number;
  expiresAt: number;
}

/**
 * `pending`: a request awaiting the person's acknowledgement; it blocks its slot like a
 * committed booking, is never evicted, does not count toward the daily limit, and ends
 * as `committed` (accepted), `declined`, `expired` (past `pendingUntil`) or `cancelled`.
 */
export type BookingStatus =
  | "committed"
  | "pending"
  | "cancelled"
  | "evicted"
  | "declined"
  | "expired";

/** The status of an outbound meeting's side on the other node. */
export type RemoteStatus = "pending" | "confirmed" | "declined" | "cancelled" | "expired";

/** The other node's side of an outbound meeting (DESIGN "Federation"). */
export interface RemoteSide {
  /** The person booked elsewhere, `user@domain`. */
  address: string;
  /** The booking id the other node gave. */
  bookingId: string;
  status: RemoteStatus;
}

export interface Booking {
  id: string;
  agentId: string;
  priority: number;
  start: number;
  end: number;
  status: BookingStatus;
  committedAt: number;
  /** After this instant nothing evicts the booking. */
  frozenAt: number;
  holdId?: string;
  /** Title, invitee, metadata: what the agent sent, kept verbatim. */
  details?: Record<string, unknown>;
  endedAt?: number;
  /** Agent whose commit evicted this booking. */
  evictedBy?: string;
  /** The booking this one replaced (an accepted counter-proposal). */
  replaces?: string;
  /** A request (status pending, or one that was): it expires at this instant unless decided. */
  pendingUntil?: number;
  /** Who asked, e.g. the requester's DID (federation). */
  requesterKey?: string;
  /** An outbound meeting: the other node's side. */
  remote?: RemoteSide;
  /** Where the requester wants to hear about decisions (delivered from the audit stream). */
  callbackUrl?: string;
}

/** What stood in the way of a request that lost. */
export interface Winner {
  kind: "hold" | "booking";
  id: string;
  agentId: string;
  priority: number;
  start: number;
  end: number;
  frozen: boolean;
}

export interface HoldCommand {
  username: string;
  agentId: string;
  priority: number;
  start: number;
  end: number;
  holdId: string;
  ttlMs: number;
  idempotencyKey?: string;
  /** Fingerprint of the request body; a reused idempotency key with another body is refused. */
  fingerprint: string;
}

export interface CommitCommand {
  username: string;
  agentId: string;
  priority: number;
  start: number;
  end: number;
  bookingId: string;
  holdId?: string;
  /** An existing booking of the same agent that this commit replaces atomically. */
  replaces?: string;
  bumpWindowMs: number;
  /** Local day of `start` in the user's zone, for the daily limit. */
  dayKey: string;
  /** 0 means no limit. */
  maxPerDay: number;
  details?: Record<string, unknown>;
  idempotencyKey?: string;
  fingerprint: string;
  actor: string;
  /**
   * Records a pending booking (a request awaiting acknowledgement) instead of a committed
   * one. It evicts nothing, counts toward the daily limit only once accepted (the limit is
   * still checked now, so a request that could never be accepted is refused), and expires
   * at `expiresAt` unless decided (Store.decidePending).
   */
  pending?: { expiresAt: number };
  /** Who asked (e.g. a DID): kept on the booking and in its events as `requester`. */
  requesterKey?: string;
  /**
   * With `pending` and `requesterKey`: a request beyond this many live pending bookings
   * of the same requester on this calendar is rejected `too_many_pending`. 0 or absent:
   * no limit.
   */
  maxPendingPerRequester?: number;
  /** An outbound meeting's remote side, kept on the booking and in its events. */
  remote?: RemoteSide;
  /** Kept on the booking and in its events as `callback_url`. */
  callbackUrl?: string;
  /**
   * The person's minimum notice, checked at the store's own clock, so the caller need not
   * read the time first: after an idempotent retry is answered and before anything else,
   * a commit starting sooner than now + `ms` is refused `insufficient_notice`, and one that
   * is not is refused `afterwards` when given (a rule the caller found broken that ranks
   * after the notice). Neither refusal is kept for retries. The answer then carries `now`.
   */
  notice?: { ms: number; afterwards?: "focus_time" };
}

export type HoldOutcome =
  | { status: "held"; hold: Hold; auditRef: string; replay: boolean }
  | { status: "conflict"; winner: Winner; auditRef?: string; replay: boolean };

export type CommitOutcome = (
  | {
      status: "committed";
      booking: Booking;
      displacedHolds: Hold[];
      evicted: Booking[];
      auditRef: string;
      replay: boolean;
    }
  | { status: "conflict"; winner: Winner; replay: boolean }
  | {
      status: "rejected";
      reason:
        | "daily_limit"
        | "hold_not_found"
        | "booking_not_found"
        | "idempotency_mismatch"
        | "arbitration_expired"
        | "too_many_pending"
        | "insufficient_notice"
        | "focus_time";
      replay: boolean;
    }
) & {
  /** The store's time of the decision: given when the command carried `notice`. */
  now?: number;
};

/** Audit events belong to the audit part; the stores append them. */
export type { AuditEvent } from "../audit/index.js";
