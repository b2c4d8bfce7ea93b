/**
 * Differential property test (DESIGN "Storage"): the same random sequence of holds,
 * commits, requests (pending bookings, with a peer among the agents), releases, cancels,
 * counter-proposals and their decisions, decisions on requests, expiry sweeps, remote
 * status changes, request-token ids, rate-limit hits and clock steps, applied to a fresh MemoryStore and a fresh
 * RedisStore (real redis-server), must give the same answer at every step and leave the
 * same bookings, holds and audit chain. No model: each store is the other's oracle.
 *
 * Ids are the caller's, so they match across stores; audit event ids are random per call
 * (`evt_<random>_<n>`), so only their step-local counter `<n>` is compared, and every
 * `auditRef` is compared as the seq of the event it names.
 *
 * DIFF_RUNS and DIFF_SEED (environment) override the number of runs and the seed.
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type CounterDecisionCommand,
  MemoryStore,
  type PendingDecisionCommand,
  RedisStore,
  type Store,
} from "../../../src/arbiter/index.js";
import type { CounterProposal } from "../../../src/arbiter/store.js";
import type { AuditEvent, CommitCommand, HoldCommand } from "../../../src/arbiter/types.js";
import { verifyChain } from "../../../src/audit/index.js";
import { ManualClock } from "../../../src/clock.js";
import { type RedisServer, startRedisServer } from "../../helpers/redis-server.js";
import { MIN, T0 } from "./store-harness.js";

const USER = "jane";
/**
 * Four agents, two sharing a priority so "same priority" displacement is exercised, and a
 * peer matching no local agent (ranked below all, as the lead ranks one).
 */
const PEER_DID = "did:web:globex.test%3A8080";
const AGENTS = [
  { id: "agt_one", priority: 1 },
  { id: "agt_two", priority: 2 },
  { id: "agt_deux", priority: 2 },
  { id: "agt_three", priority: 3 },
  { id: `peer:${PEER_DID}`, priority: 1_000_000_000 },
] as const;
const REQUESTERS = [PEER_DID, "did:web:acme.example"] as const;
/** Six start positions on a 15-minute grid, lengths of 1–3 cells: overlaps are frequent. */
const SLOT_BASE = T0 + 60 * MIN;
const CELL = 15 * MIN;
const DAYS = ["2026-12-01", "2026-12-02"] as const;
const WIDE = { start: T0 - 1440 * MIN, end: T0 + 2880 * MIN };
const BUMP_WINDOW_MS = 30_000;
/** Booking details as an agent may send them (title, invitee, metadata). */
const DETAILS: Record<string, unknown>[] = [
  { title: "Intro call" },
  { title: 'Ünïcødé "quoted" / slash', invitee: { email: "ann@example.com", name: "Ann" } },
  { metadata: { attempt: 2, urgent: true, note: null } },
  { metadata: { tags: [], crm_id: 9007199254740991 } },
];

/** A reference to an earlier id: the agent's latest, any earlier one, or one never issued. */
type Ref = "latest" | { pick: number } | "bogus";
type Who = "owner" | "admin" | { agent: number };

type Op =
  | {
      op: "hold";
      agent: number;
      slot: number;
      cells: number;
      ttl: number;
      idem: string | undefined;
      tag: number;
    }
  | {
      op: "commit";
      agent: number;
      slot: number;
      cells: number;
      hold: Ref | undefined;
      /** Commit on the referenced hold's own interval (when it is one of ours). */
      onHold: boolean;
      replaces: Ref | undefined;
      maxPerDay: number;
      day: number;
      details: number | undefined;
      idem: string | undefined;
      tag: number;
      /** A request awaiting acknowledgement, expiring this many ms after now. */
      pending: number | undefined;
      requester: number | undefined;
      maxPending: number;
      remote: boolean;
      callback: boolean;
    }
  | { op: "release"; hold: Ref; by: Who }
  | {
      op: "decidePending";
      booking: Ref;
      accept: boolean;
      maxPerDay: number;
      day: number;
      message: boolean;
      remote: boolean;
    }
  /** duePendingUsers at now, then expirePending for the user (a sweep). */
  | { op: "sweep" }
  | { op: "remote"; booking: Ref; status: "confirmed" | "declined" | "cancelled" | "expired" }
  | { op: "token"; iss: number; jti: number; ttl: number }
  | { op: "rate"; key: number }
  | { op: "cancel"; booking: Ref; by: Who }
  /** Another agent proposes 1–2 slots for a booking (putCounter, as the route does). */
  | { op: "propose"; agent: number; booking: Ref; slots: number[]; note: boolean; tag: number }
  /** The booking's agent (or another, refused) accepts a slot or rejects: decideCounter. */
  | { op: "decide"; counter: Ref; accept: boolean; slot: number; by: Who; idem: string | undefined }
  | { op: "advance"; ms: number }
  /** Sends an earlier hold or commit again (same body and key, a new id), as a client retry. */
  | { op: "retry"; pick: number };

/** `undefined` (weight `none`) or a value of `arb` (weight 1). */
function sometimes<T>(arb: fc.Arbitrary<T>, none: number): fc.Arbitrary<T | undefined> {
  return fc.oneof(
    { weight: none, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: arb },
  );
}

const agentIx = fc.nat({ max: AGENTS.length - 1 });
const ref: fc.Arbitrary<Ref> = fc.oneof(
  { weight: 3, arbitrary: fc.constant("latest" as const) },
  { weight: 2, arbitrary: fc.record({ pick: fc.nat({ max: 40 }) }) },
  { weight: 1, arbitrary: fc.constant("bogus" as const) },
);
const who: fc.Arbitrary<Who> = fc.oneof(
  { weight: 3, arbitrary: fc.constant("owner" as const) },
  { weight: 1, arbitrary: fc.constant("admin" as const) },
  { weight: 1, arbitrary: fc.record({ agent: agentIx }) },
);
const idem = sometimes(fc.constantFrom("k1", "k2"), 4);
/** The tag makes ids sort differently from their creation order, as random ids do. */
const tag = fc.nat({ max: 9 });
/**
 * 0–40 s, with a bias to the TTL and bump-window boundaries (30 s) and to multiples of 5 s;
 * rarely a whole day, the lifetime of an idempotency record.
 */
const step = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom(0, 1, 29_999, 30_000, 30_001) },
  { weight: 5, arbitrary: fc.integer({ min: 0, max: 8 }).map((n) => n * 5_000) },
  { weight: 5, arbitrary: fc.integer({ min: 0, max: 40_000 }) },
  { weight: 1, arbitrary: fc.constant(86_400_000) },
);

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      op: fc.constant("hold" as const),
      agent: agentIx,
      slot: fc.nat({ max: 5 }),
      cells: fc.integer({ min: 1, max: 3 }),
      ttl: fc.constantFrom(30_000, 15_000, 45_000),
      idem,
      tag,
    }),
  },
  {
    weight: 5,
    arbitrary: fc.record({
      op: fc.constant("commit" as const),
      agent: agentIx,
      slot: fc.nat({ max: 5 }),
      cells: fc.integer({ min: 1, max: 3 }),
      hold: sometimes(ref, 2),
      onHold: fc.boolean(),
      replaces: sometimes(ref, 5),
      maxPerDay: fc.constantFrom(0, 0, 1, 2, 3),
      day: fc.nat({ max: DAYS.length - 1 }),
      details: sometimes(fc.nat({ max: DETAILS.length - 1 }), 2),
      idem,
      tag,
      pending: sometimes(fc.constantFrom(1, 15_000, 30_000, 60_000), 2),
      requester: sometimes(fc.nat({ max: REQUESTERS.length - 1 }), 1),
      maxPending: fc.constantFrom(0, 1, 2),
      remote: fc.boolean(),
      callback: fc.boolean(),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant("decidePending" as const),
      booking: ref,
      accept: fc.boolean(),
      maxPerDay: fc.constantFrom(0, 1, 2),
      day: fc.nat({ max: DAYS.length - 1 }),
      message: fc.boolean(),
      remote: fc.boolean(),
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("sweep" as const) }) },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant("remote" as const),
      booking: ref,
      status: fc.constantFrom("confirmed", "declined", "cancelled", "expired"),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant("token" as const),
      iss: fc.nat({ max: REQUESTERS.length - 1 }),
      jti: fc.nat({ max: 2 }),
      ttl: fc.constantFrom(-10_000, 30_000, 90_000),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ op: fc.constant("rate" as const), key: fc.nat({ max: 1 }) }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ op: fc.constant("release" as const), hold: ref, by: who }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ op: fc.constant("cancel" as const), booking: ref, by: who }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant("propose" as const),
      agent: agentIx,
      booking: ref,
      slots: fc.array(fc.nat({ max: 5 }), { minLength: 1, maxLength: 2 }),
      note: fc.boolean(),
      tag,
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant("decide" as const),
      counter: ref,
      accept: fc.boolean(),
      slot: fc.nat({ max: 2 }),
      by: who,
      idem,
    }),
  },
  { weight: 3, arbitrary: fc.record({ op: fc.constant("advance" as const), ms: step }) },
  {
    weight: 1,
    arbitrary: fc.record({ op: fc.constant("retry" as const), pick: fc.nat({ max: 40 }) }),
  },
);

/** Ids handed out so far, resolved the same way for both stores. */
interface Registry {
  holds: string[];
  bookings: string[];
  /** Owner of every hold and booking id that was ever handed out. */
  owner: Map<string, string>;
  /** Interval of every hold that was handed out. */
  spans: Map<string, { start: number; end: number }>;
  /** Every booking id used in a commit (committed or not), to compare getBooking at the end. */
  allBookingIds: string[];
  /** Counter-proposals handed out, as proposed. */
  counters: CounterProposal[];
  /** Every hold and commit sent, for retries. */
  sent: ({ kind: "hold"; cmd: HoldCommand } | { kind: "commit"; cmd: CommitCommand })[];
}

/** `latest`: the newest id of `agent` (of anyone when undefined); bogus: never issued. */
function resolve(
  r: Ref | undefined,
  ids: string[],
  reg: Registry,
  agent: string | undefined,
  bogus: string,
): string | undefined {
  if (r === undefined) return undefined;
  if (r === "bogus" || ids.length === 0) return bogus;
  if (r === "latest") {
    const mine = agent === undefined ? ids : ids.filter((id) => reg.owner.get(id) === agent);
    return mine.at(-1) ?? ids.at(-1);
  }
  return ids[r.pick % ids.length];
}

function resolveWho(w: Who, owner: string | undefined): string | undefined {
  if (w === "admin") return undefined;
  if (w === "owner") return owner ?? AGENTS[0].id;
  return AGENTS[w.agent]!.id;
}

interface Step {
  name: string;
  run(store: Store): Promise<unknown>;
}

/** Turns an op into a store call, given the ids the sequence has produced so far and now. */
function toStep(o: Op, i: number, reg: Registry, now: number): Step | number {
  switch (o.op) {
    case "advance":
      return o.ms;
    case "hold": {
      const agent = AGENTS[o.agent]!;
      const start = SLOT_BASE + o.slot * CELL;
      const body = { start, end: start + o.cells * CELL, ttl: o.ttl };
      const cmd: HoldCommand = {
        username: USER,
        agentId: agent.id,
        priority: agent.priority,
        ...body,
        ttlMs: o.ttl,
        holdId: `hld_${o.tag}x${i}`,
        fingerprint: JSON.stringify(body),
        ...(o.idem !== undefined && { idempotencyKey: o.idem }),
      };
      reg.sent.push({ kind: "hold", cmd });
      return { name: `hold ${JSON.stringify(cmd)}`, run: (s) => s.hold(cmd) };
    }
    case "commit": {
      const agent = AGENTS[o.agent]!;
      const holdId = resolve(o.hold, reg.holds, reg, agent.id, "hld_bogus");
      const replaces = resolve(o.replaces, reg.bookings, reg, agent.id, "bkg_bogus");
      const held = holdId === undefined ? undefined : reg.spans.get(holdId);
      const start = o.onHold && held ? held.start : SLOT_BASE + o.slot * CELL;
      const end = o.onHold && held ? held.end : start + o.cells * CELL;
      const details = o.details === undefined ? undefined : DETAILS[o.details];
      const requesterKey = o.requester === undefined ? undefined : REQUESTERS[o.requester];
      const pending = o.pending === undefined ? undefined : { expiresAt: now + o.pending };
      const body = { start, end, holdId, replaces, details, pending, requesterKey };
      const cmd: CommitCommand = {
        username: USER,
        agentId: agent.id,
        priority: agent.priority,
        start,
        end,
        bookingId: `bkg_${o.tag}x${i}`,
        bumpWindowMs: BUMP_WINDOW_MS,
        dayKey: DAYS[o.day]!,
        maxPerDay: o.maxPerDay,
        fingerprint: JSON.stringify(body),
        actor: agent.id,
        ...(holdId !== undefined && { holdId }),
        ...(replaces !== undefined && { replaces }),
        ...(details !== undefined && { details }),
        ...(o.idem !== undefined && { idempotencyKey: o.idem }),
        ...(pending !== undefined && { pending }),
        ...(requesterKey !== undefined && { requesterKey }),
        ...(o.maxPending > 0 && { maxPendingPerRequester: o.maxPending }),
        ...(o.remote && {
          remote: { address: "ann@globex.test", bookingId: `bkg_r${i}`, status: "pending" },
        }),
        ...(o.callback && { callbackUrl: 'https://globex.test:8080/cb?q=ü&x="y"' }),
      };
      reg.allBookingIds.push(cmd.bookingId);
      reg.sent.push({ kind: "commit", cmd });
      return { name: `commit ${JSON.stringify(cmd)}`, run: (s) => s.commit(cmd) };
    }
    case "retry": {
      const earlier = reg.sent[o.pick % Math.max(1, reg.sent.length)];
      if (!earlier) return 0;
      if (earlier.kind === "hold") {
        const cmd = { ...earlier.cmd, holdId: `${earlier.cmd.holdId}r${i}` };
        return { name: `retry hold ${JSON.stringify(cmd)}`, run: (s) => s.hold(cmd) };
      }
      const cmd = { ...earlier.cmd, bookingId: `${earlier.cmd.bookingId}r${i}` };
      reg.allBookingIds.push(cmd.bookingId);
      return { name: `retry commit ${JSON.stringify(cmd)}`, run: (s) => s.commit(cmd) };
    }
    case "release": {
      const holdId = resolve(o.hold, reg.holds, reg, undefined, "hld_bogus")!;
      const owner = reg.owner.get(holdId);
      const agentId = resolveWho(o.by, owner);
      const actor = agentId ?? "admin";
      return {
        name: `releaseHold ${holdId} by ${actor}`,
        run: (s) => s.releaseHold(USER, holdId, agentId, actor),
      };
    }
    case "cancel": {
      const bookingId = resolve(o.booking, reg.bookings, reg, undefined, "bkg_bogus")!;
      const agentId = resolveWho(o.by, reg.owner.get(bookingId));
      const actor = agentId ?? "admin";
      return {
        name: `cancelBooking ${bookingId} by ${actor}`,
        run: (s) => s.cancelBooking(USER, bookingId, agentId, actor),
      };
    }
    case "decidePending": {
      const bookingId = resolve(o.booking, reg.bookings, reg, undefined, "bkg_bogus")!;
      const cmd: PendingDecisionCommand = {
        username: USER,
        bookingId,
        decision: o.accept ? "accept" : "decline",
        actor: "person:jane",
        dayKey: DAYS[o.day]!,
        maxPerDay: o.maxPerDay,
        ...(o.message && { message: 'Ok "ünïcødé"' }),
        ...(o.remote && { remoteStatus: o.accept ? "confirmed" : "declined" }),
      };
      return { name: `decidePending ${JSON.stringify(cmd)}`, run: (s) => s.decidePending(cmd) };
    }
    case "sweep":
      return {
        name: `sweep at T0+${now - T0}`,
        run: async (s) => {
          const due = await s.duePendingUsers(now, 10);
          const expired = [];
          for (const username of due) expired.push(await s.expirePending(username));
          return { due, expired, after: await s.duePendingUsers(now + 86_400_000, 10) };
        },
      };
    case "remote": {
      const bookingId = resolve(o.booking, reg.bookings, reg, undefined, "bkg_bogus")!;
      return {
        name: `setRemoteStatus ${bookingId} ${o.status}`,
        run: (s) => s.setRemoteStatus(USER, bookingId, { status: o.status }, "system"),
      };
    }
    case "token": {
      const iss = REQUESTERS[o.iss]!;
      const jti = `jti-${o.jti}-0123456789abcdef`;
      return {
        name: `recordTokenId ${iss} ${jti} now+${o.ttl}`,
        run: (s) => s.recordTokenId(iss, jti, now + o.ttl),
      };
    }
    case "rate": {
      const key = `rl-${o.key}`;
      return { name: `hitRateLimit ${key}`, run: (s) => s.hitRateLimit(key, 3, 20_000) };
    }
    case "propose": {
      const agent = AGENTS[o.agent]!;
      const bookingId = resolve(o.booking, reg.bookings, reg, undefined, "bkg_bogus")!;
      const counter: CounterProposal = {
        id: `ctr_${o.tag}x${i}`,
        bookingId,
        proposedBy: agent.id,
        proposed: o.slots.map((slot) => {
          const start = SLOT_BASE + slot * CELL;
          return { start, end: start + CELL };
        }),
        ...(o.note && { note: 'Plus tard ? "ünïcødé"' }),
        status: "open",
        createdAt: T0,
      };
      reg.counters.push(counter);
      return {
        name: `putCounter ${JSON.stringify(counter)}`,
        run: async (s) => {
          await s.putCounter(USER, counter, "counter.proposed", agent.id);
          return "recorded";
        },
      };
    }
    case "decide": {
      const counter =
        o.counter === "bogus" || reg.counters.length === 0
          ? undefined
          : o.counter === "latest"
            ? reg.counters.at(-1)
            : reg.counters[o.counter.pick % reg.counters.length];
      const bookingId = counter?.bookingId ?? "bkg_bogus";
      const agentId = resolveWho(o.by, reg.owner.get(bookingId)) ?? AGENTS[0].id;
      const agent = AGENTS.find((a) => a.id === agentId)!;
      // As the route builds it: the slot of the counter it read, replacing the booking.
      const slot = counter?.proposed[o.slot];
      const cmd: CounterDecisionCommand = {
        username: USER,
        counterId: counter?.id ?? "ctr_bogus",
        bookingId,
        agentId,
        actor: agentId,
        decision: o.accept ? "accept" : "reject",
        ...(o.accept && {
          slotIndex: o.slot,
          commit: {
            username: USER,
            agentId,
            priority: agent.priority,
            start: slot?.start ?? SLOT_BASE,
            end: slot?.end ?? SLOT_BASE + CELL,
            bookingId: `bkg_c${i}`,
            replaces: bookingId,
            bumpWindowMs: BUMP_WINDOW_MS,
            dayKey: DAYS[0],
            maxPerDay: 0,
            fingerprint: JSON.stringify({ counter: counter?.id, slot: o.slot }),
            actor: agentId,
            ...(o.idem !== undefined && { idempotencyKey: o.idem }),
          },
        }),
      };
      if (cmd.commit) reg.allBookingIds.push(cmd.commit.bookingId);
      return { name: `decideCounter ${JSON.stringify(cmd)}`, run: (s) => s.decideCounter(cmd) };
    }
  }
}

/** Remembers the ids an answer handed out (from the memory store's answer). */
function register(reg: Registry, answer: unknown): void {
  const a = answer as {
    status?: string;
    hold?: { id: string; agentId: string; start: number; end: number };
    booking?: { id: string; agentId: string };
    commit?: { booking: { id: string; agentId: string } };
  };
  // An accepted counter-proposal committed a booking.
  if (a.status === "decided" && a.commit && !reg.bookings.includes(a.commit.booking.id)) {
    reg.bookings.push(a.commit.booking.id);
    reg.owner.set(a.commit.booking.id, a.commit.booking.agentId);
  }
  if (a.status === "held" && a.hold && !reg.holds.includes(a.hold.id)) {
    reg.holds.push(a.hold.id);
    reg.owner.set(a.hold.id, a.hold.agentId);
    reg.spans.set(a.hold.id, { start: a.hold.start, end: a.hold.end });
  }
  if (a.status === "committed" && a.booking && !reg.bookings.includes(a.booking.id)) {
    reg.bookings.push(a.booking.id);
    reg.owner.set(a.booking.id, a.booking.agentId);
  }
}

/**
 * Replaces `auditRef` (random per call) by a placeholder, in the answer and in the commit
 * an accepted counter-proposal carries; returns the refs separately.
 */
function stripAuditRef(answer: unknown): { answer: unknown; auditRefs: (string | undefined)[] } {
  if (answer === null || typeof answer !== "object") return { answer, auditRefs: [] };
  const auditRefs: (string | undefined)[] = [];
  let stripped = answer as Record<string, unknown>;
  if ("commit" in stripped && stripped.commit) {
    const inner = stripAuditRef(stripped.commit);
    stripped = { ...stripped, commit: inner.answer };
    auditRefs.push(...inner.auditRefs);
  }
  if (!("auditRef" in stripped)) return { answer: stripped, auditRefs };
  const { auditRef, ...rest } = stripped as { auditRef?: string };
  auditRefs.push(auditRef);
  return { answer: { ...rest, auditRef: auditRef === undefined ? auditRef : "<ref>" }, auditRefs };
}

/** The comparable part of an event: everything but the random id prefix and the hashes. */
function comparableEvent(e: AuditEvent) {
  return {
    seq: e.seq,
    type: e.type,
    at: e.at,
    actor: e.actor,
    resource: e.resource,
    data: e.data,
    idCounter: /^evt_[A-Za-z0-9_-]{12}_(\d+)$/.exec(e.id)?.[1] ?? `malformed id ${e.id}`,
  };
}

function seqOfRefs(refs: (string | undefined)[], events: AuditEvent[]): (number | string)[] {
  const seqById = new Map(events.map((e) => [e.id, e.seq]));
  return refs.map((r) => (r === undefined ? "none" : (seqById.get(r) ?? `dangling ${r}`)));
}

describe("differential: memory store vs Redis store", () => {
  let server: RedisServer;
  let redis: RedisStore;
  const redisClock = new ManualClock(T0);

  beforeAll(async () => {
    server = await startRedisServer({ connect: true });
    redis = await RedisStore.connect(server.url, { clock: redisClock });
  });
  afterAll(async () => {
    await redis?.close();
    await server?.stop();
  });

  /** Runs one sequence on both stores; throws at the first difference. */
  async function runBoth(ops: Op[]): Promise<void> {
    await server.client!.flushAll();
    redisClock.set(T0);
    const memClock = new ManualClock(T0);
    const memory = new MemoryStore(memClock);
    const reg: Registry = {
      holds: [],
      bookings: [],
      owner: new Map(),
      spans: new Map(),
      allBookingIds: [],
      counters: [],
      sent: [],
    };
    const refs = { memory: [] as (string | undefined)[], redis: [] as (string | undefined)[] };
    const log: string[] = [];

    for (const [i, o] of ops.entries()) {
      const s = toStep(o, i, reg, memClock.now());
      if (typeof s === "number") {
        memClock.advance(s);
        redisClock.advance(s);
        log.push(`#${i} advance ${s} ms -> T0+${memClock.now() - T0}`);
        continue;
      }
      log.push(`#${i} ${s.name}`);
      const m = stripAuditRef(await s.run(memory));
      const r = stripAuditRef(await s.run(redis));
      expect(r.answer, `answer of step #${i}\n${log.join("\n")}`).toEqual(m.answer);
      refs.memory.push(...m.auditRefs);
      refs.redis.push(...r.auditRefs);
      register(reg, m.answer);
      const [mh, rh] = await Promise.all([
        memory.listHolds(USER, WIDE),
        redis.listHolds(USER, WIDE),
      ]);
      expect(rh, `holds after step #${i}\n${log.join("\n")}`).toEqual(mh);
      const [mp, rp] = await Promise.all([
        memory.listPending(USER, WIDE),
        redis.listPending(USER, WIDE),
      ]);
      expect(rp, `pending after step #${i}\n${log.join("\n")}`).toEqual(mp);
    }

    const trace = log.join("\n");
    const [mb, rb] = await Promise.all([
      memory.listBookings(USER, WIDE),
      redis.listBookings(USER, WIDE),
    ]);
    expect(rb, `bookings at the end\n${trace}`).toEqual(mb);
    const end = memClock.now() + 86_400_000;
    const [md, rd] = await Promise.all([
      memory.duePendingUsers(end, 10),
      redis.duePendingUsers(end, 10),
    ]);
    expect(rd, `users due at the end\n${trace}`).toEqual(md);
    const [mh, rh] = await Promise.all([memory.listHolds(USER, WIDE), redis.listHolds(USER, WIDE)]);
    expect(rh, `holds at the end\n${trace}`).toEqual(mh);
    for (const id of reg.allBookingIds) {
      const [m, r] = await Promise.all([memory.getBooking(USER, id), redis.getBooking(USER, id)]);
      expect(r, `booking ${id} at the end\n${trace}`).toEqual(m);
    }
    for (const c of reg.counters) {
      const [m, r] = await Promise.all([
        memory.getCounter(USER, c.id),
        redis.getCounter(USER, c.id),
      ]);
      expect(r, `counter ${c.id} at the end\n${trace}`).toEqual(m);
    }
    for (const id of new Set(reg.counters.map((c) => c.bookingId))) {
      const [m, r] = await Promise.all([
        memory.listCounters(USER, id),
        redis.listCounters(USER, id),
      ]);
      expect(r, `counters of ${id} at the end\n${trace}`).toEqual(m);
    }

    const [me, re] = await Promise.all([memory.readAudit(USER), redis.readAudit(USER)]);
    expect(verifyChain(me), "memory audit chain").toEqual({ ok: true });
    expect(verifyChain(re), "redis audit chain").toEqual({ ok: true });
    expect(re.map(comparableEvent), `audit events\n${trace}`).toEqual(me.map(comparableEvent));
    expect(seqOfRefs(refs.redis, re), `auditRef targets\n${trace}`).toEqual(
      seqOfRefs(refs.memory, me),
    );
    const [mHead, rHead] = await Promise.all([memory.auditHead(USER), redis.auditHead(USER)]);
    expect(rHead.seq).toBe(mHead.seq);
    expect(rHead.hash).toBe(re.at(-1)?.hash ?? "0".repeat(64));
    expect(mHead.hash).toBe(me.at(-1)?.hash ?? "0".repeat(64));
  }

  /** Both stores, empty, on clocks at T0. */
  async function fresh(): Promise<{ memory: MemoryStore; redis: RedisStore }> {
    await server.client!.flushAll();
    redisClock.set(T0);
    return { memory: new MemoryStore(new ManualClock(T0)), redis };
  }

  // Minimal cases of differences the property found, kept so each fix has its own test.

  it("displaces holds that start at the same time in the same order on both stores", async () => {
    const { memory, redis } = await fresh();
    const slot = { start: SLOT_BASE, end: SLOT_BASE + CELL };
    const answers = [];
    for (const store of [memory, redis]) {
      // Ids are random in production: the second hold's id sorts first.
      for (const holdId of ["hld_b", "hld_a"])
        await store.hold({
          username: USER,
          agentId: "agt_three",
          priority: 3,
          ...slot,
          holdId,
          ttlMs: 30_000,
          fingerprint: "f",
        });
      answers.push(
        await store.commit({
          username: USER,
          agentId: "agt_one",
          priority: 1,
          ...slot,
          bookingId: "bkg_x",
          bumpWindowMs: BUMP_WINDOW_MS,
          dayKey: DAYS[0],
          maxPerDay: 0,
          fingerprint: "c",
          actor: "agt_one",
        }),
      );
    }
    const [m, r] = answers.map((a) =>
      a.status === "committed" ? a.displacedHolds.map((h) => h.id) : a,
    );
    expect(r).toEqual(m);
    const [me, re] = await Promise.all([memory.readAudit(USER), redis.readAudit(USER)]);
    expect(re.map((e) => `${e.type} ${e.resource}`)).toEqual(
      me.map((e) => `${e.type} ${e.resource}`),
    );
  });

  it("keeps booking details verbatim: empty arrays and numbers of more than 14 digits", async () => {
    const { memory, redis } = await fresh();
    const details = { metadata: { tags: [], crm_id: 9007199254740991, score: 0.1 + 0.2 } };
    for (const store of [memory, redis])
      await store.commit({
        username: USER,
        agentId: "agt_one",
        priority: 1,
        start: SLOT_BASE,
        end: SLOT_BASE + CELL,
        bookingId: "bkg_d",
        bumpWindowMs: BUMP_WINDOW_MS,
        dayKey: DAYS[0],
        maxPerDay: 0,
        details,
        fingerprint: "d",
        actor: "agt_one",
      });
    expect((await memory.getBooking(USER, "bkg_d"))?.details).toEqual(details);
    expect((await redis.getBooking(USER, "bkg_d"))?.details).toEqual(details);
  });

  it("gives identical answers, state and audit chains for random operation sequences", async () => {
    const seed = process.env.DIFF_SEED ? Number(process.env.DIFF_SEED) : undefined;
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 5, maxLength: 40 }), (ops) => runBoth(ops)),
      {
        numRuns: Number(process.env.DIFF_RUNS ?? 200),
        ...(seed !== undefined && { seed }),
      },
    );
  }, 120_000);
});
