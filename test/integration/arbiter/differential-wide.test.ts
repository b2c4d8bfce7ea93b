/**
 * A wider differential property test than differential.test.ts: two users, parallel
 * arbitration batches, cancels and releases, idempotent replays, and reads over narrow
 * ranges, applied to a fresh MemoryStore and a fresh RedisStore (real redis-server). The
 * stores must agree at every step, and an oracle checks the invariants of PROTOCOL §10
 * after every step: no two committed bookings of a user overlap, no live hold overlaps
 * a committed booking, a day never holds more committed bookings than the limit a commit
 * was decided under, and nothing evicts a frozen booking or one of equal or higher rank.
 *
 * Generators are biased toward `replaces`, commits over the agent's own hold, and retries
 * of keyed commits under a daily limit.
 *
 * 1800 runs when CI is set (with differential.test.ts's 200, 2,000 in all), else 300.
 * WIDE_RUNS and WIDE_SEED (environment) override the number of runs and the seed.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { PendingDecisionCommand, Store } from "../../../src/arbiter/index.js";
import type { Booking, CommitCommand, CommitOutcome } from "../../../src/arbiter/types.js";
import {
  LOCAL_AGENTS as AGENTS,
  type CommitSpec as AnyCommitSpec,
  type Ref as AnyRef,
  assertSequences,
  BUMP_WINDOW_MS,
  CELL,
  clockSteps,
  comparableEvent,
  DAYS,
  driveSteps,
  expectSame,
  expectSameAudit,
  expectSameLive,
  type HoldSpec,
  holdCommand,
  holdFields,
  type IdRegistry,
  newIdRegistry,
  ref,
  registerAnswer,
  resolve,
  resolveWho,
  type Sent,
  SLOT_BASE,
  sometimes,
  tag,
  useStorePair,
  type Who,
  WIDE,
  whoOf,
} from "./differential-harness.js";

const USERS = ["jane", "sam"] as const;
const SLOTS = 6;
/** Real milliseconds an arbitration batch stays open: its commits are all sent at once. */
const ARBITRATION_WINDOW_MS = 2;

type Ref = AnyRef | "own-hold";

type CommitSpec = AnyCommitSpec<Ref>;

type Op =
  | ({ op: "hold"; user: number } & HoldSpec)
  | ({ op: "commit"; user: number } & CommitSpec)
  /** Two to four commits sent at once into the user's arbitration window. */
  | { op: "batch"; user: number; commits: CommitSpec[] }
  | { op: "release"; user: number; hold: Ref; by: Who }
  | { op: "cancel"; user: number; booking: Ref; by: Who }
  | { op: "advance"; ms: number }
  /** An earlier keyed hold or commit again, same body and key (a retry); limited ones first. */
  | { op: "retry"; pick: number; limitedOnly: boolean }
  /** Reads over a narrow range, compared between the stores. */
  | { op: "read"; user: number; from: number; cells: number }
  /** The person accepts or declines a request, or cancels it (possibly several at once). */
  | {
      op: "decide";
      user: number;
      booking: Ref;
      accept: boolean;
      maxPerDay: number;
      twice: boolean;
    };

const userIx = fc.oneof(
  { weight: 3, arbitrary: fc.constant(0) },
  { weight: 1, arbitrary: fc.constant(1) },
);
const agentIx = fc.nat({ max: AGENTS.length - 1 });
const holdRef: fc.Arbitrary<Ref> = fc.oneof(
  { weight: 4, arbitrary: fc.constant("own-hold" as const) },
  { weight: 2, arbitrary: ref },
);
const who: fc.Arbitrary<Who> = whoOf(agentIx);
const idem = sometimes(fc.constantFrom("k1", "k2", "k3"), 2);
const step = clockSteps(3);

const commitSpec: fc.Arbitrary<CommitSpec> = fc.record({
  agent: agentIx,
  slot: fc.nat({ max: SLOTS - 1 }),
  cells: fc.integer({ min: 1, max: 3 }),
  hold: sometimes(holdRef, 1),
  onHold: fc.oneof(
    { weight: 3, arbitrary: fc.constant(true) },
    { weight: 1, arbitrary: fc.constant(false) },
  ),
  replaces: sometimes(ref, 2),
  maxPerDay: fc.constantFrom(0, 1, 1, 2, 3),
  day: fc.nat({ max: DAYS.length - 1 }),
  idem,
  tag,
  pending: sometimes(fc.constantFrom(1, 20_000, 60_000), 3),
});

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      op: fc.constant("hold" as const),
      user: userIx,
      ...holdFields(agentIx, idem),
    }),
  },
  {
    weight: 5,
    arbitrary: fc
      .tuple(userIx, commitSpec)
      .map(([user, spec]) => ({ op: "commit" as const, user, ...spec })),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant("batch" as const),
      user: userIx,
      commits: fc.array(commitSpec, { minLength: 2, maxLength: 4 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ op: fc.constant("release" as const), user: userIx, hold: ref, by: who }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant("cancel" as const),
      user: userIx,
      booking: ref,
      by: who,
    }),
  },
  { weight: 3, arbitrary: fc.record({ op: fc.constant("advance" as const), ms: step }) },
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant("retry" as const),
      pick: fc.nat({ max: 40 }),
      limitedOnly: fc.boolean(),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant("decide" as const),
      user: userIx,
      booking: ref,
      accept: fc.boolean(),
      maxPerDay: fc.constantFrom(0, 1, 2),
      twice: fc.boolean(),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant("read" as const),
      user: userIx,
      from: fc.integer({ min: -1, max: SLOTS + 2 }),
      cells: fc.integer({ min: 1, max: 3 }),
    }),
  },
);

type UserRegistry = IdRegistry;

interface Registry {
  users: UserRegistry[];
  /** Every keyed hold and commit sent, for retries. */
  sent: Sent[];
  /** Day key of every booking id, for the daily-limit invariant. */
  dayOf: Map<string, string>;
}

function newRegistry(): Registry {
  return { users: USERS.map(() => newIdRegistry()), sent: [], dayOf: new Map() };
}

function commitCommand(
  spec: CommitSpec,
  username: string,
  ureg: UserRegistry,
  reg: Registry,
  id: string,
  now: number,
): CommitCommand {
  const agent = AGENTS[spec.agent]!;
  const holdId = resolve(spec.hold, ureg.holds, ureg, agent.id, "hld_bogus");
  const replaces = resolve(spec.replaces, ureg.bookings, ureg, agent.id, "bkg_bogus");
  const held = holdId === undefined ? undefined : ureg.spans.get(holdId);
  const start = spec.onHold && held ? held.start : SLOT_BASE + spec.slot * CELL;
  const end = spec.onHold && held ? held.end : start + spec.cells * CELL;
  const pending = spec.pending === undefined ? undefined : { expiresAt: now + spec.pending };
  const body = { start, end, holdId, replaces, maxPerDay: spec.maxPerDay, pending };
  const cmd: CommitCommand = {
    username,
    agentId: agent.id,
    priority: agent.priority,
    start,
    end,
    bookingId: `bkg_${spec.tag}x${id}`,
    bumpWindowMs: BUMP_WINDOW_MS,
    dayKey: DAYS[spec.day]!,
    maxPerDay: spec.maxPerDay,
    fingerprint: JSON.stringify(body),
    actor: agent.id,
    ...(holdId !== undefined && { holdId }),
    ...(replaces !== undefined && { replaces }),
    ...(spec.idem !== undefined && { idempotencyKey: spec.idem }),
    ...(pending !== undefined && { pending, requesterKey: `did:web:${agent.id}.test` }),
  };
  ureg.allBookingIds.push(cmd.bookingId);
  reg.dayOf.set(cmd.bookingId, cmd.dayKey);
  if (spec.idem !== undefined) reg.sent.push({ kind: "commit", cmd });
  return cmd;
}

interface Step {
  name: string;
  username: string;
  /** Commands whose outcomes the step returns (for the oracle), in order. */
  commits: CommitCommand[];
  batch: boolean;
  run(store: Store): Promise<unknown>;
}

function toStep(o: Op, i: number, reg: Registry, now: number): Step | number | undefined {
  switch (o.op) {
    case "advance":
      return o.ms;
    case "read": {
      const username = USERS[o.user]!;
      const range = {
        start: SLOT_BASE + o.from * CELL,
        end: SLOT_BASE + (o.from + o.cells) * CELL,
      };
      return {
        name: `read ${username} ${JSON.stringify(range)}`,
        username,
        commits: [],
        batch: false,
        run: async (s) => ({
          bookings: await s.listBookings(username, range),
          holds: await s.listHolds(username, range),
        }),
      };
    }
    case "hold": {
      const username = USERS[o.user]!;
      const cmd = holdCommand(username, AGENTS[o.agent]!, o, i);
      if (o.idem !== undefined) reg.sent.push({ kind: "hold", cmd });
      return {
        name: `hold ${JSON.stringify(cmd)}`,
        username,
        commits: [],
        batch: false,
        run: (s) => s.hold(cmd),
      };
    }
    case "commit": {
      const username = USERS[o.user]!;
      const cmd = commitCommand(o, username, reg.users[o.user]!, reg, String(i), now);
      return {
        name: `commit ${JSON.stringify(cmd)}`,
        username,
        commits: [cmd],
        batch: false,
        run: async (s) => [await s.commit(cmd)],
      };
    }
    case "batch": {
      const username = USERS[o.user]!;
      const cmds = o.commits.map((spec, j) =>
        commitCommand(spec, username, reg.users[o.user]!, reg, `${i}b${j}`, now),
      );
      return {
        name: `batch ${JSON.stringify(cmds)}`,
        username,
        commits: cmds,
        batch: true,
        // Sent together: both stores see them arrive in this order, in one window.
        run: (s) => Promise.all(cmds.map((c) => s.arbitrate(c, ARBITRATION_WINDOW_MS))),
      };
    }
    case "retry": {
      const pool = o.limitedOnly
        ? reg.sent.filter((x) => x.kind === "commit" && x.cmd.maxPerDay > 0)
        : reg.sent;
      const earlier = pool[o.pick % Math.max(1, pool.length)];
      if (!earlier) return undefined;
      if (earlier.kind === "hold") {
        const cmd = { ...earlier.cmd, holdId: `${earlier.cmd.holdId}r${i}` };
        return {
          name: `retry hold ${JSON.stringify(cmd)}`,
          username: cmd.username,
          commits: [],
          batch: false,
          run: async (s) => ({
            answer: await s.hold(cmd),
            replay: await s.findReplay(
              cmd.username,
              cmd.agentId,
              "hold",
              cmd.idempotencyKey!,
              cmd.fingerprint,
            ),
          }),
        };
      }
      const cmd = { ...earlier.cmd, bookingId: `${earlier.cmd.bookingId}r${i}` };
      reg.users[USERS.indexOf(cmd.username as "jane")]!.allBookingIds.push(cmd.bookingId);
      reg.dayOf.set(cmd.bookingId, cmd.dayKey);
      return {
        name: `retry commit ${JSON.stringify(cmd)}`,
        username: cmd.username,
        commits: [cmd],
        batch: false,
        run: async (s) => {
          const answer = await s.commit(cmd);
          const replay = await s.findReplay(
            cmd.username,
            cmd.agentId,
            "commit",
            cmd.idempotencyKey!,
            cmd.fingerprint,
          );
          // A stored answer replays as itself.
          expect(replay, `findReplay after ${cmd.bookingId}`).toEqual({ ...answer, replay: true });
          return [answer];
        },
      };
    }
    case "decide": {
      const username = USERS[o.user]!;
      const ureg = reg.users[o.user]!;
      const bookingId = resolve(o.booking, ureg.bookings, ureg, undefined, "bkg_bogus")!;
      const cmd: PendingDecisionCommand = {
        username,
        bookingId,
        decision: o.accept ? "accept" : "decline",
        actor: "person",
        dayKey: reg.dayOf.get(bookingId) ?? DAYS[0],
        maxPerDay: o.maxPerDay,
      };
      return {
        name: `decidePending ${JSON.stringify(cmd)}${o.twice ? " and a cancel at once" : ""}`,
        username,
        commits: [],
        batch: false,
        // Sent together: each store decides them one after the other, in this order.
        run: (s) =>
          Promise.all([
            s.decidePending(cmd),
            ...(o.twice ? [s.cancelBooking(username, bookingId, undefined, "admin")] : []),
          ]),
      };
    }
    case "release": {
      const username = USERS[o.user]!;
      const ureg = reg.users[o.user]!;
      const holdId = resolve(o.hold, ureg.holds, ureg, undefined, "hld_bogus")!;
      const agentId = resolveWho(o.by, ureg.owner.get(holdId), AGENTS);
      const actor = agentId ?? "admin";
      return {
        name: `releaseHold ${username} ${holdId} by ${actor}`,
        username,
        commits: [],
        batch: false,
        run: (s) => s.releaseHold(username, holdId, agentId, actor),
      };
    }
    case "cancel": {
      const username = USERS[o.user]!;
      const ureg = reg.users[o.user]!;
      const bookingId = resolve(o.booking, ureg.bookings, ureg, undefined, "bkg_bogus")!;
      const agentId = resolveWho(o.by, ureg.owner.get(bookingId), AGENTS);
      const actor = agentId ?? "admin";
      return {
        name: `cancelBooking ${username} ${bookingId} by ${actor}`,
        username,
        commits: [],
        batch: false,
        run: (s) => s.cancelBooking(username, bookingId, agentId, actor),
      };
    }
  }
}

/** Remembers the ids an answer handed out. */
function register(ureg: UserRegistry, answer: unknown): void {
  const answers = Array.isArray(answer)
    ? answer
    : [(answer as { answer?: unknown }).answer ?? answer];
  for (const a of answers) registerAnswer(ureg, a);
}

/** Replaces every `auditRef` (random per call) by a placeholder. */
function stripAuditRefs(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stripAuditRefs);
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [
      k,
      k === "auditRef" ? (v === undefined ? v : "<ref>") : stripAuditRefs(v),
    ]),
  );
}

/** The invariants of §10 on one user's state after a step; returns what is broken. */
async function checkInvariants(
  store: Store,
  username: string,
  now: number,
  step: Step,
  outcomes: CommitOutcome[],
  reg: Registry,
  frozenAtOf: Map<string, number>,
): Promise<string[]> {
  const broken: string[] = [];
  const [bookings, holds, pending] = await Promise.all([
    store.listBookings(username, WIDE),
    store.listHolds(username, WIDE),
    store.listPending(username, WIDE),
  ]);
  // Committed and live pending bookings both block their slot: none overlap.
  const sorted = [...bookings, ...pending].sort((a, b) => a.start - b.start);
  for (let k = 1; k < sorted.length; k++)
    if (sorted[k]!.start < sorted[k - 1]!.end)
      broken.push(`overlapping bookings ${sorted[k - 1]!.id} and ${sorted[k]!.id}`);
  for (const h of holds)
    for (const b of sorted)
      if (h.start < b.end && b.start < h.end)
        broken.push(`live hold ${h.id} overlaps ${b.status} booking ${b.id}`);
  const perDay = new Map<string, number>();
  for (const b of bookings) {
    const day = reg.dayOf.get(b.id)!;
    perDay.set(day, (perDay.get(day) ?? 0) + 1);
  }
  // The order the store decided them in: a batch by priority, then arrival.
  const decided = outcomes
    .map((outcome, j) => ({ outcome, cmd: step.commits[j]! }))
    .sort((a, b) => (step.batch ? a.cmd.priority - b.cmd.priority : 0));
  for (const [j, { outcome, cmd }] of decided.entries()) {
    if (outcome.status !== "committed") continue;
    if (!outcome.replay) frozenAtOf.set(outcome.booking.id, outcome.booking.frozenAt);
    // A fresh commit under a limit left its day within it. A later commit of that day
    // under a higher limit (or none) may raise the count, so only when none followed.
    const laterOnDay = decided
      .slice(j + 1)
      .some((d) => d.outcome.status === "committed" && d.cmd.dayKey === cmd.dayKey);
    if (!outcome.replay && cmd.maxPerDay > 0 && !laterOnDay) {
      const count = perDay.get(cmd.dayKey) ?? 0;
      if (count > cmd.maxPerDay)
        broken.push(`day ${cmd.dayKey} has ${count} bookings over the limit ${cmd.maxPerDay}`);
    }
    if (outcome.replay) continue;
    for (const e of outcome.evicted) {
      if (now >= e.frozenAt) broken.push(`evicted frozen booking ${e.id}`);
      if (e.priority <= cmd.priority)
        broken.push(`booking ${e.id} of priority ${e.priority} evicted by ${cmd.priority}`);
    }
  }
  return broken;
}

describe("wide differential: memory store vs Redis store, two users, arbitration batches", () => {
  const stores = useStorePair();

  async function runBoth(ops: Op[]): Promise<void> {
    const pair = await stores.fresh();
    const { memory, redis } = pair;
    const reg = newRegistry();
    const frozenAtOf = new Map<string, number>();

    const log = await driveSteps(
      ops,
      pair,
      (o, i, now) => toStep(o, i, reg, now),
      async (s, i, log) => {
        const ux = USERS.indexOf(s.username as "jane");
        const m = await s.run(memory);
        const r = await s.run(redis);
        const trace = () => log.join("\n");
        expect(stripAuditRefs(r), `answer of step #${i}\n${trace()}`).toEqual(stripAuditRefs(m));
        register(reg.users[ux]!, m);
        const outcomes = s.commits.length > 0 ? (m as CommitOutcome[]) : [];
        const broken = await checkInvariants(
          memory,
          s.username,
          pair.now(),
          s,
          outcomes,
          reg,
          frozenAtOf,
        );
        expect(broken, `invariants after step #${i}\n${trace()}`).toEqual([]);
        await expectSameLive(pair, s.username, i, trace());
      },
    );

    const trace = log.join("\n");
    for (const [ux, username] of USERS.entries()) {
      await expectSame(
        pair,
        (s) => s.listBookings(username, WIDE),
        `${username}'s bookings at the end\n${trace}`,
      );
      const ended: Booking[] = [];
      for (const id of reg.users[ux]!.allBookingIds) {
        const mbk = await expectSame(
          pair,
          (s) => s.getBooking(username, id),
          `booking ${id} at the end\n${trace}`,
        );
        if (mbk && mbk.status !== "committed") ended.push(mbk);
      }
      const { me } = await expectSameAudit(pair, username, `${username}'s audit events\n${trace}`);
      // Oracle over the whole run: no booking.evicted at or after the booking froze.
      for (const e of me.filter((x) => x.type === "booking.evicted")) {
        const frozenAt = frozenAtOf.get(e.resource);
        expect(frozenAt, `eviction of an unknown booking ${e.resource}`).toBeDefined();
        expect(e.at, `${e.resource} evicted after it froze\n${trace}`).toBeLessThan(frozenAt!);
      }
      for (const b of ended)
        if (b.status === "evicted")
          expect(b.endedAt!, `${b.id} ended after it froze`).toBeLessThan(b.frozenAt);
    }
  }

  // An arbitration batch is one atomic step on both stores (one settle script run on
  // Redis): its events share a prefix and are numbered _1, _2, … across the batch.
  it("numbers the audit events of an arbitration batch the same way on both stores", async () => {
    const { memory, redis } = await stores.fresh();
    const counters: string[][] = [];
    for (const store of [memory, redis] as Store[]) {
      const cmds = [0, 2].map((slot, j) => ({
        username: "jane",
        agentId: AGENTS[j + 1]!.id,
        priority: AGENTS[j + 1]!.priority,
        start: SLOT_BASE + slot * CELL,
        end: SLOT_BASE + (slot + 1) * CELL,
        bookingId: `bkg_batch${j}`,
        bumpWindowMs: BUMP_WINDOW_MS,
        dayKey: DAYS[0],
        maxPerDay: 0,
        fingerprint: `f${j}`,
        actor: AGENTS[j + 1]!.id,
      }));
      const outcomes = await Promise.all(
        cmds.map((c) => store.arbitrate(c, ARBITRATION_WINDOW_MS)),
      );
      expect(outcomes.map((o) => o.status)).toEqual(["committed", "committed"]);
      counters.push((await store.readAudit("jane")).map((e) => comparableEvent(e).idCounter));
    }
    expect(counters[1], "redis event id counters vs memory's").toEqual(counters[0]);
  });

  it("gives identical answers and state, and keeps the invariants, for random sequences", async () => {
    // 1800 here and 200 in differential.test.ts: 2,000 runs in CI; fewer on a workstation.
    const numRuns = Number(process.env.WIDE_RUNS ?? (process.env.CI ? 1800 : 300));
    const t0 = performance.now();
    await assertSequences(opArb, runBoth, numRuns, "WIDE_SEED");
    console.log(`wide differential: ${numRuns} runs in ${Math.round(performance.now() - t0)} ms`);
  }, 300_000);
});
