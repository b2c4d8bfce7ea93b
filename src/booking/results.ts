/**
 * What the booking use cases answer, and the one place where the stores' refusals become
 * errors or results — so a caller sees the same answer whichever store decided.
 */
import type {
  Booking,
  CancelOutcome,
  CommitOutcome,
  Hold,
  ReleaseOutcome,
  Winner,
} from "../arbiter/index.js";
import type { Interval } from "../availability/index.js";
import {
  ConflictError,
  ForbiddenError,
  NotFoundError,
  RateLimitedError,
  StoreUnavailableError,
} from "../errors.js";
import type { RuleReason } from "./rules.js";
import { RULE_MESSAGES } from "./rules.js";

/** Why a request was refused by a rule of the person's (HTTP doors: 422). */
export type ViolationReason = RuleReason | "daily_limit" | "idempotency_key_reused";

const VIOLATION_MESSAGES: Record<ViolationReason, string> = {
  ...RULE_MESSAGES,
  daily_limit: "The person's daily booking limit is reached on that day",
  idempotency_key_reused: "This Idempotency-Key was used with a different request",
};

export interface RuleViolation {
  outcome: "rule_violation";
  reason: ViolationReason;
  message: string;
}

export function ruleViolation(reason: ViolationReason): RuleViolation {
  return { outcome: "rule_violation", reason, message: VIOLATION_MESSAGES[reason] };
}

/** The request lost: who holds the slot, and free slots of the same length nearby. */
export interface Conflict {
  outcome: "conflict";
  winner: Winner;
  /** Free alternatives, nearest first. */
  suggestions: Interval[];
  /** The winner's latest audit event, or null. */
  auditRef: string | null;
}

export interface Held {
  outcome: "held";
  hold: Hold;
  auditRef: string;
  replay: boolean;
}

export interface Committed {
  outcome: "committed";
  booking: Booking;
  /** Holds of lower-priority agents that this booking displaced. */
  displacedHolds: Hold[];
  /** Younger lower-priority bookings this one bumped. */
  evicted: Booking[];
  auditRef: string;
  replay: boolean;
}

/** A commit of an agent that needs the person's acknowledgement: a pending booking. */
export interface PendingCommit {
  outcome: "pending";
  booking: Booking;
  /** When the request expires unless the person decides it. */
  expiresAt: number;
  auditRef: string;
  replay: boolean;
}

export type HoldResult = Held | Conflict | RuleViolation;
export type CommitResult = Committed | PendingCommit | Conflict | RuleViolation;

export interface Released {
  outcome: "released";
  hold: Hold;
  auditRef: string;
  /** true: this answers a repeat, from the audit event of the first release. */
  replay?: boolean;
}

export interface Cancelled {
  outcome: "cancelled";
  booking: Booking;
  auditRef: string;
  /** true: this answers a repeat, from the audit event of the first cancellation. */
  replay?: boolean;
}

type CommitRefusal = Extract<CommitOutcome, { status: "rejected" }>["reason"];

/**
 * A commit refusal: a rule violation to answer, or an error to throw. `arbitration_expired`
 * means nothing was booked and a retry is safe.
 */
export function commitRefusal(reason: CommitRefusal): RuleViolation {
  switch (reason) {
    case "daily_limit":
    case "insufficient_notice":
    case "focus_time":
      return ruleViolation(reason);
    case "idempotency_mismatch":
      return ruleViolation("idempotency_key_reused");
    case "hold_not_found":
      throw new NotFoundError(
        "No live hold of this agent over this slot with that hold_id",
        "hold_not_found",
      );
    case "booking_not_found":
      throw new NotFoundError(
        "No committed booking of this agent with that id",
        "booking_not_found",
      );
    case "arbitration_expired":
      throw new StoreUnavailableError(
        "The commit was not decided in time and nothing was booked; retry it",
      );
    case "too_many_pending":
      throw new RateLimitedError(
        "This requester already has as many requests waiting for this person as it may",
        PENDING_RETRY_AFTER_SECONDS,
      );
  }
}

/** When a requester at its cap of waiting requests is told to try again. */
const PENDING_RETRY_AFTER_SECONDS = 3600;

export function releaseResult(outcome: ReleaseOutcome, holdId: string): Released {
  if (outcome.status === "released")
    return { outcome: "released", hold: outcome.hold, auditRef: outcome.auditRef };
  throw new NotFoundError(`No live hold ${holdId} of this agent`, "hold_not_found");
}

export function cancelResult(outcome: CancelOutcome, bookingId: string): Cancelled {
  if (outcome.status === "cancelled")
    return { outcome: "cancelled", booking: outcome.booking, auditRef: outcome.auditRef };
  switch (outcome.reason) {
    case "not_owner":
      throw new ForbiddenError("Only the booking's agent or the admin may cancel it", "not_owner");
    case "not_committed":
      throw new ConflictError(`Booking ${bookingId} is no longer committed`);
    case "booking_not_found":
      throw new NotFoundError(`No booking ${bookingId}`, "booking_not_found");
  }
}
