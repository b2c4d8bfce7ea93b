/**
 * Commits against one node and one real Redis, in one run (issue 4):
 * (a) a bare express POST handler's requests/s, the baseline;
 * (b) uncontended `POST /v1/bookings` over HTTP — every request a fresh slot, committed by
 *     an agent that outranks all of its user's other agents, so nothing waits for the
 *     arbitration window — with p50/p99 and the ratio to (a);
 * (c) the raw EVALSHA rate of commit-16.lua (+ its seal) from node-redis, many in flight, and
 *     the ratio (b)/(c): what the HTTP layer costs on top of the decision itself;
 * (d) the contended race: RACE_AGENTS agents commit the same slot at once, window on.
 * Both load runs use the same autocannon request generator, so the load generator's own
 * cost (it shares the machine) is the same for baseline and node; they take turns in
 * PAIRS alternating pairs, and the ratio is the median of the pairs' ratios.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { cpus, tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";
import { createClient } from "redis";
import { sealArguments } from "../../src/arbiter/redis/audit-seal.js";
import { calendarKeys, userKey } from "../../src/arbiter/redis/keys.js";
import { loadLuaScript } from "../../src/arbiter/redis/lua-lib.js";
import { startRedisServer } from "../../test/helpers/redis-server.js";
import { ADMIN_TOKEN, api, createUser } from "./bench-users.js";
import { ratio, startServer } from "./http-load.js";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ARBITRATION_WINDOW_MS = 50;
/** Users taking the uncontended load; each has one committing agent (priority 1). */
const USERS = 16;
const IDLE_AGENTS_PER_USER = 3;
const SLOT_MS = 30 * 60_000;
/** Consecutive slots of one user start an hour apart: busy calendars, never overlapping. */
const SPACING_MS = 60 * 60_000;
const DAY_MS = 86_400_000;
const CONNECTIONS = 50;
const DURATION_SEC = 5;
/** Baseline and commit load runs, taking turns. */
const PAIRS = 4;
const EVALSHA_IN_FLIGHT = 64;
const RACE_AGENTS = 20;
const RACE_ROUNDS = 40;

interface Load {
  rps: number;
  ok: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
}

const iso = (ms: number) => new Date(ms).toISOString();

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

/** The n-th uncontended commit: round-robin over users, each user's slots an hour apart. */
function slotFor(n: number, base: number) {
  const start = base + Math.floor(n / USERS) * SPACING_MS;
  return { user: n % USERS, start, end: start + SLOT_MS };
}

/** autocannon POSTs, each a fresh slot (`next()`) by that slot's user's committing agent. */
async function commitLoad(
  url: string,
  keys: string[],
  next: () => number,
  base: number,
  durationSec = DURATION_SEC,
): Promise<Load> {
  const result = await autocannon({
    url,
    connections: CONNECTIONS,
    duration: durationSec,
    requests: [
      {
        method: "POST",
        path: "/v1/bookings",
        setupRequest: (req) => {
          const slot = slotFor(next(), base);
          return {
            ...req,
            headers: {
              "content-type": "application/json",
              authorization: `Bearer ${keys[slot.user]}`,
            },
            body: JSON.stringify({ start: iso(slot.start), end: iso(slot.end) }),
          };
        },
      },
    ],
  });
  return {
    rps: result.requests.average,
    ok: result["2xx"],
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
}

/**
 * commit-16 straight from node-redis: SCRIPT LOAD once, then EVALSHA with many in flight,
 * each followed by the seal-audit-2 EVALSHA of its events (as the store does).
 */
async function evalshaRate(redisUrl: string, base: number) {
  const client = createClient({ url: redisUrl });
  await client.connect();
  try {
    const sha = await client.scriptLoad(loadLuaScript("commit-16"));
    const sealSha = await client.scriptLoad(loadLuaScript("seal-audit-2"));
    let issued = 0;
    let committed = 0;
    const latencies: number[] = [];
    const t0 = performance.now();
    const deadline = t0 + DURATION_SEC * 1000;
    const worker = async () => {
      while (performance.now() < deadline) {
        const n = issued++;
        const slot = slotFor(n, base);
        const command = {
          agentId: `agt_raw${slot.user}`,
          priority: 1,
          start: slot.start,
          end: slot.end,
          bookingId: `bkg_raw${n}`,
          holdId: "",
          replaces: "",
          bumpWindowMs: 30_000,
          dayKey: iso(slot.start).slice(0, 10),
          maxPerDay: 0,
          detailsJson: "null",
          idemField: "",
          fingerprint: "bench",
          actor: `agt_raw${slot.user}`,
        };
        const started = performance.now();
        const reply = await client.evalSha(sha, {
          keys: calendarKeys(`raw${slot.user}`),
          arguments: ["", "evt_bench_", "86400000", JSON.stringify(command)],
        });
        const answer = JSON.parse(reply as string);
        if (answer.seal) {
          const user = `raw${slot.user}`;
          await client.evalSha(sealSha, {
            keys: [userKey(user, "audit"), userKey(user, "audit:head")],
            arguments: sealArguments(answer.seal),
          });
        }
        latencies.push(performance.now() - started);
        if (answer.status === "committed") committed++;
      }
    };
    await Promise.all(Array.from({ length: EVALSHA_IN_FLIGHT }, worker));
    const seconds = (performance.now() - t0) / 1000;
    return {
      rps: latencies.length / seconds,
      committed,
      calls: latencies.length,
      ...pcts(latencies),
    };
  } finally {
    await client.close();
  }
}

/**
 * Redis's CPU time and the time spent inside EVALSHA (commands a script runs are counted
 * inside it, and again on their own lines of INFO commandstats, so only EVALSHA is read).
 */
async function redisCost(client: ReturnType<typeof createClient>) {
  const cpu = await client.info("cpu");
  const field = (name: string) => Number(new RegExp(`${name}:([\\d.]+)`).exec(cpu)?.[1] ?? 0);
  const evalsha = /cmdstat_evalsha:calls=(\d+),usec=(\d+)/.exec(await client.info("commandstats"));
  return {
    cpuUs: (field("used_cpu_user") + field("used_cpu_sys")) * 1e6,
    evalshaCalls: Number(evalsha?.[1] ?? 0),
    evalshaUs: Number(evalsha?.[2] ?? 0),
  };
}

/** A process's CPU time so far (user + system), in µs, from /proc (Linux; 0 elsewhere). */
async function processCpuUs(pid: number | undefined): Promise<number> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name (which may hold spaces): utime is the 12th, stime the 13th.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ticks = Number(fields[11]) + Number(fields[12]);
    return (ticks / 100) * 1e6;
  } catch {
    return 0;
  }
}

function pcts(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;
  return { p50Ms: round(at(0.5)), p99Ms: round(at(0.99)) };
}

const round = (x: number, digits = 1) => Number(x.toFixed(digits));

/** RACE_AGENTS agents (priorities 1..N) commit the same slot at once, RACE_ROUNDS times. */
async function contendedRace(nodeUrl: string, keys: string[], base: number) {
  const post = async (key: string, start: number) => {
    const t0 = performance.now();
    const res = await fetch(`${nodeUrl}/v1/bookings`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify({ start: iso(start), end: iso(start + SLOT_MS) }),
    });
    await res.text();
    return { status: res.status, ms: performance.now() - t0 };
  };
  // Keep-alive connections for every agent before the first round.
  await Promise.all(keys.map((k) => api(`${nodeUrl}/v1/bookings`, "GET", k)));
  const all: number[] = [];
  const winners: number[] = [];
  let rank1Only = 0;
  for (let r = 0; r < RACE_ROUNDS; r++) {
    const start = base + r * SPACING_MS;
    const answers = await Promise.all(keys.map((k) => post(k, start)));
    all.push(...answers.map((a) => a.ms));
    winners.push(answers[0]!.ms);
    const created = answers.flatMap((a, i) => (a.status === 201 ? [i] : []));
    if (created.length === 1 && created[0] === 0) rank1Only++;
  }
  return {
    agents: keys.length,
    rounds: RACE_ROUNDS,
    windowMs: ARBITRATION_WINDOW_MS,
    ...pcts(all),
    rank1P50Ms: pcts(winners).p50Ms,
    roundsWithOnlyRank1Committed: rank1Only,
  };
}

export async function benchCommit(pairs = PAIRS): Promise<Record<string, unknown>> {
  const dir = await mkdtemp(path.join(tmpdir(), "calendario-bench-commit-"));
  const redis = await startRedisServer();
  const stops: Array<() => Promise<void>> = [];
  try {
    const node = await startServer(path.join(HERE, "servers/node.ts"), {
      REDIS_URL: redis.url,
      DATA_DIR: path.join(dir, "data"),
      PROFILES_DIR: path.join(dir, "no-profiles"),
      LOG_LEVEL: "warn",
      ADMIN_TOKEN,
      PUBLIC_URL: "https://bench.example",
      ARBITRATION_WINDOW_MS: String(ARBITRATION_WINDOW_MS),
    });
    stops.push(() => node.stop());
    const nodeUrl = `http://127.0.0.1:${node.port}`;

    const idle = Array.from({ length: IDLE_AGENTS_PER_USER }, (_, i) => i + 2);
    const committers: string[] = [];
    for (let u = 0; u < USERS; u++)
      committers.push((await createUser(nodeUrl, `bench${u}`, [1, ...idle]))[0]!);
    const raceKeys = await createUser(
      nodeUrl,
      "race",
      Array.from({ length: RACE_AGENTS }, (_, i) => i + 1),
    );

    // Each phase books its own, far-apart stretch of the future.
    const base = Math.ceil(Date.now() / DAY_MS) * DAY_MS + DAY_MS;
    const httpBase = base;
    const rawBase = base + 2_000 * DAY_MS;
    let n = 0;
    const next = () => n++;

    // The baseline answers with the bytes of a real commit answer.
    const sample = slotFor(next(), httpBase);
    const first = await api(`${nodeUrl}/v1/bookings`, "POST", committers[sample.user]!, {
      start: iso(sample.start),
      end: iso(sample.end),
    });
    if (first.status !== 201) throw new Error(`sample commit: ${first.status}`);
    const bodyFile = path.join(dir, "commit-201.json");
    await writeFile(bodyFile, JSON.stringify(first.body));
    const bare = await startServer(path.join(HERE, "servers/bare-express.ts"), {
      BODY_FILE: bodyFile,
    });
    stops.push(() => bare.stop());
    const bareUrl = `http://127.0.0.1:${bare.port}`;

    let ignored = 0;
    await commitLoad(bareUrl, committers, () => ignored++, 0, 1);
    await commitLoad(nodeUrl, committers, next, httpBase, 1);
    const baseline: Load[] = [];
    const commits: Load[] = [];
    const stats = createClient({ url: redis.url });
    await stats.connect();
    stops.push(() => stats.close());
    const before = await redisCost(stats);
    const nodeCpuBefore = await processCpuUs(node.child.pid);
    // Alternating pairs (AB, BA, …): a shared machine's changing load falls on both alike.
    for (let i = 0; i < pairs; i++) {
      const loadBaseline = async () =>
        baseline.push(await commitLoad(bareUrl, committers, () => ignored++, 0));
      const loadCommits = async () =>
        commits.push(await commitLoad(nodeUrl, committers, next, httpBase));
      if (i % 2 === 0) {
        await loadBaseline();
        await loadCommits();
      } else {
        await loadCommits();
        await loadBaseline();
      }
    }
    const pairRatios = commits.map((c, i) => c.rps / baseline[i]!.rps);
    const after = await redisCost(stats);
    const nodeCpuAfter = await processCpuUs(node.child.pid);
    const committed = commits.reduce((s, x) => s + x.ok, 0);
    const raw = await evalshaRate(redis.url, rawBase);
    const afterRaw = await redisCost(stats);
    const race = await contendedRace(nodeUrl, raceKeys, base + 1_000 * DAY_MS);

    const mean = (xs: Load[], f: (x: Load) => number) =>
      xs.reduce((s, x) => s + f(x), 0) / xs.length;
    const commitRps = mean(commits, (x) => x.rps);
    return {
      name: "commit: bare express POST vs uncontended HTTP commit vs raw EVALSHA, and a race",
      cpus: cpus().length,
      baseline: {
        rps: Math.round(mean(baseline, (x) => x.rps)),
        p50Ms: baseline.map((x) => x.p50Ms),
        p99Ms: baseline.map((x) => x.p99Ms),
      },
      httpCommit: {
        rps: Math.round(commitRps),
        p50Ms: commits.map((x) => x.p50Ms),
        p99Ms: commits.map((x) => x.p99Ms),
        // The median of the pairs' ratios; the ratio of the means, and the range, beside it.
        ratioToBaseline: median(pairRatios).toFixed(2),
        ratioOfMeans: ratio(
          commitRps,
          mean(baseline, (x) => x.rps),
        ),
        ratioRange: `${Math.min(...pairRatios).toFixed(2)}–${Math.max(...pairRatios).toFixed(2)}`,
        target: ">= 0.3",
        connections: CONNECTIONS,
        users: USERS,
        non2xx: commits.reduce((s, x) => s + x.non2xx, 0),
        nodeCpuUsPerCommit: round((nodeCpuAfter - nodeCpuBefore) / committed),
        redisPerCommit: {
          cpuUs: round((after.cpuUs - before.cpuUs) / committed),
          evalshaUs: round((after.evalshaUs - before.evalshaUs) / committed),
          evalshaCalls: round((after.evalshaCalls - before.evalshaCalls) / committed, 2),
        },
        errors: [...baseline, ...commits].reduce((s, x) => s + x.errors, 0),
      },
      rawEvalsha: {
        rps: Math.round(raw.rps),
        p50Ms: raw.p50Ms,
        p99Ms: raw.p99Ms,
        inFlight: EVALSHA_IN_FLIGHT,
        notCommitted: raw.calls - raw.committed,
        redisPerCall: {
          cpuUs: round((afterRaw.cpuUs - after.cpuUs) / raw.calls),
          evalshaUs: round((afterRaw.evalshaUs - after.evalshaUs) / raw.calls),
        },
        httpToEvalshaRatio: ratio(commitRps, raw.rps),
      },
      contendedRace: race,
    };
  } finally {
    for (const stop of stops.reverse()) await stop();
    await redis.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
