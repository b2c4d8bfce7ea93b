/**
 * What differential.test.ts and differential-wide.test.ts share: the slot grid and agents,
 * the generators of references, actors and clock steps, the registry of ids handed out and
 * how references resolve against it, the hold command, the pair of stores (memory and a real
 * redis-server on clocks kept in step), the step loop, and the comparisons of both stores.
 */
import fc from "fast-check";
import { afterAll, beforeAll, expect } from "vitest";
import { MemoryStore, RedisStore, type Store } from "../../../src/arbiter/index.js";
import { loadLuaScript } from "../../../src/arbiter/redis/lua-lib.js";
import { SCRIPT_NAMES } from "../../../src/arbiter/redis/scripts.js";
import type { AuditEvent, CommitCommand, HoldCommand } from "../../../src/arbiter/types.js";
import { verifyChain } from "../../../src/audit/index.js";
import { ManualClock } from "../../../src/clock.js";
import { type RedisServer, startRedisServer } from "../../helpers/redis-server.js";
import { MIN, T0 } from "./store-harness.js";

/** Four local agents, two sharing a priority so "same priority" displacement is exercised. */
export const LOCAL_AGENTS = [
  { id: "agt_one", priority: 1 },
  { id: "agt_two", priority: 2 },
  { id: "agt_deux", priority: 2 },
  { id: "agt_three", priority: 3 },
] as const;
/** Six start positions on a 15-minute grid, lengths of 1–3 cells: overlaps are frequent. */
export const SLOT_BASE = T0 + 60 * MIN;
export const CELL = 15 * MIN;
export const DAYS = ["2026-12-01", "2026-12-02"] as const;
export const WIDE = { start: T0 - 1440 * MIN, end: T0 + 2880 * MIN };
export const BUMP_WINDOW_MS = 30_000;

/** A reference to an earlier id: the agent's latest, any earlier one, or one never issued. */
export type Ref = "latest" | { pick: number } | "bogus";
export type Who = "owner" | "admin" | { agent: number };

/** `undefined` (weight `none`) or a value of `arb` (weight 1). */
export function sometimes<T>(arb: fc.Arbitrary<T>, none: number): fc.Arbitrary<T | undefined> {
  return fc.oneof(
    { weight: none, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: arb },
  );
}

export const ref: fc.Arbitrary<Ref> = fc.oneof(
  { weight: 3, arbitrary: fc.constant("latest" as const) },
  { weight: 2, arbitrary: fc.record({ pick: fc.nat({ max: 40 }) }) },
  { weight: 1, arbitrary: fc.constant("bogus" as const) },
);

/** The owner of what is acted on, the admin, or any agent of `agentIx`. */
export function whoOf(agentIx: fc.Arbitrary<number>): fc.Arbitrary<Who> {
  return fc.oneof(
    { weight: 3, arbitrary: fc.constant("owner" as const) },
    { weight: 1, arbitrary: fc.constant("admin" as const) },
    { weight: 1, arbitrary: fc.record({ agent: agentIx }) },
  );
}

/** The tag makes ids sort differently from their creation order, as random ids do. */
export const tag = fc.nat({ max: 9 });

/**
 * 0–40 s, with a bias to the TTL and bump-window boundaries (30 s) and to multiples of 5 s;
 * rarely a whole day, the lifetime of an idempotency record. `anyWeight`: the weight of
 * any length from 0 to 40 s.
 */
export function clockSteps(anyWeight: number): fc.Arbitrary<number> {
  return fc.oneof(
    { weight: 5, arbitrary: fc.constantFrom(0, 1, 29_999, 30_000, 30_001) },
    { weight: 5, arbitrary: fc.integer({ min: 0, max: 8 }).map((n) => n * 5_000) },
    { weight: anyWeight, arbitrary: fc.integer({ min: 0, max: 40_000 }) },
    { weight: 1, arbitrary: fc.constant(86_400_000) },
  );
}

/** A hold on the grid: by which agent, where, how long, and how long it lives. */
export interface HoldSpec {
  agent: number;
  slot: number;
  cells: number;
  ttl: number;
  idem: string | undefined;
  tag: number;
}

/** The fields of a hold op, for `fc.record`: one of six slots, 1–3 cells, a TTL. */
export function holdFields(
  agentIx: fc.Arbitrary<number>,
  idem: fc.Arbitrary<string | undefined>,
): { [K in keyof HoldSpec]: fc.Arbitrary<HoldSpec[K]> } {
  return {
    agent: agentIx,
    slot: fc.nat({ max: 5 }),
    cells: fc.integer({ min: 1, max: 3 }),
    ttl: fc.constantFrom(30_000, 15_000, 45_000),
    idem,
    tag,
  };
}

/** A commit on the grid, on a hold of ours or not, replacing a booking or not. */
export interface CommitSpec<R> {
  agent: number;
  slot: number;
  cells: number;
  hold: R | undefined;
  /** Commit on the referenced hold's own interval (when it is one of ours). */
  onHold: boolean;
  replaces: R | undefined;
  maxPerDay: number;
  day: number;
  idem: string | undefined;
  tag: number;
  /** A request awaiting acknowledgement, expiring this many ms after now. */
  pending: number | undefined;
}

/** Ids one user's sequence handed out so far, resolved the same way for both stores. */
export interface IdRegistry {
  holds: string[];
  bookings: string[];
  /** Owner of every hold and booking id that was ever handed out. */
  owner: Map<string, string>;
  /** Interval of every hold that was handed out. */
  spans: Map<string, { start: number; end: number }>;
  /** Every booking id used in a commit (committed or not), to compare getBooking at the end. */
  allBookingIds: string[];
}

export function newIdRegistry(): IdRegistry {
  return { holds: [], bookings: [], owner: new Map(), spans: new Map(), allBookingIds: [] };
}

/** A hold or commit sent, for retries. */
export type Sent = { kind: "hold"; cmd: HoldCommand } | { kind: "commit"; cmd: CommitCommand };

/**
 * `latest` (and `own-hold`): the newest id of `agent` (of anyone when undefined); bogus:
 * never issued.
 */
export function resolve(
  r: Ref | "own-hold" | undefined,
  ids: string[],
  reg: Pick<IdRegistry, "owner">,
  agent: string | undefined,
  bogus: string,
): string | undefined {
  if (r === undefined) return undefined;
  if (r === "bogus" || ids.length === 0) return bogus;
  if (r === "latest" || r === "own-hold") {
    const mine = agent === undefined ? ids : ids.filter((id) => reg.owner.get(id) === agent);
    return mine.at(-1) ?? ids.at(-1);
  }
  return ids[r.pick % ids.length];
}

/** The agent id acting (undefined: the admin), given the owner of what is acted on. */
export function resolveWho(
  w: Who,
  owner: string | undefined,
  agents: readonly { id: string }[],
): string | undefined {
  if (w === "admin") return undefined;
  if (w === "owner") return owner ?? agents[0]!.id;
  return agents[w.agent]!.id;
}

/** A hold on the grid, its id from the tag and the step's index. */
export function holdCommand(
  username: string,
  agent: { id: string; priority: number },
  o: HoldSpec,
  i: number,
): HoldCommand {
  const start = SLOT_BASE + o.slot * CELL;
  const body = { start, end: start + o.cells * CELL, ttl: o.ttl };
  return {
    username,
    agentId: agent.id,
    priority: agent.priority,
    ...body,
    ttlMs: o.ttl,
    holdId: `hld_${o.tag}x${i}`,
    fingerprint: JSON.stringify(body),
    ...(o.idem !== undefined && { idempotencyKey: o.idem }),
  };
}

/** Remembers the hold or booking one answer handed out. */
export function registerAnswer(reg: IdRegistry, answer: unknown): void {
  const a = answer as {
    status?: string;
    hold?: { id: string; agentId: string; start: number; end: number };
    booking?: { id: string; agentId: string };
  };
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

/** The comparable part of an event: everything but the random id prefix and the hashes. */
export function comparableEvent(e: AuditEvent) {
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

/** Both stores, empty, on clocks at T0 that move together. */
export interface StorePair {
  memory: MemoryStore;
  redis: RedisStore;
  now(): number;
  advance(ms: number): void;
}

/**
 * Starts a redis-server and a RedisStore on it for the enclosing describe block; `fresh()`
 * empties it, sets its clock to T0 and pairs it with a new MemoryStore.
 */
export function useStorePair(): { fresh(): Promise<StorePair> } {
  let server: RedisServer;
  let redis: RedisStore;
  const redisClock = new ManualClock(T0);

  beforeAll(async () => {
    server = await startRedisServer({ connect: true });
    redis = await RedisStore.connect(server.url, { clock: redisClock });
    // Every script loaded first: a script's first use costs a NOSCRIPT answer and a second
    // round trip, and two operations sent together would then reach Redis in the other
    // order (a seed where a decision and a cancel "at once" were the decision script's first
    // use failed that way). Sent together, they must be decided in the order sent.
    for (const name of SCRIPT_NAMES) await server.client!.scriptLoad(loadLuaScript(name));
  });
  afterAll(async () => {
    await redis?.close();
    await server?.stop();
  });

  return {
    async fresh() {
      await server.client!.flushAll();
      redisClock.set(T0);
      const memClock = new ManualClock(T0);
      return {
        memory: new MemoryStore(memClock),
        redis,
        now: () => memClock.now(),
        advance(ms) {
          memClock.advance(ms);
          redisClock.advance(ms);
        },
      };
    },
  };
}

/**
 * Runs `ops` in order: a number from `toStep` moves both clocks, undefined skips the op,
 * a step is logged and handed to `onStep`. Returns the log.
 */
export async function driveSteps<O, S extends { name: string }>(
  ops: O[],
  pair: StorePair,
  toStep: (o: O, i: number, now: number) => S | number | undefined,
  onStep: (s: S, i: number, log: string[]) => Promise<void>,
): Promise<string[]> {
  const log: string[] = [];
  for (const [i, o] of ops.entries()) {
    const s = toStep(o, i, pair.now());
    if (s === undefined) continue;
    if (typeof s === "number") {
      pair.advance(s);
      log.push(`#${i} advance ${s} ms -> T0+${pair.now() - T0}`);
      continue;
    }
    log.push(`#${i} ${s.name}`);
    await onStep(s, i, log);
  }
  return log;
}

/** Reads the same thing from both stores and expects Redis to answer as memory; memory's. */
export async function expectSame<T>(
  pair: StorePair,
  read: (s: Store) => Promise<T>,
  message: string,
): Promise<T> {
  const [m, r] = await Promise.all([read(pair.memory), read(pair.redis)]);
  expect(r, message).toEqual(m);
  return m;
}

/** The user's live holds and pending bookings are the same on both stores after step `i`. */
export async function expectSameLive(
  pair: StorePair,
  username: string,
  i: number,
  trace: string,
): Promise<void> {
  await expectSame(pair, (s) => s.listHolds(username, WIDE), `holds after step #${i}\n${trace}`);
  await expectSame(
    pair,
    (s) => s.listPending(username, WIDE),
    `pending after step #${i}\n${trace}`,
  );
}

/** Both audit chains verify and hold the same events; returns memory's and Redis's. */
export async function expectSameAudit(
  pair: StorePair,
  username: string,
  message: string,
): Promise<{ me: AuditEvent[]; re: AuditEvent[] }> {
  const [me, re] = await Promise.all([
    pair.memory.readAudit(username),
    pair.redis.readAudit(username),
  ]);
  expect(verifyChain(me), "memory audit chain").toEqual({ ok: true });
  expect(verifyChain(re), "redis audit chain").toEqual({ ok: true });
  expect(re.map(comparableEvent), message).toEqual(me.map(comparableEvent));
  return { me, re };
}

/** Asserts `run` over random sequences of 5–40 ops; `seedVar` names the seed's variable. */
export async function assertSequences<O>(
  opArb: fc.Arbitrary<O>,
  run: (ops: O[]) => Promise<void>,
  numRuns: number,
  seedVar: string,
): Promise<void> {
  const seed = process.env[seedVar] ? Number(process.env[seedVar]) : undefined;
  await fc.assert(
    fc.asyncProperty(fc.array(opArb, { minLength: 5, maxLength: 40 }), (ops) => run(ops)),
    { numRuns, ...(seed !== undefined && { seed }) },
  );
}
