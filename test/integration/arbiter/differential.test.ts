/**
 * Differential property test (DESIGN "Storage"): the same random sequence of holds,
 * commits, releases, cancels and clock steps, applied to a fresh MemoryStore and a fresh
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
import { MemoryStore, RedisStore, type Store } from "../../../src/arbiter/index.js";
import type { AuditEvent, CommitCommand, HoldCommand } from "../../../src/arbiter/types.js";
import { verifyChain } from "../../../src/audit/index.js";
import { ManualClock } from "../../../src/clock.js";
import { type RedisServer, startRedisServer } from "../../helpers/redis-server.js";
import { MIN, T0 } from "./store-harness.js";

const USER = "jane";
/** Four agents; two share a priority so "same priority" displacement is exercised. */
const AGENTS = [
  { id: "agt_one", priority: 1 },
  { id: "agt_two", priority: 2 },
  { id: "agt_deux", priority: 2 },
  { id: "agt_three", priority: 3 },
] as const;
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
];

type Ref = { pick: number } | "bogus";
type Who = "owner" | "admin" | { agent: number };

type Op =
  | {
      op: "hold";
      agent: number;
      slot: number;
      cells: number;
      ttl: number;
      idem?: string;
      tag: number;
    }
  | {
      op: "commit";
      agent: number;
      slot: number;
      cells: number;
      hold?: Ref;
      replaces?: Ref;
      maxPerDay: number;
      day: number;
      details?: number;
      idem?: string;
      tag: number;
    }
  | { op: "release"; hold: Ref; by: Who }
  | { op: "cancel"; booking: Ref; by: Who }
  | { op: "advance"; ms: number };

const agentIx = fc.nat({ max: AGENTS.length - 1 });
const ref: fc.Arbitrary<Ref> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ pick: fc.nat({ max: 40 }) }) },
  { weight: 1, arbitrary: fc.constant("bogus" as const) },
);
const who: fc.Arbitrary<Who> = fc.oneof(
  { weight: 3, arbitrary: fc.constant("owner" as const) },
  { weight: 1, arbitrary: fc.constant("admin" as const) },
  { weight: 1, arbitrary: fc.record({ agent: agentIx }) },
);
const idem = fc.option(fc.constantFrom("k1", "k2"), { freq: 3, nil: undefined });
/** The tag makes ids sort differently from their creation order, as random ids do. */
const tag = fc.nat({ max: 9 });
/** 0–40 s, with a bias to the TTL and bump-window boundaries (30 s) and to multiples of 5 s. */
const step = fc.oneof(
  fc.constantFrom(0, 1, 29_999, 30_000, 30_001),
  fc.integer({ min: 0, max: 8 }).map((n) => n * 5_000),
  fc.integer({ min: 0, max: 40_000 }),
);

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record(
      {
        op: fc.constant("hold" as const),
        agent: agentIx,
        slot: fc.nat({ max: 5 }),
        cells: fc.integer({ min: 1, max: 3 }),
        ttl: fc.constantFrom(30_000, 15_000, 45_000),
        idem,
        tag,
      },
      { requiredKeys: ["op", "agent", "slot", "cells", "ttl", "tag"] },
    ),
  },
  {
    weight: 5,
    arbitrary: fc.record(
      {
        op: fc.constant("commit" as const),
        agent: agentIx,
        slot: fc.nat({ max: 5 }),
        cells: fc.integer({ min: 1, max: 3 }),
        hold: ref,
        replaces: ref,
        maxPerDay: fc.constantFrom(0, 0, 1, 2, 3),
        day: fc.nat({ max: DAYS.length - 1 }),
        details: fc.nat({ max: DETAILS.length - 1 }),
        idem,
        tag,
      },
      { requiredKeys: ["op", "agent", "slot", "cells", "maxPerDay", "day", "tag"] },
    ),
  },
  {
    weight: 1,
    arbitrary: fc.record({ op: fc.constant("release" as const), hold: ref, by: who }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ op: fc.constant("cancel" as const), booking: ref, by: who }),
  },
  { weight: 3, arbitrary: fc.record({ op: fc.constant("advance" as const), ms: step }) },
);

/** Ids handed out so far, resolved the same way for both stores. */
interface Registry {
  holds: string[];
  bookings: string[];
  /** Owner of every booking id that was ever committed. */
  owner: Map<string, string>;
  /** Every booking id used in a commit (committed or not), to compare getBooking at the end. */
  allBookingIds: string[];
}

function resolve(r: Ref | undefined, ids: string[], bogus: string): string | undefined {
  if (r === undefined) return undefined;
  if (r === "bogus" || ids.length === 0) return bogus;
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

/** Turns an op into a store call, given the ids the sequence has produced so far. */
function toStep(o: Op, i: number, reg: Registry): Step | number {
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
      return { name: `hold ${JSON.stringify(cmd)}`, run: (s) => s.hold(cmd) };
    }
    case "commit": {
      const agent = AGENTS[o.agent]!;
      const start = SLOT_BASE + o.slot * CELL;
      const holdId = resolve(o.hold, reg.holds, "hld_bogus");
      const replaces = resolve(o.replaces, reg.bookings, "bkg_bogus");
      const details = o.details === undefined ? undefined : DETAILS[o.details];
      const body = { start, end: start + o.cells * CELL, holdId, replaces, details };
      const cmd: CommitCommand = {
        username: USER,
        agentId: agent.id,
        priority: agent.priority,
        start,
        end: start + o.cells * CELL,
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
      };
      reg.allBookingIds.push(cmd.bookingId);
      return { name: `commit ${JSON.stringify(cmd)}`, run: (s) => s.commit(cmd) };
    }
    case "release": {
      const holdId = resolve(o.hold, reg.holds, "hld_bogus")!;
      const owner = reg.owner.get(holdId);
      const agentId = resolveWho(o.by, owner);
      const actor = agentId ?? "admin";
      return {
        name: `releaseHold ${holdId} by ${actor}`,
        run: (s) => s.releaseHold(USER, holdId, agentId, actor),
      };
    }
    case "cancel": {
      const bookingId = resolve(o.booking, reg.bookings, "bkg_bogus")!;
      const agentId = resolveWho(o.by, reg.owner.get(bookingId));
      const actor = agentId ?? "admin";
      return {
        name: `cancelBooking ${bookingId} by ${actor}`,
        run: (s) => s.cancelBooking(USER, bookingId, agentId, actor),
      };
    }
  }
}

/** Remembers the ids an answer handed out (from the memory store's answer). */
function register(reg: Registry, answer: unknown): void {
  const a = answer as {
    status?: string;
    hold?: { id: string; agentId: string };
    booking?: { id: string; agentId: string };
  };
  if (a.status === "held" && a.hold && !reg.holds.includes(a.hold.id)) {
    reg.holds.push(a.hold.id);
    reg.owner.set(a.hold.id, a.hold.agentId);
  }
  if (a.status === "committed" && a.booking && !reg.bookings.includes(a.booking.id)) {
    reg.bookings.push(a.booking.id);
    reg.owner.set(a.booking.id, a.booking.agentId);
  }
}

/** Replaces `auditRef` (random per call) by a placeholder; returns the refs separately. */
function stripAuditRef(answer: unknown): { answer: unknown; auditRef?: string } {
  if (answer === null || typeof answer !== "object" || !("auditRef" in answer)) return { answer };
  const { auditRef, ...rest } = answer as { auditRef?: string };
  return { answer: { ...rest, auditRef: auditRef === undefined ? auditRef : "<ref>" }, auditRef };
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
    const reg: Registry = { holds: [], bookings: [], owner: new Map(), allBookingIds: [] };
    const refs = { memory: [] as (string | undefined)[], redis: [] as (string | undefined)[] };
    const log: string[] = [];

    for (const [i, o] of ops.entries()) {
      const s = toStep(o, i, reg);
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
      refs.memory.push(m.auditRef);
      refs.redis.push(r.auditRef);
      register(reg, m.answer);
      const [mh, rh] = await Promise.all([memory.listHolds(USER, WIDE), redis.listHolds(USER, WIDE)]);
      expect(rh, `holds after step #${i}\n${log.join("\n")}`).toEqual(mh);
    }

    const trace = log.join("\n");
    const [mb, rb] = await Promise.all([
      memory.listBookings(USER, WIDE),
      redis.listBookings(USER, WIDE),
    ]);
    expect(rb, `bookings at the end\n${trace}`).toEqual(mb);
    const [mh, rh] = await Promise.all([memory.listHolds(USER, WIDE), redis.listHolds(USER, WIDE)]);
    expect(rh, `holds at the end\n${trace}`).toEqual(mh);
    for (const id of reg.allBookingIds) {
      const [m, r] = await Promise.all([memory.getBooking(USER, id), redis.getBooking(USER, id)]);
      expect(r, `booking ${id} at the end\n${trace}`).toEqual(m);
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

  it("gives identical answers, state and audit chains for random operation sequences", async () => {
    const seed = process.env.DIFF_SEED ? Number(process.env.DIFF_SEED) : undefined;
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 5, maxLength: 40 }), (ops) => runBoth(ops)),
      {
        numRuns: Number(process.env.DIFF_RUNS ?? 100),
        ...(seed !== undefined && { seed }),
      },
    );
  }, 120_000);
});
