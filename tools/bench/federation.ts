import { cpus } from "node:os";
import { createClient } from "redis";
import { PEER_RATE_LIMIT } from "../../src/http/api/peer-auth.js";
import {
  type Agent,
  call,
  type Federation,
  iso,
  startFederation,
} from "../../test/e2e/federation/harness.js";

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const BOOKINGS = 100;
const WARMUP = 10;
const REWARM = 1;
/** Cross-node requests per rate-limit window, a little under the limit. */
const WINDOW_BUDGET = PEER_RATE_LIMIT.limit - 2;
/** After the window's first request, how long the memory run waits past the window. */
const WINDOW_MARGIN_MS = 1_500;

interface Percentiles {
  p50Ms: number;
  p99Ms: number;
}

export interface FederationBenchResult extends Record<string, unknown> {
  crossNode: Percentiles;
  localCommit: Percentiles;
  /** localCommit.p50Ms / crossNode.p50Ms */
  ratioP50: number;
}

/** Nearest-rank percentiles (with 100 samples p99 is the second largest). */
function percentiles(samples: number[]): Percentiles {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!;
  return { p50Ms: round(at(0.5)), p99Ms: round(at(0.99)) };
}

const round = (x: number, digits = 2) => Number(x.toFixed(digits));
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Measured bookings per round: the first round also carries the warm-up, later ones a re-warm. */
function roundSizes(): number[] {
  const first = Math.min(BOOKINGS, WINDOW_BUDGET - WARMUP);
  const rest = BOOKINGS - first;
  const rounds = Math.ceil(rest / (WINDOW_BUDGET - REWARM));
  return [
    first,
    ...Array.from(
      { length: rounds },
      (_, i) => Math.floor(rest / rounds) + (i < rest % rounds ? 1 : 0),
    ),
  ];
}

async function measure(
  fed: Pick<Federation, "acme" | "globex">,
  /** Called before every round but the first: makes room in acme's rate limits. */
  nextWindow: (windowStartedAt: number) => Promise<void>,
): Promise<FederationBenchResult> {
  await fed.acme.putProfile("jane");
  await fed.globex.putProfile("bob");
  const bob: Agent = await fed.globex.createAgent("bob", "bob-assistant");
  const jane = fed.acme.address("jane");

  // Every booking its own half hour, an hour after the previous one, from two days on.
  const base = Math.floor(Date.now() / DAY) * DAY + 2 * DAY;
  let n = 0;
  const nextSlot = () => {
    const start = base + n++ * HOUR;
    return { start: iso(start), end: iso(start + 30 * MIN) };
  };
  const timed = async (what: string, expected: number, send: () => ReturnType<typeof call>) => {
    const t0 = performance.now();
    const answer = await send();
    const ms = performance.now() - t0;
    if (answer.status !== expected)
      throw new Error(`${what}: ${answer.status} ${JSON.stringify(answer.body)}`);
    return ms;
  };
  const cross = () =>
    timed("POST /v1/meetings", 201, () =>
      call(`${bob.url}/v1/meetings`, "POST", bob.key, { with: jane, ...nextSlot() }),
    );
  const local = () =>
    timed("POST /v1/bookings", 201, () =>
      call(`${bob.url}/v1/bookings`, "POST", bob.key, nextSlot()),
    );
  /** One of each, the order alternating with `i`. */
  const pair = async (i: number) => {
    if (i % 2 === 0) {
      const c = await cross();
      return { cross: c, local: await local() };
    }
    const l = await local();
    return { cross: await cross(), local: l };
  };

  const crossMs: number[] = [];
  const localMs: number[] = [];
  const sizes = roundSizes();
  let crossRequests = 0;
  const started = performance.now();
  let windowStartedAt = 0;
  for (const [r, size] of sizes.entries()) {
    if (r > 0) await nextWindow(windowStartedAt);
    windowStartedAt = Date.now();
    for (let i = 0; i < (r === 0 ? WARMUP : REWARM); i++) await pair(i);
    for (let i = 0; i < size; i++) {
      const p = await pair(i);
      crossMs.push(p.cross);
      localMs.push(p.local);
    }
    crossRequests += (r === 0 ? WARMUP : REWARM) + size;
  }
  const crossNode = percentiles(crossMs);
  const localCommit = percentiles(localMs);
  return {
    crossNode,
    localCommit,
    ratioP50: round(localCommit.p50Ms / crossNode.p50Ms, 3),
    bookings: crossMs.length,
    warmup: WARMUP,
    rounds: sizes.length,
    crossNodeMeanMs: round(crossMs.reduce((s, x) => s + x, 0) / crossMs.length),
    localCommitMeanMs: round(localMs.reduce((s, x) => s + x, 0) / localMs.length),
    crossNodeRequests: crossRequests,
    wallSeconds: round((performance.now() - started) / 1000, 1),
  };
}

async function onMemory(): Promise<FederationBenchResult> {
  const fed = await startFederation({ store: "memory" });
  try {
    // acme's window began when it took this round's first request, a little after
    // `windowStartedAt`: wait for the window to end, with a margin.
    return await measure(fed, (windowStartedAt) =>
      sleep(
        Math.max(0, windowStartedAt + PEER_RATE_LIMIT.windowMs + WINDOW_MARGIN_MS - Date.now()),
      ),
    );
  } finally {
    await fed.stop();
  }
}

async function onRedis(): Promise<FederationBenchResult> {
  const fed = await startFederation();
  const client = createClient({ url: fed.acme.redis.url });
  try {
    await client.connect();
    return await measure(fed, async () => {
      // acme's rate-limit counters (rateLimitKey: `cal:rl:{…}`), gone: a fresh window.
      for await (const keys of client.scanIterator({ MATCH: "cal:rl:*", COUNT: 1000 }))
        if (keys.length > 0) await client.del(keys);
    });
  } finally {
    if (client.isOpen) await client.close();
    await fed.stop();
  }
}

export async function benchFederation(): Promise<Record<string, unknown>> {
  const memory = await onMemory();
  // Reported, not thrown: the memory figures stand without it (no redis-server, say).
  let redis: FederationBenchResult | { failed: string };
  try {
    redis = await onRedis();
  } catch (err) {
    redis = { failed: String((err as Error)?.message ?? err) };
  }
  return {
    name: "federation: cross-node POST /v1/meetings vs local POST /v1/bookings, sequential, interleaved",
    cpus: cpus().length,
    memory,
    redis,
  };
}
