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
  RemoteStatus,
  Winner,
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
  /**
   * For a profile from PROFILES_DIR: the digest of its file's bytes and of what signing
   * them depends on (see profile/file-digest.ts); an equal digest at the next start means
   * nothing to sign again.
   */
  fileDigest?: string;
}

/** What a profile GET sends: the signed bytes, their ETag, and who may see them. */
export type PublishedProfile = Pick<UserRecord, "published" | "etag" | "visibility">;

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

/** The booking's agent accepts one proposed slot, or rejects the counter-proposal. */
export interface CounterDecisionCommand {
  username: string;
  counterId: string;
  bookingId: string;
  /** The deciding agent: must own the booking. */
  agentId: string;
  actor: string;
  decision: "accept" | "reject";
  /**
   * accept only: which proposed slot, and the commit of that slot with `replaces:
   * bookingId`, built by the caller from the counter it read (start/end must equal
   * counter.proposed[slotIndex]).
   */
  slotIndex?: number;
  commit?: CommitCommand;
}

export type CounterDecisionOutcome =
  | {
      status: "decided";
      /** With status accepted or rejected, decidedAt, and for an accept acceptedIndex and acceptedBookingId. */
      counter: CounterProposal;
      /** accept: the commit that moved the booking (a direct commit, no arbitration window). */
      commit?: CommitOutcome & { status: "committed" };
      /** The counter.accepted or counter.rejected event. */
      auditRef: string;
    }
  | {
      status: "refused";
      reason: "counter_not_found" | "counter_closed" | "not_owner" | "slot_mismatch";
    }
  /** An accept whose commit lost or was refused: the counter stays open. */
  | Exclude<CommitOutcome, { status: "committed" }>;

/** An audit chain closed when its user was deleted. */
/** Who could still enter a user's arbitration window. */
export interface ArbitrationField {
  /** How many agents the user has. */
  agents: number;
  /** The highest priority among them (the lowest number). */
  topPriority: number;
  /**
   * The committing agent's seniors: the user's other agents ranked as high or higher
   * (priority number ≤ its own). With `recentMs`, the commit does not wait when none of
   * them is recently active: none was seen (`markAgentSeen`) within the last `recentMs`,
   * none has a live hold, and none waits in the window.
   */
  seniors?: string[];
  recentMs?: number;
}

export interface AuditArchive {
  /** 1 for the user's first deletion, then 2, … */
  archive: number;
  deletedAt: number;
  head: { seq: number; hash: string };
}

export type ReleaseOutcome =
  | { status: "released"; hold: Hold; auditRef: string }
  | { status: "rejected"; reason: "hold_not_found" };

export type CancelOutcome =
  | { status: "cancelled"; booking: Booking; auditRef: string }
  /** not_committed: the booking is neither committed nor pending (it ended). */
  | { status: "rejected"; reason: "booking_not_found" | "not_owner" | "not_committed" };

/** The person (or, for an outbound meeting, the other node's answer) decides a pending booking. */
export interface PendingDecisionCommand {
  username: string;
  bookingId: string;
  decision: "accept" | "decline";
  actor: string;
  /** accept: the local day of the booking's start in the user's zone, for the daily limit. */
  dayKey: string;
  /** accept: 0 means no limit. */
  maxPerDay: number;
  /** Kept in the booking.confirmed / booking.declined event. */
  message?: string;
  /** Also records the remote side's new status (a booking without `remote` ignores it). */
  remoteStatus?: "confirmed" | "declined";
}

export type PendingDecisionOutcome =
  /** The booking as decided (committed, or declined) and its booking.confirmed/declined event. */
  | { status: "decided"; booking: Booking; auditRef: string }
  | { status: "refused"; reason: "booking_not_found" | "not_pending" }
  /** accept: a committed booking or another agent's live hold overlaps; nothing changed. */
  | { status: "conflict"; winner: Winner }
  /** accept: the day is full; nothing changed. */
  | { status: "rejected"; reason: "daily_limit" };

export type RemoteStatusOutcome =
  | { status: "updated"; booking: Booking; auditRef: string }
  /** The remote side already had that status: nothing written (callbacks come at least once). */
  | { status: "unchanged"; booking: Booking }
  | { status: "refused"; reason: "booking_not_found" | "no_remote" };

export interface RateLimitOutcome {
  allowed: boolean;
  /** 0 when allowed; else how long until the window resets. */
  retryAfterMs: number;
}

export interface Interval {
  start: number;
  end: number;
}

export interface AuditQuery {
  resource?: string;
  /** Only events with seq greater than this. */
  afterSeq?: number;
  limit?: number;
  /** Read this archived chain (see listAuditArchives) instead of the live one. */
  archive?: number;
}

/**
 * The person's exchanges with their agents (src/people/): instructions and answers, and
 * how the person was told of each request that waits for them.
 */
export type PersonRecordKind = "mentions" | "suggestions" | "notifications";

/** One record of the person's exchanges, written with its audit event in one atomic step. */
export interface PersonRecordWrite {
  username: string;
  kind: PersonRecordKind;
  id: string;
  /** The record, serialized. */
  value: string;
  /**
   * Compare-and-set: the value the record must still have (as it was read), or null when
   * it must not exist yet. Of concurrent writes from one read, exactly one is recorded.
   */
  expected: string | null;
  event: { type: string; actor: string; resource: string; data: Record<string, unknown> };
}

export type PersonRecordOutcome =
  | { status: "recorded"; auditRef: string }
  /** The record changed since it was read (or already exists): nothing written. */
  | { status: "stale" };

export interface Store {
  readonly kind: "memory" | "redis";

  /**
   * The store's notion of now (Redis TIME, or the injected clock); with a username, the
   * clock that user's decisions are taken by (on Redis Cluster, its shard's).
   */
  now(username?: string): Promise<number>;

  putUser(record: UserRecord, actor: string): Promise<void>;
  /**
   * Many users' records, each with its `profile.updated` event: the same state and chains
   * as putUser one by one (on Redis each user's script and seal are pipelined, so a
   * batch costs a round trip or two, not one per user). Each user's step is atomic; the
   * batch is not. The store may keep the given objects: do not change them afterwards.
   */
  putUsers(records: readonly UserRecord[], actor: string): Promise<void>;
  getUser(username: string): Promise<UserRecord | null>;
  /**
   * A user's published profile, for profile GETs (the most frequent read): on Redis from
   * a process cache of its own, holding far more users than the records cache does.
   */
  getPublishedProfile(username: string): Promise<PublishedProfile | null>;
  /** Many users' records at once (one round trip on Redis), in the order asked. */
  getUsers(usernames: readonly string[]): Promise<(UserRecord | null)[]>;
  /**
   * Deletes the user in one atomic step: appends `profile.deleted`, archives the audit
   * chain and removes every other record (rules, agents and their keys, holds, bookings,
   * counters, idempotency and arbitration state). A user created again under the same
   * name starts empty, with a new chain. Returns false when there was no such user.
   * Webhook state is the WebhookStore's: see `Webhooks.forgetUser`.
   */
  deleteUser(username: string, actor: string): Promise<boolean>;
  listUsernames(): Promise<string[]>;
  /**
   * Takes, for `ttlMs`, the right to sign `username`'s profile from the file content named
   * by `digest`: false while another holder (another node process starting at the same
   * time) has it. Released by releaseProfileSigning, or when it expires.
   */
  claimProfileSigning(username: string, digest: string, ttlMs: number): Promise<boolean>;
  releaseProfileSigning(username: string, digest: string): Promise<void>;

  putRules(username: string, rules: Record<string, unknown>, actor: string): Promise<void>;
  getRules(username: string): Promise<Record<string, unknown> | null>;

  createAgent(agent: Agent, keyHash: string, actor: string): Promise<void>;
  findAgentByKeyHash(keyHash: string): Promise<Agent | null>;
  /**
   * Records that the agent made a request now (the store's clock): `arbitrate` asks
   * whether a commit's seniors were seen recently. Forgotten with the user.
   */
  markAgentSeen(username: string, agentId: string): Promise<void>;
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
   * With `who`, the window settles as soon as nobody left could win it: every one of the
   * user's agents has arrived, or an arrival has the user's top priority. A commit
   * (`commit`) closes an open window too: its agent outranks everyone. With
   * `who.seniors` and `who.recentMs`, a commit none of whose seniors is recently active
   * is decided at once, leaving any open window as it is.
   */
  arbitrate(cmd: CommitCommand, windowMs: number, who?: ArbitrationField): Promise<CommitOutcome>;
  /**
   * Cancels a committed or pending booking. `agentId` undefined: the administrator, who
   * may cancel any booking; else it must be the booking's agentId (a peer's request is
   * `peer:<did>`).
   */
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
  /**
   * Pending bookings not yet past `pendingUntil` overlapping the range, by start: busy
   * time beside listBookings' committed ones.
   */
  listPending(username: string, range: Interval): Promise<Booking[]>;
  /**
   * Accepts or declines a pending booking in one atomic step. A booking past its
   * `pendingUntil` is expired first (booking.expired) and refused `not_pending`. Accept
   * re-checks overlaps (committed bookings, other agents' live holds) and the daily limit,
   * then commits it frozen (committedAt = frozenAt = now) with booking.confirmed; decline
   * writes booking.declined. Of concurrent decisions on one booking exactly one decides.
   */
  decidePending(cmd: PendingDecisionCommand): Promise<PendingDecisionOutcome>;
  /** Expires the user's pending bookings past `pendingUntil` (booking.expired); returns them. */
  expirePending(username: string): Promise<Booking[]>;
  /**
   * Users that may have pending bookings due to expire at `now`, soonest first: a sweeper
   * calls expirePending for each. May name a user with nothing left to expire (then
   * expirePending clears the entry); never misses one.
   */
  duePendingUsers(now: number, limit: number): Promise<string[]>;
  /** Records a new status of an outbound meeting's remote side (booking.remote_updated). */
  setRemoteStatus(
    username: string,
    bookingId: string,
    remote: { status: Exclude<RemoteStatus, "pending"> },
    actor: string,
  ): Promise<RemoteStatusOutcome>;

  /**
   * Request-token replay protection: true the first time (iss, jti) is seen, false for a
   * replay, across every node process. The id is remembered until `expiresAt` (pass the
   * token's exp plus the clock tolerance), and at least a minute.
   */
  recordTokenId(iss: string, jti: string, expiresAt: number): Promise<boolean>;
  /**
   * Counts one hit against `key` in a fixed window of `windowMs` starting at the first
   * hit; more than `limit` hits in the window are refused until it ends.
   */
  hitRateLimit(key: string, limit: number, windowMs: number): Promise<RateLimitOutcome>;

  putCounter(
    username: string,
    counter: CounterProposal,
    eventType: string,
    actor: string,
  ): Promise<void>;
  /**
   * Accepts or rejects an open counter-proposal in one atomic step: checks it, commits the
   * accepted slot (replacing the booking), closes it and appends its audit event. Of
   * concurrent decisions on one counter exactly one is `decided`.
   */
  decideCounter(cmd: CounterDecisionCommand): Promise<CounterDecisionOutcome>;
  getCounter(username: string, counterId: string): Promise<CounterProposal | null>;
  listCounters(username: string, bookingId: string): Promise<CounterProposal[]>;

  /** Writes a mention or suggestion and appends its event (compare-and-set, atomic). */
  putPersonRecord(write: PersonRecordWrite): Promise<PersonRecordOutcome>;
  getPersonRecord(username: string, kind: PersonRecordKind, id: string): Promise<string | null>;
  /** Every record of the kind, in no particular order. */
  listPersonRecords(username: string, kind: PersonRecordKind): Promise<string[]>;

  readAudit(username: string, query?: AuditQuery): Promise<AuditEvent[]>;
  auditHead(
    username: string,
    query?: Pick<AuditQuery, "archive">,
  ): Promise<{ seq: number; hash: string }>;
  /** The chains archived by deleteUser, oldest first. */
  listAuditArchives(username: string): Promise<AuditArchive[]>;

  close(): Promise<void>;
}
