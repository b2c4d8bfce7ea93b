/**
 * The Store is the node's one source of truth. Two implementations share this
 * interface: `redis/` (production, and the conflict arbiter across processes) and
 * `memory/` (the embedded default, not durable). A conformance suite runs against both.
 * Every change appends an audit event to the user's chain in the same atomic step.
 */
import type {
  Agent,
  AuditEvent,
  Booking,
  CommitCommand,
  CommitOutcome,
  Hold,
  HoldCommand,
  HoldOutcome,
} from "./types.js";

/** A user as the node keeps it: the profile as given and the signed profile it serves. */
export interface UserRecord {
  username: string;
  /** The profile exactly as the admin API or the profile file gave it (unsigned). */
  input: Record<string, unknown>;
  /** The signed profile, serialized once per change; served byte for byte. */
  published: string;
  /** Strong ETag of `published`, quoted. */
  etag: string;
  visibility: "public" | "private";
  /** Where the profile came from. */
  source: "file" | "admin";
  updatedAt: number;
}

/** A counter-proposal: alternative slots offered for an existing booking. */
export interface CounterProposal {
  id: string;
  bookingId: string;
  /** Who proposed: an agent id, or "admin". */
  proposedBy: string;
  proposed: { start: number; end: number }[];
  note?: string;
  status: "open" | "accepted" | "rejected";
  createdAt: number;
  decidedAt?: number;
  /** The booking created when a slot was accepted. */
  acceptedBookingId?: string;
  acceptedIndex?: number;
}

export type ReleaseOutcome =
  | { status: "released"; hold: Hold; auditRef: string }
  | { status: "rejected"; reason: "hold_not_found" };

export type CancelOutcome =
  | { status: "cancelled"; booking: Booking; auditRef: string }
  | { status: "rejected"; reason: "booking_not_found" | "not_owner" | "not_committed" };

export interface Interval {
  start: number;
  end: number;
}

export interface AuditQuery {
  resource?: string;
  /** Only events with seq greater than this. */
  afterSeq?: number;
  limit?: number;
}

export interface Store {
  readonly kind: "memory" | "redis";

  /** The store's notion of now (Redis TIME, or the injected clock). */
  now(): Promise<number>;

  putUser(record: UserRecord, actor: string): Promise<void>;
  getUser(username: string): Promise<UserRecord | null>;
  /** Returns false when there was no such user. */
  deleteUser(username: string, actor: string): Promise<boolean>;
  listUsernames(): Promise<string[]>;

  putRules(username: string, rules: Record<string, unknown>, actor: string): Promise<void>;
  getRules(username: string): Promise<Record<string, unknown> | null>;

  createAgent(agent: Agent, keyHash: string, actor: string): Promise<void>;
  findAgentByKeyHash(keyHash: string): Promise<Agent | null>;
  getAgent(username: string, agentId: string): Promise<Agent | null>;
  listAgents(username: string): Promise<Agent[]>;
  updateAgent(agent: Agent, actor: string): Promise<void>;
  /** Revokes the agent and its key. Returns false when there was no such agent. */
  deleteAgent(username: string, agentId: string, actor: string): Promise<boolean>;

  hold(cmd: HoldCommand): Promise<HoldOutcome>;
  /**
   * The first answer stored for this idempotency key, as a replay; null when there is
   * none (read-only: for requests refused before they reach the store).
   */
  findReplay(
    username: string,
    agentId: string,
    kind: "hold" | "commit",
    idempotencyKey: string,
    fingerprint: string,
  ): Promise<HoldOutcome | CommitOutcome | null>;
  /** `agentId` undefined: the administrator, who may release any hold. */
  releaseHold(
    username: string,
    holdId: string,
    agentId: string | undefined,
    actor: string,
  ): Promise<ReleaseOutcome>;
  commit(cmd: CommitCommand): Promise<CommitOutcome>;
  /**
   * Commits through the calendar's arbitration window: commits arriving within
   * `windowMs` of the first are decided together, in priority order (ties: arrival).
   */
  arbitrate(cmd: CommitCommand, windowMs: number): Promise<CommitOutcome>;
  /** `agentId` undefined: the administrator, who may cancel any booking. */
  cancelBooking(
    username: string,
    bookingId: string,
    agentId: string | undefined,
    actor: string,
  ): Promise<CancelOutcome>;
  getBooking(username: string, bookingId: string): Promise<Booking | null>;
  /** Committed bookings overlapping the range, by start. */
  listBookings(username: string, range: Interval): Promise<Booking[]>;
  /** Live holds overlapping the range, by start. */
  listHolds(username: string, range: Interval): Promise<Hold[]>;

  putCounter(
    username: string,
    counter: CounterProposal,
    eventType: string,
    actor: string,
  ): Promise<void>;
  getCounter(username: string, counterId: string): Promise<CounterProposal | null>;
  listCounters(username: string, bookingId: string): Promise<CounterProposal[]>;

  readAudit(username: string, query?: AuditQuery): Promise<AuditEvent[]>;
  auditHead(username: string): Promise<{ seq: number; hash: string }>;

  close(): Promise<void>;
}
