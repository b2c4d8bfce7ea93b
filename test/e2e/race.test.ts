/**
 * 50 agents of distinct priorities race for the same slot, 100 rounds, through two node
 * processes sharing one real Redis: first with the arbitration window (exactly one 201,
 * rank 1's), then with ARBITRATION_WINDOW_MS=0 (arrival order plus priority bumps).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { userKey } from "../../src/arbiter/redis/keys.js";
import { sampleProfileInput } from "../helpers/node.js";
import { type NodeProcess, startNodeProcess } from "../helpers/node-process.js";
import { OPEN_ALL_WEEK } from "../helpers/profiles.js";
import { type RedisServer, startRedisServer } from "../helpers/redis-server.js";
import { sharedNodeEnv } from "../helpers/shared-nodes.js";

const ADMIN_TOKEN = "race-admin-token-0123456789abcdef";
const AGENTS = 50;
const ROUNDS = 100;
const SLOT_MS = 30 * 60_000;
const DAY_MS = 86_400_000;
/**
 * Commits that reach Redis within the window of each other are decided together (the
 * window chains). At the default 50 ms this passes on a quiet 2-core machine, but when
 * other work loads it (load average 5), a node process is sometimes descheduled for
 * more than 50 ms between two of its 25 concurrent requests, and rank 1 then arrives
 * after the window closed and bumps the winner. 150 ms keeps the test about the rule,
 * not the machine; RACE_WINDOW_MS=50 runs it at the default.
 */
const WINDOW_MS = Number(process.env.RACE_WINDOW_MS ?? 150);

interface Racer {
  id: string;
  priority: number;
  auth: string;
  node: NodeProcess;
}

interface Answer {
  racer: Racer;
  status: number;
  body: Record<string, unknown>;
  ms: number;
}

interface StoredBooking {
  id: string;
  agentId: string;
  priority: number;
  start: number;
  end: number;
  status: string;
}

let redis: RedisServer;
let dataDir: string;

beforeAll(async () => {
  redis = await startRedisServer({ connect: true });
  dataDir = await mkdtemp(path.join(tmpdir(), "calendario-race-"));
});

afterAll(async () => {
  await redis?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

/**
 * Two node processes on the shared Redis and DATA_DIR, started one after the other, pushed
 * into `nodes` as they start (so afterAll stops the first even if the second fails).
 */
async function startPair(windowMs: number, nodes: NodeProcess[]): Promise<void> {
  const env = {
    ...sharedNodeEnv(redis.url, dataDir, ADMIN_TOKEN),
    ARBITRATION_WINDOW_MS: String(windowMs),
  };
  nodes.push(await startNodeProcess(env));
  nodes.push(await startNodeProcess(env));
}

async function call(
  url: string,
  method: string,
  auth: string,
  body?: unknown,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url, {
    method,
    headers: {
      authorization: `Bearer ${auth}`,
      ...(body !== undefined && { "content-type": "application/json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : {} };
}

/** A user open every day, all day, with no notice, and AGENTS agents of priorities 1..AGENTS. */
async function createRacers(nodes: NodeProcess[], username: string): Promise<Racer[]> {
  const admin = nodes[0]!.url;
  const profile = sampleProfileInput(username, {
    timezone: "UTC",
    scheduling: OPEN_ALL_WEEK,
    min_notice_hours: 0,
  });
  const put = await call(`${admin}/admin/v1/users/${username}`, "PUT", ADMIN_TOKEN, profile);
  expect(put.status).toBe(201);
  const racers: Racer[] = [];
  for (let priority = 1; priority <= AGENTS; priority++) {
    const created = await call(`${admin}/admin/v1/users/${username}/agents`, "POST", ADMIN_TOKEN, {
      name: `racer-${priority}`,
      priority,
    });
    expect(created.status).toBe(201);
    racers.push({
      id: created.body.agent_id as string,
      priority,
      auth: created.body.api_key as string,
      // Half the agents talk to each process; rank 1 and rank 2 are on different ones.
      node: nodes[priority % 2]!,
    });
  }
  // Opens every agent's keep-alive connection before the race, so no round pays for it.
  const warm = await Promise.all(
    racers.map((r) => call(`${r.node.url}/v1/bookings`, "GET", r.auth)),
  );
  expect(warm.map((w) => w.status)).toEqual(racers.map(() => 200));
  return racers;
}

/** Deterministic shuffle (mulberry32), so each round fires in another order. */
function shuffled<T>(items: readonly T[], seed: number): T[] {
  let a = seed >>> 0;
  const random = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** Every racer commits [start, start + 30 min) at once; answers in priority order. */
async function race(racers: Racer[], start: number, seed: number): Promise<Answer[]> {
  const slot = {
    start: new Date(start).toISOString(),
    end: new Date(start + SLOT_MS).toISOString(),
  };
  const answers = await Promise.all(
    shuffled(racers, seed).map(async (racer) => {
      const t0 = performance.now();
      const res = await call(`${racer.node.url}/v1/bookings`, "POST", racer.auth, slot);
      return { racer, ...res, ms: performance.now() - t0 };
    }),
  );
  return answers.sort((a, b) => a.racer.priority - b.racer.priority);
}

async function runRounds(racers: Racer[]): Promise<{ rounds: Answer[][]; starts: number[] }> {
  // Slots from the next UTC midnight on: in the future, inside the all-day schedule.
  const base = Math.ceil(Date.now() / DAY_MS) * DAY_MS + DAY_MS;
  const rounds: Answer[][] = [];
  const starts: number[] = [];
  const t0 = performance.now();
  for (let round = 0; round < ROUNDS; round++) {
    const start = base + round * SLOT_MS;
    starts.push(start);
    rounds.push(await race(racers, start, round + 1));
  }
  const latencies = rounds
    .flat()
    .map((a) => a.ms)
    .sort((x, y) => x - y);
  const pct = (p: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]!;
  console.log(
    `${ROUNDS} rounds x ${AGENTS} agents in ${Math.round(performance.now() - t0)} ms; ` +
      `request p50 ${pct(0.5).toFixed(1)} ms, p99 ${pct(0.99).toFixed(1)} ms`,
  );
  return { rounds, starts };
}

/** The user's bookings as Redis holds them, read directly. */
async function storedBookings(username: string): Promise<StoredBooking[]> {
  const all = await redis.client!.hGetAll(userKey(username, "bookings"));
  return Object.values(all).map((raw) => JSON.parse(raw) as StoredBooking);
}

/** Committed bookings that overlap another committed booking (none, ever). */
function overlaps(bookings: StoredBooking[]): string[] {
  const committed = bookings
    .filter((b) => b.status === "committed")
    .sort((a, b) => a.start - b.start || a.end - b.end);
  const found: string[] = [];
  for (let i = 1; i < committed.length; i++) {
    const prev = committed[i - 1]!;
    const next = committed[i]!;
    if (next.start < prev.end) found.push(`${prev.id} and ${next.id}`);
  }
  return found;
}

/** The active index names exactly the committed bookings. */
async function expectActiveIndexMatches(username: string, bookings: StoredBooking[]) {
  const active = await redis.client!.zRange(userKey(username, "bookings:active"), 0, -1);
  const committed = bookings.filter((b) => b.status === "committed").map((b) => b.id);
  expect(active.sort()).toEqual(committed.sort());
}

async function auditEvents(
  url: string,
  username: string,
): Promise<Array<{ seq: number; type: string; data: Record<string, unknown> }>> {
  const events: Array<{ seq: number; type: string; data: Record<string, unknown> }> = [];
  for (let after = 0; ; ) {
    const page = await call(
      `${url}/v1/audit?user_id=${username}&after=${after}&limit=1000`,
      "GET",
      ADMIN_TOKEN,
    );
    expect(page.status).toBe(200);
    const batch = page.body.events as typeof events;
    if (batch.length === 0) return events;
    events.push(...batch);
    after = batch.at(-1)!.seq;
  }
}

const describeRace = (title: string, fn: () => void) =>
  describe.sequential(title, { timeout: 120_000 }, fn);

describeRace(
  `50 agents x 100 rounds on two node processes, arbitration window ${WINDOW_MS} ms`,
  () => {
    const nodes: NodeProcess[] = [];
    afterAll(async () => {
      await Promise.all(nodes.map((n) => n.stop()));
    });

    it("answers exactly one 201, rank 1's, and 409s naming rank 1, never overlapping", async () => {
      await startPair(WINDOW_MS, nodes);
      const racers = await createRacers(nodes, "ana");
      const rank1 = racers[0]!;
      const { rounds } = await runRounds(racers);

      const anomalies: string[] = [];
      rounds.forEach((answers, round) => {
        const created = answers.filter((a) => a.status === 201);
        if (created.length !== 1 || created[0]!.racer !== rank1)
          anomalies.push(
            `round ${round}: 201 for ${created.map((a) => a.racer.priority).join(",")}`,
          );
        for (const a of answers) {
          if (a.racer === rank1) continue;
          const named = a.body.winning_agent_id === rank1.id && a.body.winning_agent_priority === 1;
          if (
            a.status !== 409 ||
            !named ||
            (a.body.error as { code?: string })?.code !== "conflict"
          )
            anomalies.push(
              `round ${round}: priority ${a.racer.priority} got ${a.status} naming priority ${String(a.body.winning_agent_priority)}`,
            );
        }
      });
      expect(anomalies).toEqual([]);
      for (const answers of rounds)
        expect(answers[0]!.body).toMatchObject({
          status: "committed",
          agent_id: rank1.id,
          priority: 1,
        });

      const bookings = await storedBookings("ana");
      expect(overlaps(bookings)).toEqual([]);
      expect(bookings.filter((b) => b.status === "committed")).toHaveLength(ROUNDS);
      expect(bookings.every((b) => b.status === "committed" && b.agentId === rank1.id)).toBe(true);
      await expectActiveIndexMatches("ana", bookings);
    });
  },
);

describeRace("50 agents x 100 rounds on two node processes, ARBITRATION_WINDOW_MS=0", () => {
  const nodes: NodeProcess[] = [];
  afterAll(async () => {
    await Promise.all(nodes.map((n) => n.stop()));
  });

  it("never overlaps, ends with rank 1's booking, and records every early winner's eviction", async () => {
    await startPair(0, nodes);
    const racers = await createRacers(nodes, "bob");
    const rank1 = racers[0]!;
    const { rounds, starts } = await runRounds(racers);

    const bookings = await storedBookings("bob");
    expect(overlaps(bookings)).toEqual([]);
    await expectActiveIndexMatches("bob", bookings);

    const evicted = new Map<string, Record<string, unknown>>();
    for (const e of await auditEvents(nodes[1]!.url, "bob"))
      if (e.type === "booking.evicted") evicted.set(e.data.booking_id as string, e.data);

    const anomalies: string[] = [];
    let earlyWinners = 0;
    rounds.forEach((answers, round) => {
      const final = bookings.filter((b) => b.status === "committed" && b.start === starts[round]);
      if (final.length !== 1 || final[0]!.agentId !== rank1.id)
        anomalies.push(`round ${round}: committed ${final.map((b) => b.priority).join(",")}`);
      for (const a of answers) {
        if (a.status === 201) {
          if (a.racer === rank1) continue;
          earlyWinners++;
          const eviction = evicted.get(a.body.booking_id as string);
          if (eviction?.reason !== "priority_bump")
            anomalies.push(`round ${round}: priority ${a.racer.priority}'s 201 was never evicted`);
        } else if (
          a.status !== 409 ||
          (a.body.winning_agent_priority as number) >= a.racer.priority
        ) {
          anomalies.push(
            `round ${round}: priority ${a.racer.priority} got ${a.status} naming priority ${String(a.body.winning_agent_priority)}`,
          );
        }
      }
      if (answers[0]!.status !== 201)
        anomalies.push(`round ${round}: rank 1 got ${answers[0]!.status}`);
    });
    expect(anomalies).toEqual([]);
    // Every eviction belongs to a 201 that some agent received.
    expect(evicted.size).toBe(earlyWinners);
    console.log(`window 0: ${earlyWinners} early winners evicted in ${ROUNDS} rounds`);
  });
});
