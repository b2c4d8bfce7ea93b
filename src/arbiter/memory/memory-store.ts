import type { Clock } from "../../clock.js";
import { agentData, counterData, newEventPrefix } from "../event-data.js";
import type {
  ArbitrationField,
  AuditArchive,
  AuditQuery,
  CancelOutcome,
  CounterDecisionCommand,
  CounterDecisionOutcome,
  CounterProposal,
  Interval,
  PendingDecisionCommand,
  PendingDecisionOutcome,
  PersonRecordKind,
  PersonRecordOutcome,
  PersonRecordWrite,
  PublishedProfile,
  RateLimitOutcome,
  ReleaseOutcome,
  RemoteStatusOutcome,
  Store,
  UserRecord,
} from "../store.js";
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
} from "../types.js";
import { Calendar } from "./calendar.js";
import { decideCounter } from "./counter-decision.js";
import { decidePending, setRemoteStatus } from "./pending-decision.js";

/** A request token's id is remembered at least this long (as record-token-1.lua). */
const MIN_TOKEN_RECORD_MS = 60_000;
const PURGE_INTERVAL_MS = 60_000;

/** An arbitration window is at most this many windows long, however busy. */
const MAX_WINDOWS = 20;
/** Live holds scanned for a senior's; past this many, the seniors count as active (as Redis). */
const MAX_HOLDS_SCANNED = 256;

interface ArbitrationBatch {
  pending: PendingCommit[];
  /** The agents that arrived. */
  agents: Set<string>;
  first: number;
  timer: NodeJS.Timeout | undefined;
  settleNow(): void;
}

interface PendingCommit {
  cmd: CommitCommand;
  arrival: number;
  resolve(outcome: CommitOutcome): void;
  reject(err: unknown): void;
}

/** A copy callers may keep: the calendar changes its own records in place. */
function publicBooking({ dayKey: _d, ...b }: Booking & { dayKey?: string }): Booking {
  // A deep copy: the calendar changes a booking's remote side in place.
  return structuredClone(b);
}

/** The position of the first event with a seq greater than `after` (events in seq order). */
function firstAfterSeq(events: readonly AuditEvent[], after: number): number {
  let lo = 0;
  let hi = events.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (events[mid]!.seq <= after) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The embedded store: the same contract as Redis, kept in this process only. Each
 * method runs without awaiting between its reads and writes, so it is atomic here.
 */
export class MemoryStore implements Store {
  readonly kind = "memory" as const;
  private readonly users = new Map<string, UserRecord>();
  private readonly rules = new Map<string, Record<string, unknown>>();
  private readonly agents = new Map<string, Map<string, Agent>>();
  private readonly agentKeys = new Map<string, { username: string; agentId: string }>();
  private readonly keyOfAgent = new Map<string, string>();
  private readonly calendars = new Map<string, Calendar>();
  private readonly windows = new Map<string, ArbitrationBatch>();
  /** username -> agent id -> when the agent last made a request (markAgentSeen). */
  private readonly seen = new Map<string, Map<string, number>>();
  /** Audit chains of deleted users, by username, oldest first. */
  private readonly archives = new Map<string, (AuditArchive & { events: AuditEvent[] })[]>();
  /**
   * Users with pending bookings -> earliest instant one may expire: kept by the same
   * rules as the Redis index (brought forward by each request, reset by expirePending),
   * so both stores name the same users.
   */
  private readonly pendingDue = new Map<string, number>();
  /** Request-token ids ("<iss>\n<jti>") -> when the record ends. */
  private readonly tokenIds = new Map<string, number>();
  /** Rate-limit windows by key. */
  private readonly rateWindows = new Map<string, { start: number; count: number; end: number }>();
  /** When expired records are next purged (by the injected clock). */
  private purgeAt = 0;

  constructor(private readonly clock: Clock) {}

  async now(): Promise<number> {
    const now = this.clock.now();
    this.purgeIfDue(now);
    return now;
  }

  /**
   * Expired records (idempotency answers past 24 h, request-token ids, rate-limit
   * windows, expired holds) are dropped at most once per PURGE_INTERVAL_MS, by the first
   * call after it: Redis expires its keys; without this the maps would only grow.
   */
  private purgeIfDue(now: number): void {
    if (now < this.purgeAt) return;
    this.purgeAt = now + PURGE_INTERVAL_MS;
    for (const cal of this.calendars.values()) cal.purgeExpired(now);
    for (const [k, until] of this.tokenIds) if (until <= now) this.tokenIds.delete(k);
    for (const [k, w] of this.rateWindows) if (w.end <= now) this.rateWindows.delete(k);
    for (const [k, until] of this.signingClaims) if (until <= now) this.signingClaims.delete(k);
  }

  /** How many expiring records the store keeps now (operators and tests watch growth). */
  expiringRecords(): { idempotency: number; tokenIds: number; rateWindows: number; holds: number } {
    let idempotency = 0;
    let holds = 0;
    for (const cal of this.calendars.values()) {
      idempotency += cal.idempotencyRecords;
      holds += cal.holdCount;
    }
    return { idempotency, tokenIds: this.tokenIds.size, rateWindows: this.rateWindows.size, holds };
  }

  private calendar(username: string): Calendar {
    this.purgeIfDue(this.clock.now());
    let cal = this.calendars.get(username);
    if (!cal) {
      cal = new Calendar();
      this.calendars.set(username, cal);
    }
    cal.begin(newEventPrefix());
    return cal;
  }

  async putUser(record: UserRecord, actor: string): Promise<void> {
    this.storeUser(structuredClone(record), actor);
  }

  /** Keeps the records themselves, not copies: at 100,000 users a copy each costs seconds. */
  async putUsers(records: readonly UserRecord[], actor: string): Promise<void> {
    for (const record of records) this.storeUser(record, actor);
  }

  private storeUser(record: UserRecord, actor: string): void {
    this.users.set(record.username, record);
    this.calendar(record.username).audit(
      this.clock.now(),
      "profile.updated",
      actor,
      record.username,
      {
        etag: record.etag,
        source: record.source,
      },
    );
  }

  async getUser(username: string): Promise<UserRecord | null> {
    // Records are replaced, never mutated in place, so handing out the stored object is safe.
    return this.users.get(username) ?? null;
  }

  async getPublishedProfile(username: string): Promise<PublishedProfile | null> {
    return this.users.get(username) ?? null;
  }

  async getUsers(usernames: readonly string[]): Promise<(UserRecord | null)[]> {
    return usernames.map((u) => this.users.get(u) ?? null);
  }

  async deleteUser(username: string, actor: string): Promise<boolean> {
    if (!this.users.delete(username)) return false;
    const now = this.clock.now();
    const cal = this.calendar(username);
    cal.audit(now, "profile.deleted", actor, username, {});
    // The chain is kept, closed, as an archive; everything else of the user goes.
    const archives = this.archives.get(username) ?? [];
    const last = cal.events.at(-1)!;
    archives.push({
      archive: archives.length + 1,
      deletedAt: now,
      head: { seq: last.seq, hash: last.hash },
      events: cal.events,
    });
    this.archives.set(username, archives);
    this.calendars.delete(username);
    this.pendingDue.delete(username);
    this.rules.delete(username);
    for (const agentId of this.agents.get(username)?.keys() ?? []) {
      const keyHash = this.keyOfAgent.get(agentId);
      if (keyHash) this.agentKeys.delete(keyHash);
      this.keyOfAgent.delete(agentId);
    }
    this.agents.delete(username);
    this.seen.delete(username);
    // Commits waiting in the arbitration window lose their state, as on Redis.
    const batch = this.windows.get(username);
    if (batch) {
      this.windows.delete(username);
      clearTimeout(batch.timer);
      for (const p of batch.pending)
        p.resolve({ status: "rejected", reason: "arbitration_expired", replay: false });
    }
    return true;
  }

  async listUsernames(): Promise<string[]> {
    return [...this.users.keys()].sort();
  }

  /** Claims of profile signing, by user and digest: when each expires. */
  private readonly signingClaims = new Map<string, number>();

  async claimProfileSigning(username: string, digest: string, ttlMs: number): Promise<boolean> {
    const key = `${username}\n${digest}`;
    const now = this.clock.now();
    if ((this.signingClaims.get(key) ?? 0) > now) return false;
    this.signingClaims.set(key, now + ttlMs);
    return true;
  }

  async releaseProfileSigning(username: string, digest: string): Promise<void> {
    this.signingClaims.delete(`${username}\n${digest}`);
  }

  async putRules(username: string, rules: Record<string, unknown>, actor: string): Promise<void> {
    this.rules.set(username, structuredClone(rules));
    this.calendar(username).audit(this.clock.now(), "rules.updated", actor, username, { rules });
  }

  async getRules(username: string): Promise<Record<string, unknown> | null> {
    return structuredClone(this.rules.get(username) ?? null);
  }

  async createAgent(agent: Agent, keyHash: string, actor: string): Promise<void> {
    let agents = this.agents.get(agent.username);
    if (!agents) {
      agents = new Map();
      this.agents.set(agent.username, agents);
    }
    agents.set(agent.id, structuredClone(agent));
    this.agentKeys.set(keyHash, { username: agent.username, agentId: agent.id });
    this.keyOfAgent.set(agent.id, keyHash);
    this.calendar(agent.username).audit(
      this.clock.now(),
      "agent.created",
      actor,
      agent.id,
      agentData(agent),
    );
  }

  async findAgentByKeyHash(keyHash: string): Promise<Agent | null> {
    const ref = this.agentKeys.get(keyHash);
    return ref ? this.getAgent(ref.username, ref.agentId) : null;
  }

  async markAgentSeen(username: string, agentId: string): Promise<void> {
    let seen = this.seen.get(username);
    if (!seen) {
      seen = new Map();
      this.seen.set(username, seen);
    }
    seen.set(agentId, this.clock.now());
  }

  async getAgent(username: string, agentId: string): Promise<Agent | null> {
    return structuredClone(this.agents.get(username)?.get(agentId) ?? null);
  }

  async listAgents(username: string): Promise<Agent[]> {
    return [...(this.agents.get(username)?.values() ?? [])]
      .map((a) => structuredClone(a))
      .sort((a, b) => a.priority - b.priority || a.createdAt - b.createdAt);
  }

  async updateAgent(agent: Agent, actor: string): Promise<void> {
    this.agents.get(agent.username)?.set(agent.id, structuredClone(agent));
    this.calendar(agent.username).audit(
      this.clock.now(),
      "agent.updated",
      actor,
      agent.id,
      agentData(agent),
    );
  }

  async deleteAgent(username: string, agentId: string, actor: string): Promise<boolean> {
    const agents = this.agents.get(username);
    const agent = agents?.get(agentId);
    if (!agents || !agent) return false;
    agents.delete(agentId);
    const keyHash = this.keyOfAgent.get(agentId);
    if (keyHash) this.agentKeys.delete(keyHash);
    this.keyOfAgent.delete(agentId);
    this.calendar(username).audit(
      this.clock.now(),
      "agent.revoked",
      actor,
      agentId,
      agentData(agent),
    );
    return true;
  }

  async hold(cmd: HoldCommand): Promise<HoldOutcome> {
    const key = cmd.idempotencyKey && `${cmd.agentId}:hold:${cmd.idempotencyKey}`;
    return structuredClone(
      this.calendar(cmd.username).hold(cmd, this.clock.now(), key || undefined),
    );
  }

  async findReplay(
    username: string,
    agentId: string,
    kind: "hold" | "commit",
    idempotencyKey: string,
    fingerprint: string,
  ): Promise<HoldOutcome | CommitOutcome | null> {
    const cal = this.calendars.get(username);
    const answer = cal?.replay(
      `${agentId}:${kind}:${idempotencyKey}`,
      fingerprint,
      this.clock.now(),
    );
    if (!answer) return null;
    return answer.status === "committed"
      ? {
          ...answer,
          booking: publicBooking(answer.booking),
          evicted: answer.evicted.map(publicBooking),
        }
      : answer;
  }

  async releaseHold(
    username: string,
    holdId: string,
    agentId: string | undefined,
    actor: string,
  ): Promise<ReleaseOutcome> {
    return structuredClone(
      this.calendar(username).release(holdId, agentId, actor, this.clock.now()),
    );
  }

  async commit(cmd: CommitCommand): Promise<CommitOutcome> {
    const now = this.clock.now();
    const outcome = this.commitOn(this.calendar(cmd.username), cmd);
    if (cmd.notice && outcome.status === "rejected" && outcome.replay === false) {
      const refusedByRule =
        outcome.reason === "insufficient_notice" || outcome.reason === cmd.notice.afterwards;
      // Refused by the person's rules, the commit did not reach the calendar: the window stays open.
      if (refusedByRule) return { ...outcome, now };
    }
    // Its agent outranks everyone: the open window settles now, after this commit.
    this.windows.get(cmd.username)?.settleNow();
    return cmd.notice ? { ...outcome, now } : outcome;
  }

  /** A commit within the atomic step `cal` has begun. */
  private commitOn(cal: Calendar, cmd: CommitCommand): CommitOutcome {
    const key = cmd.idempotencyKey && `${cmd.agentId}:commit:${cmd.idempotencyKey}`;
    const outcome = cal.commit(cmd, this.clock.now(), key || undefined);
    if (outcome.status !== "committed") return structuredClone(outcome);
    const until = outcome.booking.pendingUntil;
    if (!outcome.replay && outcome.booking.status === "pending" && until !== undefined) {
      const due = this.pendingDue.get(cmd.username);
      if (due === undefined || until < due) this.pendingDue.set(cmd.username, until);
    }
    return {
      ...outcome,
      booking: publicBooking(outcome.booking),
      evicted: outcome.evicted.map(publicBooking),
      displacedHolds: structuredClone(outcome.displacedHolds),
    };
  }

  async arbitrate(
    cmd: CommitCommand,
    windowMs: number,
    who?: ArbitrationField,
  ): Promise<CommitOutcome> {
    // Overlapping a booking nobody can evict (a top-priority agent's), it cannot win
    // whatever else arrives: decided at once, as the Redis script does.
    if (who) {
      const range = { start: cmd.start, end: cmd.end };
      const [committed, pending] = [
        await this.listBookings(cmd.username, range),
        await this.listPending(cmd.username, range),
      ];
      if ([...committed, ...pending].some((b) => b.priority <= who.topPriority))
        return this.commitOn(this.calendar(cmd.username), cmd);
    }
    // No senior recently active: decided at once, as the Redis script does.
    if (
      who?.seniors !== undefined &&
      who.recentMs !== undefined &&
      !this.seniorsActive(cmd, who.seniors, who.recentMs)
    )
      return this.commitOn(this.calendar(cmd.username), cmd);
    return new Promise((resolve, reject) => {
      let batch = this.windows.get(cmd.username);
      if (!batch) {
        const created: ArbitrationBatch = {
          pending: [],
          agents: new Set(),
          first: Date.now(),
          timer: undefined,
          settleNow: () => {
            if (created.timer) clearTimeout(created.timer);
            created.timer = undefined;
            this.settle(cmd.username, created);
          },
        };
        batch = created;
        this.windows.set(cmd.username, batch);
      }
      const current = batch;
      current.pending.push({ cmd, arrival: current.pending.length, resolve, reject });
      current.agents.add(cmd.agentId);
      // Nobody left could win it (see Store.arbitrate): as the Redis script, at once.
      const best = Math.min(...current.pending.map((p) => p.cmd.priority));
      if (
        who &&
        ((who.agents > 0 && current.agents.size >= who.agents) || best <= who.topPriority)
      ) {
        setTimeout(current.settleNow, 0);
        return;
      }
      // Each arrival moves the deadline (commits within the window of each other are
      // decided together), capped like the Redis script.
      const deadline = Math.min(Date.now() + windowMs, current.first + MAX_WINDOWS * windowMs);
      if (current.timer) clearTimeout(current.timer);
      current.timer = setTimeout(current.settleNow, Math.max(0, deadline - Date.now()));
    });
  }

  /**
   * Whether any of `seniors` is recently active (as seniors_active in the Redis
   * arbitration.lua): seen within `recentMs`, holding a live hold, or waiting in the window
   * (any commit there ranked as high as `cmd` or higher).
   */
  private seniorsActive(cmd: CommitCommand, seniors: string[], recentMs: number): boolean {
    const batch = this.windows.get(cmd.username);
    if (batch?.pending.some((p) => p.cmd.priority <= cmd.priority)) return true;
    if (seniors.length === 0) return false;
    const now = this.clock.now();
    const seen = this.seen.get(cmd.username);
    if (seniors.some((id) => (seen?.get(id) ?? Number.NEGATIVE_INFINITY) > now - recentMs))
      return true;
    const live = [...(this.calendars.get(cmd.username)?.holds.values() ?? [])].filter(
      (h) => h.expiresAt > now,
    );
    if (live.length > MAX_HOLDS_SCANNED) return true;
    const isSenior = new Set(seniors);
    return live.some((h) => isSenior.has(h.agentId));
  }

  /** Decides a window's batch, in priority order (ties: arrival), as one atomic step. */
  private settle(username: string, batch: ArbitrationBatch): void {
    if (this.windows.get(username) !== batch) return;
    this.windows.delete(username);
    batch.pending.sort((a, b) => a.cmd.priority - b.cmd.priority || a.arrival - b.arrival);
    // The whole batch is one atomic step, as in the Redis settle script: its events share a prefix.
    const cal = this.calendar(username);
    for (const p of batch.pending) {
      try {
        p.resolve(this.commitOn(cal, p.cmd));
      } catch (err) {
        p.reject(err);
      }
    }
  }

  async cancelBooking(
    username: string,
    bookingId: string,
    agentId: string | undefined,
    actor: string,
  ): Promise<CancelOutcome> {
    const outcome = this.calendar(username).cancel(bookingId, agentId, actor, this.clock.now());
    return outcome.status === "cancelled"
      ? { ...outcome, booking: publicBooking(outcome.booking) }
      : outcome;
  }

  async getBooking(username: string, bookingId: string): Promise<Booking | null> {
    const b = this.calendars.get(username)?.bookings.get(bookingId);
    return b ? publicBooking(b) : null;
  }

  async listBookings(username: string, range: Interval): Promise<Booking[]> {
    const cal = this.calendars.get(username);
    if (!cal) return [];
    return cal
      .activeInRange(range)
      .filter((b) => b.status === "committed")
      .map(publicBooking);
  }

  async listHolds(username: string, range: Interval): Promise<Hold[]> {
    const cal = this.calendars.get(username);
    if (!cal) return [];
    const now = this.clock.now();
    return [...cal.holds.values()]
      .filter((h) => h.expiresAt > now && h.end > range.start && h.start < range.end)
      .sort((a, b) => a.start - b.start || (a.id < b.id ? -1 : 1))
      .map((h) => ({ ...h }));
  }

  async listPending(username: string, range: Interval): Promise<Booking[]> {
    const cal = this.calendars.get(username);
    if (!cal) return [];
    const now = this.clock.now();
    return cal
      .activeInRange(range)
      .filter((b) => b.status === "pending" && b.pendingUntil! > now)
      .map(publicBooking);
  }

  async decidePending(cmd: PendingDecisionCommand): Promise<PendingDecisionOutcome> {
    const outcome = decidePending(this.calendar(cmd.username), cmd, this.clock.now());
    return outcome.status === "decided"
      ? { ...outcome, booking: publicBooking(outcome.booking) }
      : outcome;
  }

  async expirePending(username: string): Promise<Booking[]> {
    const cal = this.calendars.get(username);
    const expired = cal ? this.calendar(username).expirePending(this.clock.now()) : [];
    this.pendingDue.delete(username);
    const next = cal?.livePending()[0]?.pendingUntil;
    if (next !== undefined) this.pendingDue.set(username, next);
    return expired.map(publicBooking);
  }

  async duePendingUsers(now: number, limit: number): Promise<string[]> {
    return [...this.pendingDue]
      .filter(([, due]) => due <= now)
      .sort(([ua, a], [ub, b]) => a - b || (ua < ub ? -1 : ua > ub ? 1 : 0))
      .slice(0, Math.max(0, limit))
      .map(([username]) => username);
  }

  async setRemoteStatus(
    username: string,
    bookingId: string,
    remote: { status: Exclude<RemoteStatus, "pending"> },
    actor: string,
  ): Promise<RemoteStatusOutcome> {
    const outcome = setRemoteStatus(
      this.calendar(username),
      bookingId,
      remote.status,
      actor,
      this.clock.now(),
    );
    return outcome.status === "refused"
      ? outcome
      : { ...outcome, booking: publicBooking(outcome.booking) };
  }

  /** Drops ended token records and rate windows now and then, so neither map only grows. */
  async recordTokenId(iss: string, jti: string, expiresAt: number): Promise<boolean> {
    const now = this.clock.now();
    this.purgeIfDue(now);
    const key = `${iss}\n${jti}`;
    const until = this.tokenIds.get(key);
    if (until !== undefined && until > now) return false;
    this.tokenIds.set(key, Math.max(expiresAt, now + MIN_TOKEN_RECORD_MS));
    return true;
  }

  async hitRateLimit(key: string, limit: number, windowMs: number): Promise<RateLimitOutcome> {
    const now = this.clock.now();
    this.purgeIfDue(now);
    let w = this.rateWindows.get(key);
    if (!w || now >= w.start + windowMs) {
      w = { start: now, count: 0, end: now + windowMs };
      this.rateWindows.set(key, w);
    }
    w.count += 1;
    w.end = w.start + windowMs;
    return w.count > limit
      ? { allowed: false, retryAfterMs: w.start + windowMs - now }
      : { allowed: true, retryAfterMs: 0 };
  }

  async putPersonRecord(write: PersonRecordWrite): Promise<PersonRecordOutcome> {
    const cal = this.calendar(write.username);
    const field = `${write.kind}:${write.id}`;
    if ((cal.personRecords.get(field) ?? null) !== write.expected) return { status: "stale" };
    cal.personRecords.set(field, write.value);
    const { type, actor, resource, data } = write.event;
    return {
      status: "recorded",
      auditRef: cal.audit(this.clock.now(), type, actor, resource, data),
    };
  }

  async getPersonRecord(username: string, kind: PersonRecordKind, id: string) {
    return this.calendars.get(username)?.personRecords.get(`${kind}:${id}`) ?? null;
  }

  async listPersonRecords(username: string, kind: PersonRecordKind): Promise<string[]> {
    const records = this.calendars.get(username)?.personRecords ?? new Map<string, string>();
    return [...records].filter(([field]) => field.startsWith(`${kind}:`)).map(([, v]) => v);
  }

  async putCounter(
    username: string,
    counter: CounterProposal,
    eventType: string,
    actor: string,
  ): Promise<void> {
    const cal = this.calendar(username);
    cal.counters.set(counter.id, structuredClone(counter));
    cal.audit(this.clock.now(), eventType, actor, counter.bookingId, counterData(counter));
  }

  async decideCounter(cmd: CounterDecisionCommand): Promise<CounterDecisionOutcome> {
    const key =
      cmd.commit?.idempotencyKey && `${cmd.commit.agentId}:commit:${cmd.commit.idempotencyKey}`;
    const outcome = decideCounter(
      this.calendar(cmd.username),
      cmd,
      this.clock.now(),
      key || undefined,
    );
    if (outcome.status !== "decided" || !outcome.commit) return structuredClone(outcome);
    const c = outcome.commit;
    return {
      ...outcome,
      commit: {
        ...c,
        booking: publicBooking(c.booking),
        evicted: c.evicted.map(publicBooking),
        displacedHolds: structuredClone(c.displacedHolds),
      },
    };
  }

  async getCounter(username: string, counterId: string): Promise<CounterProposal | null> {
    return structuredClone(this.calendars.get(username)?.counters.get(counterId) ?? null);
  }

  async listCounters(username: string, bookingId: string): Promise<CounterProposal[]> {
    const cal = this.calendars.get(username);
    return [...(cal?.counters.values() ?? [])]
      .filter((c) => c.bookingId === bookingId)
      .sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1))
      .map((c) => structuredClone(c));
  }

  private chain(username: string, archive: number | undefined): readonly AuditEvent[] {
    if (archive === undefined) return this.calendars.get(username)?.events ?? [];
    return this.archives.get(username)?.find((a) => a.archive === archive)?.events ?? [];
  }

  async readAudit(username: string, query: AuditQuery = {}): Promise<AuditEvent[]> {
    const { resource, archive } = query;
    const events =
      resource === undefined
        ? this.chain(username, archive)
        : archive === undefined
          ? (this.calendars.get(username)?.eventsByResource.get(resource) ?? [])
          : this.chain(username, archive).filter((e) => e.resource === resource);
    const after = query.afterSeq ?? 0;
    if (Number.isNaN(after)) return [];
    // Events are in seq order: the first one after `afterSeq` is found by bisection.
    const first = firstAfterSeq(events, after);
    const limit = query.limit ?? 1000;
    return events.slice(first, limit < 0 ? limit : first + limit).map((e) => structuredClone(e));
  }

  async auditHead(
    username: string,
    query: Pick<AuditQuery, "archive"> = {},
  ): Promise<{ seq: number; hash: string }> {
    const last = this.chain(username, query.archive).at(-1);
    return { seq: last?.seq ?? 0, hash: last?.hash ?? "0".repeat(64) };
  }

  async listAuditArchives(username: string): Promise<AuditArchive[]> {
    return (this.archives.get(username) ?? []).map(({ events: _e, ...a }) => structuredClone(a));
  }

  async close(): Promise<void> {}
}
