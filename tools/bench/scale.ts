/**
 * Scale (issue 13, item 5): does a request cost more when the calendar, or the
 * organization, is large? Each figure is a ratio of requests/s in the same run, on the
 * memory store and on a real redis-server:
 * (a) availability — the agent's `GET /v1/availability` for one week, and the public
 *     `GET /api/freebusy/{username}` for the same week — on a calendar holding 10 bookings
 *     against one holding 100,000 (years of them before and after; the week itself holds
 *     the same 5 in both), both calendars in the same node;
 * (b) an uncontended `POST /v1/bookings` into an empty half hour of each calendar (the
 *     large one's gaps lie between its bookings; each commit adds one, so the small
 *     calendar grows by the commits of the run, reported);
 * (c) `GET /.well-known/calendario/{username}` on a node with 10 users against one with
 *     100,000, each request for a user picked at random (so caches see the spread): first
 *     right after start, when most requests are a user's first (on Redis, a round trip
 *     each: a process caches what it has read), then again once every user has been asked
 *     for (a node that has been serving its organization), with the Redis commands per
 *     request; and for one user over and over.
 * Target for every ratio rps(large) / rps(small): >= 0.8. Loads alternate small and
 * large, round after round, to spread the machine's noise over both; each comparison
 * prints the ratio of the mean rates and the median of the rounds' ratios, and the CPU
 * time per request of the node and of redis-server (from /proc: the processes' own
 * clocks, little moved by whatever else runs) with its ratio small / large.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { cpus, loadavg, tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";
import { type RedisServer, startRedisServer } from "../../test/helpers/redis-server.js";
import { ADMIN_TOKEN } from "./bench-users.js";
import { ratio, startServer } from "./http-load.js";
import {
  commitSlot,
  type ScalePlan,
  type SeededCalendar,
  WINDOW_BOOKINGS,
  WINDOW_DAYS,
} from "./scale-seed.js";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const DAY_MS = 86_400_000;
const SMALL = 10;
const LARGE = 100_000;
const CONNECTIONS = 50;
const DURATION_SEC = 2;
const TARGET = ">= 0.8";

type StoreKind = "memory" | "redis";

interface Load {
  rps: number;
  p50Ms: number;
  p99Ms: number;
  bad: number;
  /** CPU time per request of the node process, and of redis-server (0 without). */
  nodeCpuUs: number;
  redisCpuUs: number;
  /**
   * Commands redis-server processed per request (0 without), the scripts' own calls
   * included: for a profile GET (no script), its misses.
   */
  redisCommands: number;
}

/** The processes whose CPU time a load is charged: the node, and its redis-server. */
interface Pids {
  node: number;
  redis?: number;
  /** The redis-server's count of commands processed so far. */
  redisCommands?: () => Promise<number>;
}

/** A redis-server's total_commands_processed (the INFO asking counts itself: 1). */
async function commandsProcessed(server: RedisServer): Promise<number> {
  const stats = await server.client!.info("stats");
  return Number(/total_commands_processed:(\d+)/.exec(stats)?.[1] ?? 0);
}

/** What a load on `node` is charged: its process, and its redis-server's. */
function pidsOf(node: Seeded, redis: RedisServer | undefined): Pids {
  return {
    node: node.node.child.pid!,
    redis: redis?.pid,
    ...(redis && { redisCommands: () => commandsProcessed(redis) }),
  };
}

/** Clock ticks per second of /proc/<pid>/stat (USER_HZ: 100 on Linux). */
const USER_HZ = 100;

/**
 * CPU time (user + system, ms) a process has used, from /proc (Linux): unlike requests/s,
 * barely moved by other processes sharing the machine.
 */
async function cpuMs(pid: number | undefined): Promise<number> {
  if (pid === undefined) return 0;
  const stat = await readFile(`/proc/${pid}/stat`, "utf8");
  // After "(name) ": state is field 3, utime and stime are fields 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / USER_HZ;
}

interface RequestSpec {
  method?: "GET" | "POST";
  /** A fixed path, or one built for each request. */
  path: string | (() => string);
  headers?: Record<string, string>;
  /** A body built for each request. */
  body?: () => string;
}

async function load(
  url: string,
  spec: RequestSpec,
  pids: Pids,
  durationSec = DURATION_SEC,
): Promise<Load> {
  const commands0 = (await pids.redisCommands?.()) ?? 0;
  const [node0, redis0] = [await cpuMs(pids.node), await cpuMs(pids.redis)];
  const dynamic = typeof spec.path === "function" || spec.body !== undefined;
  const result = await autocannon({
    url,
    connections: CONNECTIONS,
    duration: durationSec,
    requests: [
      {
        method: spec.method ?? "GET",
        path: typeof spec.path === "string" ? spec.path : "/",
        headers: spec.headers,
        ...(dynamic && {
          setupRequest: (req) => ({
            ...req,
            ...(typeof spec.path === "function" && { path: spec.path() }),
            ...(spec.body && { body: spec.body() }),
          }),
        }),
      },
    ],
  });
  const [node1, redis1] = [await cpuMs(pids.node), await cpuMs(pids.redis)];
  const commands1 = (await pids.redisCommands?.()) ?? 0;
  const answered = Math.max(1, result.requests.total);
  return {
    rps: result.requests.average,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    bad: result.non2xx + result.errors + result.timeouts,
    nodeCpuUs: ((node1 - node0) * 1000) / answered,
    redisCpuUs: ((redis1 - redis0) * 1000) / answered,
    redisCommands: pids.redisCommands ? (commands1 - commands0 - 1) / answered : 0,
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Rounds of alternating loads: small then large, `rounds` times; the ratio of the means. */
async function compare(
  rounds: number,
  small: () => Promise<Load>,
  large: () => Promise<Load>,
): Promise<Record<string, unknown>> {
  const s: Load[] = [];
  const l: Load[] = [];
  for (let i = 0; i < rounds; i++) {
    s.push(await small());
    l.push(await large());
  }
  const mean = (xs: Load[]) => xs.reduce((sum, x) => sum + x.rps, 0) / xs.length;
  const roundRatios = s.map((x, i) => l[i]!.rps / x.rps).sort((a, b) => a - b);
  return {
    smallRps: Math.round(mean(s)),
    largeRps: Math.round(mean(l)),
    ratio: ratio(mean(l), mean(s)),
    target: TARGET,
    // Each round's pair ran back to back: its ratio is the least disturbed by the load of
    // other processes, and the median of them the figure least moved by one bad round.
    medianRoundRatio: roundRatios[Math.floor(roundRatios.length / 2)]!.toFixed(2),
    roundRatios: roundRatios.map((r) => r.toFixed(2)),
    // CPU time per request (median of the rounds), and its ratio small / large: the same
    // question as the rps ratio, asked of the processes' own clocks.
    cpuUsPerRequest: {
      node: {
        small: Math.round(median(s.map((x) => x.nodeCpuUs))),
        large: Math.round(median(l.map((x) => x.nodeCpuUs))),
      },
      redis: {
        small: Math.round(median(s.map((x) => x.redisCpuUs))),
        large: Math.round(median(l.map((x) => x.redisCpuUs))),
      },
    },
    redisCommandsPerRequest: {
      small: median(s.map((x) => x.redisCommands)).toFixed(2),
      large: median(l.map((x) => x.redisCommands)).toFixed(2),
    },
    cpuRatio: ratio(
      median(s.map((x) => x.nodeCpuUs + x.redisCpuUs)),
      median(l.map((x) => x.nodeCpuUs + x.redisCpuUs)),
    ),
    p99Ms: { small: s.map((x) => x.p99Ms), large: l.map((x) => x.p99Ms) },
    errors: [...s, ...l].reduce((sum, x) => sum + x.bad, 0),
  };
}

const iso = (ms: number) => new Date(ms).toISOString();

interface Seeded {
  node: Awaited<ReturnType<typeof startServer>>;
  url: string;
  calendars: SeededCalendar[];
  seedSeconds: number;
}

async function seededNode(
  dir: string,
  name: string,
  plan: ScalePlan,
  redisUrl: string | undefined,
): Promise<Seeded> {
  const out = path.join(dir, `${name}.json`);
  const node = await startServer(path.join(HERE, "servers/node-seeded.ts"), {
    ...(redisUrl && { REDIS_URL: redisUrl }),
    DATA_DIR: path.join(dir, `${name}-data`),
    PROFILES_DIR: path.join(dir, "no-profiles"),
    LOG_LEVEL: "warn",
    ADMIN_TOKEN,
    PUBLIC_URL: "https://bench.example",
    SCALE_PLAN: JSON.stringify(plan),
    SCALE_OUT: out,
  });
  const seeded = JSON.parse(await readFile(out, "utf8")) as Omit<Seeded, "node" | "url">;
  return { node, url: `http://127.0.0.1:${node.port}`, ...seeded };
}

/** (a) and (b) on one store: a small and a large calendar in the same node. */
async function calendars(
  dir: string,
  kind: StoreKind,
  redis: RedisServer | undefined,
  { rounds, large: largeCount }: Sizes,
): Promise<Record<string, unknown>> {
  const windowStart = Math.ceil(Date.now() / DAY_MS) * DAY_MS + 7 * DAY_MS;
  const plan: ScalePlan = {
    windowStart,
    calendars: [
      { username: "small", bookings: SMALL },
      { username: "large", bookings: largeCount },
    ],
    extraUsers: 0,
  };
  const seeded = await seededNode(dir, `calendars-${kind}`, plan, redis?.url);
  const pids = pidsOf(seeded, redis);
  try {
    const [small, large] = seeded.calendars as [SeededCalendar, SeededCalendar];
    const auth = (c: SeededCalendar) => ({ authorization: `Bearer ${c.committerKey}` });
    const week = { start: iso(windowStart), end: iso(windowStart + WINDOW_DAYS * DAY_MS) };
    const availabilityPath = `/v1/availability?range_start=${week.start}&range_end=${week.end}&duration_minutes=30`;
    const freeBusyPath = (c: SeededCalendar) =>
      `/api/freebusy/${c.username}?start=${week.start}&end=${week.end}`;

    // Both calendars must answer the same for the week: the same few bookings lie in it.
    const answer = async (p: string, c: SeededCalendar) => {
      const res = await fetch(`${seeded.url}${p}`, { headers: auth(c) });
      if (res.status !== 200) throw new Error(`${p}: ${res.status} ${await res.text()}`);
      const body = (await res.json()) as { slots?: unknown; busy?: unknown };
      return JSON.stringify(body.slots ?? body.busy);
    };
    for (const p of [availabilityPath, "freebusy"]) {
      const [a, b] = await Promise.all(
        [small, large].map((c) => answer(p === "freebusy" ? freeBusyPath(c) : p, c)),
      );
      if (a !== b) throw new Error(`${p}: the small and large calendars answer differently`);
    }
    const busy = JSON.parse(await answer(freeBusyPath(small), small)) as unknown[];
    if (busy.length !== WINDOW_BOOKINGS) throw new Error(`free/busy: ${busy.length} busy`);

    const commits = new Map<string, number>([
      [small.username, 0],
      [large.username, 0],
    ]);
    const commitSpec = (c: SeededCalendar): RequestSpec => ({
      method: "POST",
      path: "/v1/bookings",
      headers: { ...auth(c), "content-type": "application/json" },
      body: () => {
        const n = commits.get(c.username)!;
        commits.set(c.username, n + 1);
        const slot = commitSlot(plan, n);
        return JSON.stringify({ start: iso(slot.start), end: iso(slot.end) });
      },
    });
    const availabilitySpec = (c: SeededCalendar) => ({ path: availabilityPath, headers: auth(c) });
    const freeBusySpec = (c: SeededCalendar) => ({ path: freeBusyPath(c) });

    // Warm both calendars up on every path before measuring.
    for (const c of [small, large])
      for (const spec of [availabilitySpec(c), freeBusySpec(c), commitSpec(c)])
        await load(seeded.url, spec, pids, 1);

    const run = (spec: (c: SeededCalendar) => RequestSpec) =>
      compare(
        rounds,
        () => load(seeded.url, spec(small), pids),
        () => load(seeded.url, spec(large), pids),
      );
    const availability = await run(availabilitySpec);
    const freeBusy = await run(freeBusySpec);
    const commit = await run(commitSpec);
    return {
      store: kind,
      seededBookings: { small: small.bookings, large: large.bookings, inWindow: small.inWindow },
      seedSeconds: Math.round(seeded.seedSeconds),
      availabilityWeek: availability,
      freeBusyWeek: freeBusy,
      commit: {
        ...commit,
        committed: Object.fromEntries(commits),
        note: "each commit adds a booking: the small calendar ends the run this much larger",
      },
    };
  } finally {
    await seeded.node.stop();
  }
}

const userPath = (i: number) => `/.well-known/calendario/user${String(i).padStart(6, "0")}`;

/** GETs each of the node's `count` users' profiles once. */
async function askEveryUserOnce(url: string, count: number): Promise<void> {
  let next = 1;
  const result = await autocannon({
    url,
    connections: Math.min(CONNECTIONS, count),
    amount: count,
    requests: [{ method: "GET", setupRequest: (req) => ({ ...req, path: userPath(next++) }) }],
  });
  if (result.non2xx + result.errors + result.timeouts > 0)
    throw new Error(`asking every user once: ${result.non2xx} non-2xx, ${result.errors} errors`);
}

/** (c) on one store: a node with SMALL users against one with LARGE. */
async function users(
  dir: string,
  kind: StoreKind,
  redisServers: [RedisServer, RedisServer] | undefined,
  { rounds, large: largeCount }: Sizes,
): Promise<Record<string, unknown>> {
  const windowStart = Math.ceil(Date.now() / DAY_MS) * DAY_MS;
  const nodes: Seeded[] = [];
  try {
    for (const [i, count] of [SMALL, largeCount].entries())
      nodes.push(
        await seededNode(
          dir,
          `users-${kind}-${count}`,
          { windowStart, calendars: [], extraUsers: count },
          redisServers?.[i]?.url,
        ),
      );
    const [few, many] = nodes as [Seeded, Seeded];
    const [fewPids, manyPids] = [pidsOf(few, redisServers?.[0]), pidsOf(many, redisServers?.[1])];
    const profilePath = (count: number) => () => userPath(1 + Math.floor(Math.random() * count));
    await load(few.url, { path: profilePath(SMALL) }, fewPids, 1);
    await load(many.url, { path: profilePath(largeCount) }, manyPids, 1);
    const spread = await compare(
      rounds,
      () => load(few.url, { path: profilePath(SMALL) }, fewPids),
      () => load(many.url, { path: profilePath(largeCount) }, manyPids),
    );
    // The same after every user has been asked for once: a node that has served its
    // organization for a while (the Redis store keeps published profiles up to five minutes,
    // and drops a user's on change). The rounds above began with nothing cached.
    await askEveryUserOnce(few.url, SMALL);
    await askEveryUserOnce(many.url, largeCount);
    const spreadWarm = await compare(
      rounds,
      () => load(few.url, { path: profilePath(SMALL) }, fewPids),
      () => load(many.url, { path: profilePath(largeCount) }, manyPids),
    );
    const one = await compare(
      rounds,
      () => load(few.url, { path: userPath(1) }, fewPids),
      () => load(many.url, { path: userPath(1) }, manyPids),
    );
    return {
      store: kind,
      users: { small: SMALL, large: largeCount },
      seedSeconds: Math.round(many.seedSeconds),
      profileGetAnyUser: spread,
      profileGetAnyUserWarm: spreadWarm,
      profileGetOneUser: one,
    };
  } finally {
    for (const n of nodes) await n.node.stop();
  }
}

/** Rounds of each comparison, and the large calendar's bookings and organization's users. */
interface Sizes {
  rounds: number;
  large: number;
}

export async function benchScale(
  sizes: Sizes = { rounds: 5, large: LARGE },
): Promise<Record<string, unknown>> {
  const dir = await mkdtemp(path.join(tmpdir(), "calendario-bench-scale-"));
  const results: Record<string, unknown>[] = [];
  const loadBefore = loadavg()[0];
  // BENCH_SCALE_PARTS=calendars (or users) and BENCH_STORES=memory (or redis) narrow the run.
  const parts = process.env.BENCH_SCALE_PARTS?.split(",") ?? ["calendars", "users"];
  const stores = process.env.BENCH_STORES?.split(",") ?? ["memory", "redis"];
  const wanted = (part: string, store: StoreKind) => parts.includes(part) && stores.includes(store);
  try {
    if (wanted("calendars", "memory"))
      results.push(await calendars(dir, "memory", undefined, sizes));
    if (wanted("calendars", "redis")) {
      const redis = await startRedisServer({ connect: true });
      try {
        results.push(await calendars(dir, "redis", redis, sizes));
      } finally {
        await redis.stop();
      }
    }
    if (wanted("users", "memory")) results.push(await users(dir, "memory", undefined, sizes));
    if (wanted("users", "redis")) {
      const [a, b] = [
        await startRedisServer({ connect: true }),
        await startRedisServer({ connect: true }),
      ];
      try {
        results.push(await users(dir, "redis", [a, b], sizes));
      } finally {
        await a.stop();
        await b.stop();
      }
    }
    return {
      name: `scale: ${SMALL} vs ${sizes.large} bookings in one calendar, ${SMALL} vs ${sizes.large} users`,
      cpus: cpus().length,
      loadAverage: { before: loadBefore, after: loadavg()[0] },
      results,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
