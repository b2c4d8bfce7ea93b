import { createHash } from "node:crypto";
import type { RedisScripts } from "redis";
import type { Clock } from "../../clock.js";
import { canonicalJson } from "../../identity/index.js";
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
import { MAX_SPAN_MS } from "../types.js";
import { type PendingAudit, sealChain, sealPending } from "./audit-seal.js";
import { type Client, connectArbiterClient, type RedisTarget } from "./client.js";
import {
  agentKeyIndex,
  agentsSeenKey,
  archivesKey,
  auditKeys,
  CLOCK_KEY,
  calendarKeys,
  idempotencyField,
  PENDING_DUE_KEY,
  profileSigningKey,
  rateLimitKey,
  recordKeys,
  tokenIdKey,
  USERS_KEY,
  userKey,
} from "./keys.js";
import { SealBehind } from "./seal-behind.js";
import {
  type AgentRecord,
  LiveCache,
  type LiveCacheBounds,
  RECORDS_CHANNEL,
  type UserRecords,
  UserRecordsCache,
} from "./user-records-cache.js";

/** How long connecting waits at most for the subscriptions to listen. */
const SUBSCRIBE_WAIT_MS = 2_000;

/**
 * The cache's two generations keep at least the last half of the bound's users (see
 * LiveCache): every user of an organization of 100,000, ~2 KB each (~200 MB), and 400 MB
 * at most for a larger one. Changes drop entries at once (pub/sub); the age bound only
 * covers a change made behind the scripts' back (an operator's write into Redis), and is
 * longer than the records cache's because a profile is public and grants nothing: at
 * five minutes, a node serving 100,000 people's profiles at ~300 GETs/s or more answers
 * most of them from memory.
 */
const PUBLISHED_PROFILES_BOUNDS: LiveCacheBounds = { maxEntries: 200_000, maxAgeMs: 300_000 };

import {
  list,
  luaCommand,
  normalizeCommitOutcome,
  parseCounterDecision,
  parseEvent,
  publicBooking,
  stripKey,
} from "./wire.js";

export interface RedisStoreOptions {
  /** Tests only: replaces Redis TIME in the scripts so time can be stepped. */
  clock?: Clock;
  /** How long a command may wait for its reply (default 5000 ms). */
  replyTimeoutMs?: number;
  /**
   * Tests only: writes leave their audit events unsealed, as a process that dies between
   * a script and its seal does; readers must still see a whole chain.
   */
  leaveUnsealed?: boolean;
}

/** Where arb-settle and commit announce that a window settled (or may settle now). */
const SETTLED_CHANNEL = "cal:arb:settled";
/** The most events a script hands over to seal (pending_audit in lua/core/common.lua). */
const SEAL_BATCH = 500;

/** Agent keys known to this process, to their user: positive answers only, bounded. */
const MAX_KEY_INDEX = 20_000;

/**
 * The production store: state and decisions live in Redis, shared by every node process.
 * Users' records, rules and agents are cached in the process (see user-records-cache.ts),
 * kept current through a subscriber connection, the one connection beside the client.
 */
export class RedisStore implements Store {
  readonly kind = "redis" as const;
  private readonly records = new UserRecordsCache((username) => this.loadRecords(username));
  /**
   * Published profiles, for profile GETs: only the signed bytes, ETag and visibility
   * (~2 KB a user), so many more users fit than in the records cache — with 100,000
   * users, a GET of any of them is answered without a round trip most of the time.
   */
  private readonly profiles = new LiveCache<PublishedProfile | null>(
    (username) => this.loadPublishedProfile(username),
    PUBLISHED_PROFILES_BOUNDS,
  );
  private readonly keyIndex = new Map<string, string>();
  /** Requests waiting in an arbitration window, by the window's arb_meta key. */
  private readonly windowWaiters = new Map<string, Set<() => void>>();
  /**
   * When each window was last announced settled (performance.now()): an announcement may
   * arrive on the subscriber's socket before the entering request's reply is handled, and
   * must not be lost, or that request would sleep out the whole window.
   */
  private readonly settledAt = new Map<string, number>();
  private subscriber: Client | undefined;
  private closed = false;
  /** Seals commits' audit events after their answers (see seal-behind.ts). */
  private readonly sealBehind: SealBehind;

  private constructor(
    private readonly client: Client,
    private readonly clock: Clock | undefined,
    /** False when the node's shared connection was lent: its owner closes it. */
    private readonly ownsClient: boolean,
    private readonly leaveUnsealed = false,
  ) {
    this.sealBehind = new SealBehind(client, (username) => auditKeys(username));
    this.subscribed = this.subscribe().catch(() => {
      // Without the subscription nothing is cached: every read goes to Redis.
    });
  }

  /** Resolves once the change and settle subscriptions listen (or could not be made). */
  private readonly subscribed: Promise<void>;

  /**
   * Until the subscriptions listen, nothing is cached and an arbitration window's early
   * settling can go unheard (its commits then wait out the window): wait for them, a
   * little at most.
   */
  whenSubscribed(maxMs = SUBSCRIBE_WAIT_MS): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, maxMs);
      timer.unref();
    });
    return Promise.race([this.subscribed, bound]).finally(() => clearTimeout(timer));
  }

  /** Listens for changes of users' records; the cache is used only while it listens. */
  private async subscribe(): Promise<void> {
    const sub = this.client.duplicate();
    this.subscriber = sub;
    sub.on("error", () => this.setCachesLive(false));
    sub.on("reconnecting", () => this.setCachesLive(false));
    sub.on("end", () => this.setCachesLive(false));
    await sub.connect();
    if (this.closed) return void (await sub.close());
    await sub.subscribe(RECORDS_CHANNEL, (username) => this.forget(username));
    await sub.subscribe(SETTLED_CHANNEL, (metaKey) => {
      if (this.settledAt.size >= 10_000) this.settledAt.clear();
      this.settledAt.set(metaKey, performance.now());
      for (const wake of this.windowWaiters.get(metaKey) ?? []) wake();
    });
    // node-redis subscribes again before it is ready after a reconnection.
    sub.on("ready", () => this.setCachesLive(true));
    this.setCachesLive(true);
  }

  private setCachesLive(live: boolean): void {
    this.records.setLive(live);
    this.profiles.setLive(live);
  }

  private forget(username: string): void {
    this.records.invalidate(username);
    this.profiles.invalidate(username);
  }

  private async loadPublishedProfile(username: string): Promise<PublishedProfile | null> {
    const raw = await this.client.hGet(userKey(username, "user"), "record");
    if (!raw) return null;
    const { published, etag, visibility } = JSON.parse(raw) as UserRecord;
    return { published, etag, visibility };
  }

  /** Profile record, rules and agents of a user: one round trip. */
  private async loadRecords(username: string): Promise<UserRecords> {
    const [[record, rules], agents] = await Promise.all([
      this.client.hmGet(userKey(username, "user"), ["record", "rules"]),
      this.client.hVals(userKey(username, "agents")),
    ]);
    return {
      user: record ? JSON.parse(record) : null,
      rules: rules ? JSON.parse(rules) : null,
      agents: agents
        .map((raw) => JSON.parse(raw) as AgentRecord)
        .sort((a, b) => a.priority - b.priority || a.createdAt - b.createdAt),
    };
  }

  /** A store on a connection of its own (a Redis URL, or a cluster), closed with the store. */
  static async connect(
    target: RedisTarget | string,
    opts: RedisStoreOptions = {},
  ): Promise<RedisStore> {
    const client = await connectArbiterClient(target, opts.replyTimeoutMs ?? 5000);
    const store = new RedisStore(client, opts.clock, true, opts.leaveUnsealed);
    await store.whenSubscribed();
    return store;
  }

  /** Its Redis connection, for the parts that keep state beside the arbiter's. */
  get connection(): Client {
    return this.client;
  }

  /** A store on the node's shared connection (see `connectArbiterClient`). */
  static fromClient<S extends RedisScripts>(
    client: Client<S>,
    opts: Pick<RedisStoreOptions, "clock" | "leaveUnsealed"> = {},
  ): RedisStore {
    // The shared connection carries other parts' scripts too; the store uses its own.
    return new RedisStore(client as unknown as Client, opts.clock, false, opts.leaveUnsealed);
  }

  /** Seals what the user's chain (or an archive) has pending: before reading it. */
  private seal(username: string, archive?: number): Promise<void> {
    return sealChain(this.client, auditKeys(username, archive));
  }

  /** The second step of a write: seals the events its script appended. */
  private async sealWrites(username: string, pending?: PendingAudit | null): Promise<void> {
    if (this.leaveUnsealed) return;
    if (pending === undefined) return this.seal(username);
    if (pending) await sealPending(this.client, auditKeys(username), pending);
  }

  /** A script's JSON answer, once the events it appended are sealed. */
  private async sealed<T>(username: string, reply: unknown): Promise<T> {
    await this.sealWrites(username);
    return JSON.parse(reply as string) as T;
  }

  private common(): string[] {
    return [this.timeOverride(), newEventPrefix(), String(MAX_SPAN_MS)];
  }

  /** A script's ARGV[1]: the test clock's now, or "" for Redis's TIME. */
  private timeOverride(): string {
    return this.clock ? String(this.clock.now()) : "";
  }

  /**
   * Redis's clock. With a username, the clock of the shard holding the user's keys, the
   * one its scripts decide by; without, the shard of a fixed key.
   */
  async now(username?: string): Promise<number> {
    if (this.clock) return this.clock.now();
    const key = username === undefined ? CLOCK_KEY : userKey(username, "user");
    const [seconds, micros] = (await this.client.serverTime([key], [])) as [string, string];
    return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
  }

  private async record(
    username: string,
    hash: string,
    field: string,
    value: string,
    event: { type: string; actor: string; resource: string; data: unknown },
  ): Promise<void> {
    const reply = await this.client.record(
      [...calendarKeys(username), userKey(username, hash)],
      [
        ...this.common(),
        event.type,
        event.actor,
        event.resource,
        canonicalJson(event.data),
        field,
        value,
        "",
        hash === "counters" ? "" : username,
      ],
    );
    if (hash !== "counters") this.forget(username);
    // The script hands over what it left to seal: sealed without reading the head again.
    const { seal, ...outcome } = JSON.parse(reply as string) as {
      status: string;
      reason?: string;
      seal?: PendingAudit;
    };
    await this.sealWrites(username, seal ?? null);
    // A batch cut short (a chain left with many events unsealed): the rest is read and sealed.
    if (seal && seal.events.length >= SEAL_BATCH) await this.sealWrites(username);
    if (outcome.status !== "recorded") throw new Error(`record failed: ${outcome.reason}`);
  }

  private putUserRecord(record: UserRecord, actor: string): Promise<void> {
    return this.record(record.username, "user", "record", JSON.stringify(record), {
      type: "profile.updated",
      actor,
      resource: record.username,
      data: { etag: record.etag, source: record.source },
    });
  }

  async putUser(record: UserRecord, actor: string): Promise<void> {
    await this.putUserRecord(record, actor);
    await this.client.sAdd(USERS_KEY, record.username);
  }

  async putUsers(records: readonly UserRecord[], actor: string): Promise<void> {
    if (records.length === 0) return;
    // Issued in one tick: node-redis pipelines the scripts (one pipeline per shard), then
    // the seals; the user list is one SADD for the batch.
    await Promise.all(records.map((record) => this.putUserRecord(record, actor)));
    await this.client.sAdd(
      USERS_KEY,
      records.map((r) => r.username),
    );
  }

  async getUser(username: string): Promise<UserRecord | null> {
    const { user } = await this.records.get(username);
    return user ? { ...user } : null;
  }

  getPublishedProfile(username: string): Promise<PublishedProfile | null> {
    return this.profiles.get(username);
  }

  async getUsers(usernames: readonly string[]): Promise<(UserRecord | null)[]> {
    // Issued in one tick, so node-redis sends them as one pipeline (and, on a cluster, one
    // per shard). Not through the records cache: a bulk read is start-up's, not a request's.
    const raws = await Promise.all(
      usernames.map((u) => this.client.hGet(userKey(u, "user"), "record")),
    );
    return raws.map((raw) => (raw ? (JSON.parse(raw) as UserRecord) : null));
  }

  async deleteUser(username: string, actor: string): Promise<boolean> {
    // The archive number is read first and checked by the script: a concurrent deletion
    // that took it makes this one try the next.
    for (let attempt = 0; attempt < 10; attempt++) {
      await this.seal(username);
      const archive = (await this.client.hLen(archivesKey(username))) + 1;
      const archived = auditKeys(username, archive);
      const reply = JSON.parse(
        (await this.client.deleteUser(
          [
            ...calendarKeys(username),
            ...recordKeys(username),
            archivesKey(username),
            archived.stream,
            archived.head,
            archived.resources,
          ],
          [...this.common(), username, actor, String(archive)],
        )) as string,
      ) as { status: "deleted" | "not_found" | "retry" | "unsealed"; keyHashes?: unknown };
      if (reply.status === "retry" || reply.status === "unsealed") continue;
      this.forget(username);
      if (reply.status === "not_found") return false;
      // profile.deleted is sealed in the archive, and the archive's head recorded.
      await this.sealArchiveHead(username, archive);
      // Second step, on other slots: the agents' keys and the user list.
      const keyHashes = list<string>(reply.keyHashes);
      // One DEL per key: the index entries hash to different cluster slots.
      await Promise.all(keyHashes.map((h) => this.client.del(agentKeyIndex(h))));
      await this.client.sRem(USERS_KEY, username);
      await this.client.zRem(PENDING_DUE_KEY, username);
      // The person's mentions and suggestions (same slot; a record without its user is inert).
      await this.client.del([
        ...["mentions", "suggestions", "notifications"].map((kind) => userKey(username, kind)),
        agentsSeenKey(username),
      ]);
      return true;
    }
    throw new Error(`deleteUser ${username}: archive number kept changing`);
  }

  /** Seals an archived chain and records its head in the archive list (idempotent). */
  private async sealArchiveHead(username: string, archive: number): Promise<AuditArchive> {
    await this.seal(username, archive);
    const raw = await this.client.hGet(archivesKey(username), String(archive));
    const record = JSON.parse(raw ?? "null") as AuditArchive;
    record.head = await this.readHead(username, archive);
    await this.client.hSet(archivesKey(username), String(archive), JSON.stringify(record));
    return record;
  }

  async listUsernames(): Promise<string[]> {
    return (await this.client.sMembers(USERS_KEY)).sort();
  }

  async claimProfileSigning(username: string, digest: string, ttlMs: number): Promise<boolean> {
    const claimed = await this.client.set(profileSigningKey(username, digest), "1", {
      NX: true,
      PX: ttlMs,
    });
    return claimed === "OK";
  }

  async releaseProfileSigning(username: string, digest: string): Promise<void> {
    await this.client.del(profileSigningKey(username, digest));
  }

  async putRules(username: string, rules: Record<string, unknown>, actor: string): Promise<void> {
    await this.record(username, "user", "rules", JSON.stringify(rules), {
      type: "rules.updated",
      actor,
      resource: username,
      data: { rules },
    });
  }

  async getRules(username: string): Promise<Record<string, unknown> | null> {
    return (await this.records.get(username)).rules;
  }

  async createAgent(agent: Agent, keyHash: string, actor: string): Promise<void> {
    await this.record(agent.username, "agents", agent.id, JSON.stringify({ ...agent, keyHash }), {
      type: "agent.created",
      actor,
      resource: agent.id,
      data: agentData(agent),
    });
    await this.client.set(agentKeyIndex(keyHash), JSON.stringify([agent.username, agent.id]));
  }

  private async agentRecord(username: string, agentId: string) {
    const raw = await this.client.hGet(userKey(username, "agents"), agentId);
    return raw ? (JSON.parse(raw) as Agent & { keyHash: string }) : null;
  }

  async findAgentByKeyHash(keyHash: string): Promise<Agent | null> {
    const known = this.keyIndex.get(keyHash);
    if (known !== undefined) {
      const cached = (await this.records.get(known)).agents.find((a) => a.keyHash === keyHash);
      if (cached) return stripKey(cached);
    }
    // Unknown here, or changed: the index and the record decide.
    const raw = await this.client.get(agentKeyIndex(keyHash));
    if (!raw) return null;
    const [username, agentId] = JSON.parse(raw) as [string, string];
    const agent = await this.agentRecord(username, agentId);
    // The index may outlive a revoked agent for an instant; the record decides.
    if (!agent || agent.keyHash !== keyHash) return null;
    if (this.keyIndex.size >= MAX_KEY_INDEX) this.keyIndex.clear();
    this.keyIndex.set(keyHash, username);
    return stripKey(agent);
  }

  async markAgentSeen(username: string, agentId: string): Promise<void> {
    await this.client.agentSeen([agentsSeenKey(username)], [this.timeOverride(), agentId]);
  }

  async getAgent(username: string, agentId: string): Promise<Agent | null> {
    const agent = (await this.records.get(username)).agents.find((a) => a.id === agentId);
    return agent ? stripKey(agent) : null;
  }

  async listAgents(username: string): Promise<Agent[]> {
    return (await this.records.get(username)).agents.map(stripKey);
  }

  async updateAgent(agent: Agent, actor: string): Promise<void> {
    const current = await this.agentRecord(agent.username, agent.id);
    if (!current) return;
    await this.record(
      agent.username,
      "agents",
      agent.id,
      JSON.stringify({ ...agent, keyHash: current.keyHash }),
      { type: "agent.updated", actor, resource: agent.id, data: agentData(agent) },
    );
  }

  async deleteAgent(username: string, agentId: string, actor: string): Promise<boolean> {
    const current = await this.agentRecord(username, agentId);
    if (!current) return false;
    await this.record(username, "agents", agentId, "", {
      type: "agent.revoked",
      actor,
      resource: agentId,
      data: agentData(current),
    });
    await this.client.del(agentKeyIndex(current.keyHash));
    return true;
  }

  async hold(cmd: HoldCommand): Promise<HoldOutcome> {
    const reply = await this.client.hold(calendarKeys(cmd.username), [
      ...this.common(),
      cmd.agentId,
      String(cmd.priority),
      String(cmd.start),
      String(cmd.end),
      cmd.holdId,
      String(cmd.ttlMs),
      idempotencyField(cmd.agentId, "hold", cmd.idempotencyKey),
      cmd.fingerprint,
    ]);
    return this.sealed(cmd.username, reply);
  }

  async findReplay(
    username: string,
    agentId: string,
    kind: "hold" | "commit",
    idempotencyKey: string,
    fingerprint: string,
  ): Promise<HoldOutcome | CommitOutcome | null> {
    const field = idempotencyField(agentId, kind, idempotencyKey);
    const [raw, expiresAt, now] = await Promise.all([
      this.client.hGet(userKey(username, "idem"), field),
      this.client.zScore(userKey(username, "idem:exp"), field),
      this.now(username),
    ]);
    if (!raw || expiresAt === null || expiresAt <= now) return null;
    const stored = JSON.parse(raw) as { fingerprint: string; answer: HoldOutcome | CommitOutcome };
    if (stored.fingerprint !== fingerprint)
      return { status: "rejected", reason: "idempotency_mismatch", replay: true };
    const answer = { ...stored.answer, replay: true };
    return answer.status === "committed" ? normalizeCommitOutcome(answer as CommitOutcome) : answer;
  }

  async releaseHold(
    username: string,
    holdId: string,
    agentId: string | undefined,
    actor: string,
  ): Promise<ReleaseOutcome> {
    const reply = await this.client.releaseHold(calendarKeys(username), [
      ...this.common(),
      agentId ?? "",
      holdId,
      actor,
    ]);
    return this.sealed(username, reply);
  }

  async commit(cmd: CommitCommand): Promise<CommitOutcome> {
    const reply = await this.client.commit(calendarKeys(cmd.username), [
      ...this.common(),
      JSON.stringify(luaCommand(cmd)),
    ]);
    // The script hands over what it left to seal: no second read. The events are recorded
    // with the booking; sealing them is not waited for (readers seal first).
    const { seal, ...answer } = JSON.parse(reply as string) as CommitOutcome & {
      seal?: PendingAudit;
    };
    if (seal && !this.leaveUnsealed) this.sealBehind.seal(cmd.username, seal);
    return this.noteRequest(cmd.username, normalizeCommitOutcome(answer as CommitOutcome));
  }

  /**
   * Second step after a commit that recorded a pending booking: the user is due for the
   * sweep no later than its expiry (ZADD LT only ever brings an entry forward, so
   * concurrent steps cannot push it past a live request's expiry).
   */
  private async noteRequest(username: string, outcome: CommitOutcome): Promise<CommitOutcome> {
    if (
      outcome.status === "committed" &&
      !outcome.replay &&
      outcome.booking.status === "pending" &&
      outcome.booking.pendingUntil !== undefined
    )
      await this.client.zAdd(
        PENDING_DUE_KEY,
        { score: outcome.booking.pendingUntil, value: username },
        { comparison: "LT" },
      );
    return outcome;
  }

  /**
   * Commits through the calendar's arbitration window: enter, wait for the window to
   * close, then settle. Any process may settle; the batch is decided once, in Redis.
   */
  async arbitrate(
    cmd: CommitCommand,
    windowMs: number,
    who?: ArbitrationField,
  ): Promise<CommitOutcome> {
    const keys = calendarKeys(cmd.username);
    const requestId = cmd.bookingId;
    let since = performance.now();
    const idleRule = who?.seniors !== undefined && who.recentMs !== undefined;
    let reply = JSON.parse(
      (await this.client.arbEnter(
        [...keys, agentsSeenKey(cmd.username)],
        [
          ...this.common(),
          requestId,
          String(cmd.priority),
          JSON.stringify(luaCommand(cmd)),
          String(windowMs),
          String(who?.agents ?? 0),
          who ? String(who.topPriority) : "",
          idleRule ? JSON.stringify(who.seniors) : "",
          String(who?.recentMs ?? 0),
        ],
      )) as string,
    );
    // Decided at once because no senior is active: the script handed over what to seal.
    if (reply.status !== "wait" && "seal" in reply) {
      const { seal, ...answer } = reply as CommitOutcome & { seal: PendingAudit | null };
      await this.sealWrites(cmd.username, seal);
      return this.noteRequest(cmd.username, normalizeCommitOutcome(answer as CommitOutcome));
    }
    for (let attempt = 0; reply.status === "wait"; attempt++) {
      if (attempt > 1000) throw new Error("arbitration did not settle");
      if (reply.ms > 0) await this.waitForWindow(keys[14]!, reply.ms, since);
      since = performance.now();
      reply = JSON.parse(
        (await this.client.arbSettle(keys, [...this.common(), requestId])) as string,
      );
    }
    // The window's state vanished under the request (FLUSHALL, a failover to a replica
    // that had not seen it, the user deleted): nothing was committed for it, and the
    // caller may retry, as for a window that expired.
    // The settling request sealed nothing itself: the batch's events are sealed here, by
    // every request of the batch (the compare-and-set makes that cheap after the first).
    await this.sealWrites(cmd.username);
    if (reply.status === "lost")
      return { status: "rejected", reason: "arbitration_expired", replay: false };
    return this.noteRequest(cmd.username, normalizeCommitOutcome(reply));
  }

  /**
   * Sleeps until the window's deadline, or until it is announced settled, if sooner —
   * including an announcement heard since `since`, before this wait began.
   */
  private waitForWindow(metaKey: string, ms: number, since: number): Promise<void> {
    if ((this.settledAt.get(metaKey) ?? Number.NEGATIVE_INFINITY) >= since)
      return Promise.resolve();
    return new Promise((resolve) => {
      const waiters = this.windowWaiters.get(metaKey) ?? new Set<() => void>();
      this.windowWaiters.set(metaKey, waiters);
      const wake = () => {
        clearTimeout(timer);
        waiters.delete(wake);
        if (waiters.size === 0 && this.windowWaiters.get(metaKey) === waiters)
          this.windowWaiters.delete(metaKey);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      waiters.add(wake);
    });
  }

  async cancelBooking(
    username: string,
    bookingId: string,
    agentId: string | undefined,
    actor: string,
  ): Promise<CancelOutcome> {
    const reply = await this.client.cancelBooking(calendarKeys(username), [
      ...this.common(),
      agentId ?? "",
      bookingId,
      actor,
    ]);
    const outcome = await this.sealed<CancelOutcome>(username, reply);
    return outcome.status === "cancelled"
      ? { ...outcome, booking: publicBooking(outcome.booking) }
      : outcome;
  }

  async getBooking(username: string, bookingId: string): Promise<Booking | null> {
    const raw = await this.client.hGet(userKey(username, "bookings"), bookingId);
    return raw ? publicBooking(JSON.parse(raw)) : null;
  }

  private async overlapping<T extends { id: string; start: number; end: number }>(
    username: string,
    index: string,
    data: string,
    range: Interval,
  ): Promise<T[]> {
    const ids = await this.client.zRangeByScore(
      userKey(username, index),
      `(${range.start - MAX_SPAN_MS}`,
      `(${range.end}`,
    );
    if (ids.length === 0) return [];
    const raws = await this.client.hmGet(userKey(username, data), ids);
    return raws
      .filter((r): r is string => typeof r === "string")
      .map((r) => JSON.parse(r) as T)
      .filter((r) => r.end > range.start && r.start < range.end)
      .sort((a, b) => a.start - b.start || (a.id < b.id ? -1 : 1));
  }

  async listBookings(username: string, range: Interval): Promise<Booking[]> {
    const found = await this.overlapping<Booking>(username, "bookings:active", "bookings", range);
    return found.filter((b) => b.status === "committed").map(publicBooking);
  }

  async listHolds(username: string, range: Interval): Promise<Hold[]> {
    const [found, now] = await Promise.all([
      this.overlapping<Hold>(username, "holds:start", "holds", range),
      this.now(username),
    ]);
    return found.filter((h) => h.expiresAt > now);
  }

  async listPending(username: string, range: Interval): Promise<Booking[]> {
    const [found, now] = await Promise.all([
      this.overlapping<Booking>(username, "bookings:active", "bookings", range),
      this.now(username),
    ]);
    return found
      .filter((b) => b.status === "pending" && (b.pendingUntil ?? 0) > now)
      .map(publicBooking);
  }

  async decidePending(cmd: PendingDecisionCommand): Promise<PendingDecisionOutcome> {
    const reply = await this.client.decidePending(calendarKeys(cmd.username), [
      ...this.common(),
      JSON.stringify({
        bookingId: cmd.bookingId,
        decision: cmd.decision,
        actor: cmd.actor,
        dayKey: cmd.dayKey,
        maxPerDay: cmd.maxPerDay,
        ...(cmd.message !== undefined && { message: cmd.message }),
        ...(cmd.remoteStatus !== undefined && { remoteStatus: cmd.remoteStatus }),
      }),
    ]);
    const outcome = await this.sealed<PendingDecisionOutcome>(cmd.username, reply);
    return outcome.status === "decided"
      ? { ...outcome, booking: publicBooking(outcome.booking) }
      : outcome;
  }

  async expirePending(username: string): Promise<Booking[]> {
    const reply = await this.sealed<{ expired: unknown }>(
      username,
      await this.client.expirePending(calendarKeys(username), this.common()),
    );
    // Second step, on the index's slot: the entry is dropped, then set again from the
    // pending bookings the user has now. A request recorded meanwhile either shows in that
    // read or brings the entry forward itself afterwards (see noteRequest).
    await this.client.zRem(PENDING_DUE_KEY, username);
    const [earliest] = await this.client.zRangeWithScores(userKey(username, "pending:exp"), 0, 0);
    if (earliest)
      await this.client.zAdd(
        PENDING_DUE_KEY,
        { score: earliest.score, value: username },
        { comparison: "LT" },
      );
    return list<Booking>(reply.expired).map(publicBooking);
  }

  async duePendingUsers(now: number, limit: number): Promise<string[]> {
    if (limit <= 0) return [];
    return this.client.zRangeByScore(PENDING_DUE_KEY, "-inf", now, {
      LIMIT: { offset: 0, count: limit },
    });
  }

  async setRemoteStatus(
    username: string,
    bookingId: string,
    remote: { status: Exclude<RemoteStatus, "pending"> },
    actor: string,
  ): Promise<RemoteStatusOutcome> {
    const reply = await this.client.setRemoteStatus(calendarKeys(username), [
      ...this.common(),
      bookingId,
      remote.status,
      actor,
    ]);
    const outcome = await this.sealed<RemoteStatusOutcome>(username, reply);
    return outcome.status === "refused"
      ? outcome
      : { ...outcome, booking: publicBooking(outcome.booking) };
  }

  async recordTokenId(iss: string, jti: string, expiresAt: number): Promise<boolean> {
    const reply = await this.client.recordToken(
      [tokenIdKey(iss, jti)],
      [this.clock ? String(this.clock.now()) : "", String(expiresAt)],
    );
    return Number(reply) === 1;
  }

  async hitRateLimit(key: string, limit: number, windowMs: number): Promise<RateLimitOutcome> {
    const reply = await this.client.hitRateLimit(
      [rateLimitKey(key)],
      [this.clock ? String(this.clock.now()) : "", String(limit), String(windowMs)],
    );
    return JSON.parse(reply as string) as RateLimitOutcome;
  }

  async putPersonRecord(write: PersonRecordWrite): Promise<PersonRecordOutcome> {
    const { type, actor, resource, data } = write.event;
    const expected =
      write.expected === null ? "-" : createHash("sha1").update(write.expected).digest("hex");
    const reply = await this.client.record(
      [...calendarKeys(write.username), userKey(write.username, write.kind)],
      [
        ...this.common(),
        type,
        actor,
        resource,
        canonicalJson(data),
        write.id,
        write.value,
        expected,
      ],
    );
    const outcome = JSON.parse(reply as string) as { status: string; auditRef?: string };
    return outcome.status === "recorded"
      ? { status: "recorded", auditRef: outcome.auditRef! }
      : { status: "stale" };
  }

  async getPersonRecord(username: string, kind: PersonRecordKind, id: string) {
    return (await this.client.hGet(userKey(username, kind), id)) ?? null;
  }

  async listPersonRecords(username: string, kind: PersonRecordKind): Promise<string[]> {
    return this.client.hVals(userKey(username, kind));
  }

  async putCounter(
    username: string,
    counter: CounterProposal,
    eventType: string,
    actor: string,
  ): Promise<void> {
    await this.record(username, "counters", counter.id, JSON.stringify(counter), {
      type: eventType,
      actor,
      resource: counter.bookingId,
      data: counterData(counter),
    });
  }

  async decideCounter(cmd: CounterDecisionCommand): Promise<CounterDecisionOutcome> {
    const accept = cmd.decision === "accept";
    // A commit for another calendar cannot be this counter's slot: the script refuses "".
    const commit = accept && cmd.commit?.username === cmd.username ? cmd.commit : undefined;
    const reply = await this.client.decideCounter(
      [...calendarKeys(cmd.username), userKey(cmd.username, "counters")],
      [
        ...this.common(),
        cmd.counterId,
        cmd.bookingId,
        cmd.agentId,
        cmd.actor,
        cmd.decision,
        accept && cmd.slotIndex !== undefined ? String(cmd.slotIndex) : "",
        commit ? JSON.stringify(luaCommand(commit)) : "",
      ],
    );
    await this.sealWrites(cmd.username);
    return parseCounterDecision(reply as string);
  }

  async getCounter(username: string, counterId: string): Promise<CounterProposal | null> {
    const raw = await this.client.hGet(userKey(username, "counters"), counterId);
    return raw ? JSON.parse(raw) : null;
  }

  async listCounters(username: string, bookingId: string): Promise<CounterProposal[]> {
    const all = (await this.client.hVals(userKey(username, "counters"))).map(
      (raw) => JSON.parse(raw) as CounterProposal,
    );
    return all
      .filter((c) => c.bookingId === bookingId)
      .sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1));
  }

  async readAudit(username: string, query: AuditQuery = {}): Promise<AuditEvent[]> {
    await this.seal(username, query.archive);
    const limit = query.limit ?? 1000;
    const keys = auditKeys(username, query.archive);
    const stream = keys.stream;
    const after = Math.max(0, Math.floor(query.afterSeq ?? 0));
    // No chain is that long, and a larger number would make an invalid stream id ("1e+21-1").
    if (!Number.isSafeInteger(after + 1)) return [];
    if (query.resource === undefined) {
      const entries = await this.client.xRange(stream, `${after + 1}-1`, "+", { COUNT: limit });
      return entries.map((e) => parseEvent(e.message));
    }
    const members = await this.client.zRangeByLex(
      keys.resources,
      `[${query.resource}#`,
      `[${query.resource}#\xff`,
    );
    const seqs = members
      .map((m) => Number(m.slice(m.lastIndexOf("#") + 1)))
      .filter((seq) => seq > after)
      .slice(0, limit);
    const entries = await Promise.all(
      seqs.map((seq) => this.client.xRange(stream, `${seq}-1`, `${seq}-1`)),
    );
    return entries.flat().map((e) => parseEvent(e.message));
  }

  async auditHead(
    username: string,
    query: Pick<AuditQuery, "archive"> = {},
  ): Promise<{ seq: number; hash: string }> {
    await this.seal(username, query.archive);
    return this.readHead(username, query.archive);
  }

  private async readHead(username: string, archive?: number) {
    const [seq, hash] = await this.client.hmGet(auditKeys(username, archive).head, ["seq", "hash"]);
    return { seq: Number(seq ?? 0), hash: hash ?? "0".repeat(64) };
  }

  async listAuditArchives(username: string): Promise<AuditArchive[]> {
    const all = (await this.client.hVals(archivesKey(username))).map(
      (raw) => JSON.parse(raw) as AuditArchive,
    );
    // An archive whose deletion died before its seal is sealed now.
    const sealed = await Promise.all(
      all.map((a) => (a.head.hash === "" ? this.sealArchiveHead(username, a.archive) : a)),
    );
    return sealed.sort((a, b) => a.archive - b.archive);
  }

  /** Resolves once the seals of commits answered so far have run (tests, and closing). */
  settleSeals(): Promise<void> {
    return this.sealBehind.drain();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.setCachesLive(false);
    try {
      await this.sealBehind.drain();
      if (this.subscriber?.isOpen) await this.subscriber.close().catch(() => {});
    } finally {
      if (this.ownsClient && this.client.isOpen) await this.client.close();
    }
  }
}
