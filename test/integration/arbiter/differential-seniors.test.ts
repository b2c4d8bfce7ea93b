/**
 * A differential property test of the idle-seniors rule (PROTOCOL §10.3): random agents
 * seen, holds, clock steps around the one-minute period, direct commits by the top rank
 * and batches of commits sent at once through the window with the rule on, applied to a
 * fresh MemoryStore and a fresh RedisStore (real redis-server) on clocks kept in step.
 * Whether a commit waited shows in what a batch decides (a junior decided at once is
 * bumped by a senior of its batch; one that waited loses to it), so the stores must give
 * the same answers, bookings and holds after every step.
 *
 * SENIORS_RUNS and SENIORS_SEED (environment) override the number of runs and the seed.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { ArbitrationField, Store } from "../../../src/arbiter/index.js";
import type { CommitCommand } from "../../../src/arbiter/types.js";
import {
  assertSequences,
  BUMP_WINDOW_MS,
  CELL,
  DAYS,
  driveSteps,
  expectSame,
  expectSameLive,
  type HoldSpec,
  holdCommand,
  SLOT_BASE,
  useStorePair,
  WIDE,
} from "./differential-harness.js";

const USER = "jane";
/** Five agents: two share rank 2, so ties (arrival order) are exercised. */
const AGENTS = [
  { id: "agt_one", priority: 1 },
  { id: "agt_two", priority: 2 },
  { id: "agt_deux", priority: 2 },
  { id: "agt_three", priority: 3 },
  { id: "agt_four", priority: 4 },
] as const;
const RECENT_MS = 60_000;
/** Real milliseconds a batch's window stays open: its commits are all sent at once. */
const WINDOW_MS = 2;
const SLOTS = 4;

type Op =
  | { op: "seen"; agent: number }
  | ({ op: "hold" } & HoldSpec)
  | { op: "advance"; ms: number }
  /** The top rank commits directly, as the commit use case does for an agent that outranks everyone. */
  | { op: "top"; slot: number }
  /** One to four commits of lower ranks sent at once, each with its seniors. */
  | { op: "batch"; commits: { agent: number; slot: number }[] };

const lowerAgent = fc.integer({ min: 1, max: AGENTS.length - 1 });
const anyAgent = fc.nat({ max: AGENTS.length - 1 });
const slot = fc.nat({ max: SLOTS - 1 });

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ op: fc.constant("seen" as const), agent: anyAgent }) },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant("hold" as const),
      agent: anyAgent,
      slot,
      cells: fc.constant(1),
      ttl: fc.constantFrom(1_000, 30_000, 90_000),
      idem: fc.constant(undefined),
      tag: fc.nat({ max: 9 }),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant("advance" as const),
      ms: fc.oneof(
        { weight: 3, arbitrary: fc.constantFrom(59_999, 60_000, 60_001) },
        { weight: 2, arbitrary: fc.constantFrom(0, 1, 1_000, 29_999, 30_000, 90_000) },
      ),
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("top" as const), slot }) },
  {
    weight: 5,
    arbitrary: fc.record({
      op: fc.constant("batch" as const),
      commits: fc.array(fc.record({ agent: lowerAgent, slot }), { minLength: 1, maxLength: 4 }),
    }),
  },
);

/** Who could enter the window for `agent`'s commit, as the commit use case computes it. */
function whoFor(agent: (typeof AGENTS)[number]): ArbitrationField {
  return {
    agents: AGENTS.length,
    topPriority: 1,
    seniors: AGENTS.filter((a) => a.id !== agent.id && a.priority <= agent.priority).map(
      (a) => a.id,
    ),
    recentMs: RECENT_MS,
  };
}

function commitCommand(agentIx: number, slotIx: number, id: string): CommitCommand {
  const agent = AGENTS[agentIx]!;
  const start = SLOT_BASE + slotIx * CELL;
  return {
    username: USER,
    agentId: agent.id,
    priority: agent.priority,
    start,
    end: start + CELL,
    bookingId: `bkg_${id}`,
    bumpWindowMs: BUMP_WINDOW_MS,
    dayKey: DAYS[0],
    maxPerDay: 0,
    fingerprint: `f${id}`,
    actor: agent.id,
  };
}

interface Step {
  name: string;
  run(store: Store): Promise<unknown>;
}

function toStep(o: Op, i: number): Step | number {
  switch (o.op) {
    case "advance":
      return o.ms;
    case "seen": {
      const agent = AGENTS[o.agent]!;
      return { name: `seen ${agent.id}`, run: (s) => s.markAgentSeen(USER, agent.id) };
    }
    case "hold": {
      const cmd = holdCommand(USER, AGENTS[o.agent]!, o, i);
      return { name: `hold ${JSON.stringify(cmd)}`, run: (s) => s.hold(cmd) };
    }
    case "top": {
      const cmd = commitCommand(0, o.slot, `top${i}`);
      return { name: `top commit ${JSON.stringify(cmd)}`, run: (s) => s.commit(cmd) };
    }
    case "batch": {
      const cmds = o.commits.map((c, j) => commitCommand(c.agent, c.slot, `${i}b${j}`));
      const whos = o.commits.map((c) => whoFor(AGENTS[c.agent]!));
      return {
        name: `batch ${cmds.map((c) => `${c.agentId}@${(c.start - SLOT_BASE) / CELL}`).join(" ")}`,
        // Sent together: both stores see them arrive in this order.
        run: (s) => Promise.all(cmds.map((c, j) => s.arbitrate(c, WINDOW_MS, whos[j]))),
      };
    }
  }
}

/** Replaces every `auditRef` (random per call) by a placeholder. */
function stripAuditRefs(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stripAuditRefs);
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [k, k === "auditRef" ? "<ref>" : stripAuditRefs(v)]),
  );
}

describe("differential: the idle-seniors rule on the memory and the Redis store", () => {
  const stores = useStorePair();

  async function runBoth(ops: Op[]): Promise<void> {
    const pair = await stores.fresh();
    await driveSteps(
      ops,
      pair,
      (o, i) => toStep(o, i),
      async (s, i, log) => {
        const m = await s.run(pair.memory);
        const r = await s.run(pair.redis);
        const trace = () => log.join("\n");
        expect(stripAuditRefs(r), `answer of step #${i}\n${trace()}`).toEqual(stripAuditRefs(m));
        await expectSame(
          pair,
          (st) => st.listBookings(USER, WIDE),
          `bookings after step #${i}\n${trace()}`,
        );
        await expectSameLive(pair, USER, i, trace());
      },
    );
  }

  it("decides the same commits at once, and the rest in the window, on both stores", async () => {
    const numRuns = Number(process.env.SENIORS_RUNS ?? (process.env.CI ? 500 : 150));
    await assertSequences(opArb, runBoth, numRuns, "SENIORS_SEED");
  }, 300_000);

  it("tells a junior decided at once from one that waited by the batch's answers", async () => {
    // One batch, junior first: with agt_two idle the junior commits and agt_two bumps it;
    // with agt_two seen, the junior waits and loses. The answers differ, so a store that
    // decided otherwise than the other would be caught.
    const pair = await stores.fresh();
    const batch = toStep(
      {
        op: "batch",
        commits: [
          { agent: 3, slot: 0 },
          { agent: 1, slot: 0 },
        ],
      },
      1,
    ) as Step;
    const idle = (await batch.run(pair.memory)) as { status: string }[];
    expect(idle.map((o) => o.status)).toEqual(["committed", "committed"]);
    await pair.memory.markAgentSeen(USER, "agt_two");
    const again = toStep(
      {
        op: "batch",
        commits: [
          { agent: 3, slot: 1 },
          { agent: 1, slot: 1 },
        ],
      },
      2,
    ) as Step;
    const waited = (await again.run(pair.memory)) as { status: string }[];
    expect(waited.map((o) => o.status)).toEqual(["conflict", "committed"]);
  });
});
