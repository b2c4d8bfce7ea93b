/**
 * Race exactness at a given arbitration window, with the public AgentDraft collision
 * benchmark's pattern: RACERS agents of one user (ranks 1..RACERS) fire at the same slot
 * at once, as a thread pool does, each request on a new connection (`agent: false`);
 * ROUNDS rounds, after one whoami by each agent (the skill's loop begins with it). A round
 * is exact when it answers exactly one 201, rank 1's. Then a lone junior: the lowest rank
 * of another user commits alone while the agents above it are idle, against rank 1 alone.
 * Latency of the lower-ranked agents is reported against the harness floor: the same
 * client against a server that does no work (bare express), measured in the same run.
 */
import { mkdtemp, rm } from "node:fs/promises";
import http from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { SENIOR_RECENT_MS } from "../../src/booking/commit.js";
import { startRedisServer } from "../../test/helpers/redis-server.js";
import { ADMIN_TOKEN, createUser } from "./bench-users.js";
import { ratio, startServer } from "./http-load.js";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const RACERS = 5;
const ROUNDS = 100;
const SLOT_MS = 30 * 60_000;
const DAY_MS = 86_400_000;
const LONE_COMMITS = 50;

/** One request on a connection of its own, as a thread of a pool with no shared session. */
function send(
  method: "GET" | "POST",
  url: string,
  key: string,
  body = "",
): Promise<{ status: number; ms: number }> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        method,
        agent: false,
        headers: {
          authorization: `Bearer ${key}`,
          ...(method === "POST" && {
            "content-type": "application/json",
            "content-length": Buffer.byteLength(body),
          }),
        },
      },
      (res) => {
        res.resume();
        res.on("end", () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - t0 }));
      },
    );
    req.on("error", reject);
    req.end(method === "POST" ? body : undefined);
  });
}

const post = (url: string, key: string, body: string) => send("POST", url, key, body);

const slotBody = (start: number) =>
  JSON.stringify({
    start: new Date(start).toISOString(),
    end: new Date(start + SLOT_MS).toISOString(),
  });

async function rounds(baseUrl: string, keys: string[], base: number) {
  // Each agent begins as the skill's loop does, with whoami: the racers are active agents.
  await Promise.all(keys.map((k) => send("GET", `${baseUrl}/v1/agents/me`, k)));
  let exact = 0;
  const lower: number[] = [];
  const rank1: number[] = [];
  const misses: string[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const body = slotBody(base + r * 2 * SLOT_MS);
    const answers = await Promise.all(keys.map((k) => post(`${baseUrl}/v1/bookings`, k, body)));
    const created = answers.flatMap((a, i) => (a.status === 201 ? [i + 1] : []));
    if (created.length === 1 && created[0] === 1) exact++;
    else misses.push(`round ${r}: 201 for ${created.join(",") || "none"}`);
    rank1.push(answers[0]!.ms);
    lower.push(...answers.slice(1).map((a) => a.ms));
  }
  return { exact, misses: misses.slice(0, 5), lower, rank1 };
}

/**
 * A lone commit's latency: LONE_COMMITS commits one after another by the user's lowest
 * rank while every agent above it is idle (made no request, and was created over a minute
 * ago), then as many by
 * rank 1, which never waits. Without the idle-seniors rule the junior waits out the window.
 */
async function loneCommits(baseUrl: string, keys: string[], base: number) {
  const commits = async (key: string, from: number) => {
    const ms: number[] = [];
    for (let i = 0; i < LONE_COMMITS; i++) {
      const answer = await post(`${baseUrl}/v1/bookings`, key, slotBody(from + i * 2 * SLOT_MS));
      if (answer.status !== 201) throw new Error(`lone commit: ${answer.status}`);
      ms.push(answer.ms);
    }
    return ms;
  };
  const junior = await commits(keys.at(-1)!, base);
  const rank1 = await commits(keys[0]!, base + LONE_COMMITS * 2 * SLOT_MS);
  return { junior, rank1 };
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return Number((s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? 0).toFixed(1));
};

export async function benchRaceExact(windows = [Number(process.env.RACE_WINDOW_MS ?? 0) || 250]) {
  const dir = await mkdtemp(path.join(tmpdir(), "calendario-bench-race-"));
  const redis = await startRedisServer();
  const stops: Array<() => Promise<void>> = [];
  try {
    const bare = await startServer(path.join(HERE, "servers/bare-express.ts"));
    stops.push(() => bare.stop());
    const floorRun = await rounds(
      `http://127.0.0.1:${bare.port}`,
      Array.from({ length: RACERS }, () => "x"),
      0,
    );
    const floor = { p50Ms: pct(floorRun.lower, 0.5), p99Ms: pct(floorRun.lower, 0.99) };
    const results: Record<string, unknown>[] = [];
    for (const windowMs of windows) {
      const node = await startServer(path.join(HERE, "servers/node.ts"), {
        REDIS_URL: redis.url,
        DATA_DIR: path.join(dir, `data-${windowMs}`),
        PROFILES_DIR: path.join(dir, "no-profiles"),
        LOG_LEVEL: "warn",
        ADMIN_TOKEN,
        PUBLIC_URL: "https://bench.example",
        ARBITRATION_WINDOW_MS: String(windowMs),
      });
      try {
        const url = `http://127.0.0.1:${node.port}`;
        const keys = await createUser(
          url,
          `race${windowMs}`,
          Array.from({ length: RACERS }, (_, i) => i + 1),
        );
        // Created now, so that by the lone commits its agents have been idle for a minute:
        // an agent created through the admin API counts as seen for 60 s (PROTOCOL §10.3).
        const loneKeys = await createUser(
          url,
          `lone${windowMs}`,
          Array.from({ length: RACERS }, (_, i) => i + 1),
        );
        const loneCreatedAt = Date.now();
        const base = Math.ceil(Date.now() / DAY_MS) * DAY_MS + DAY_MS;
        const run = await rounds(url, keys, base);
        const p50 = pct(run.lower, 0.5);
        const idleAt = loneCreatedAt + SENIOR_RECENT_MS + 1_000;
        if (Date.now() < idleAt) await sleep(idleAt - Date.now());
        const lone = await loneCommits(url, loneKeys, base);
        const [juniorP50, rank1P50] = [pct(lone.junior, 0.5), pct(lone.rank1, 0.5)];
        results.push({
          windowMs,
          exactRounds: `${run.exact}/${ROUNDS}`,
          misses: run.misses,
          rank1P50Ms: pct(run.rank1, 0.5),
          lowerRanksP50Ms: p50,
          lowerRanksP99Ms: pct(run.lower, 0.99),
          lowerRanksP50ToFloor: ratio(p50, floor.p50Ms),
          loneJunior: {
            commits: LONE_COMMITS,
            juniorP50Ms: juniorP50,
            rank1P50Ms: rank1P50,
            juniorToRank1: ratio(juniorP50, rank1P50),
            juniorP50ToFloor: ratio(juniorP50, floor.p50Ms),
            rank1P50ToFloor: ratio(rank1P50, floor.p50Ms),
          },
        });
      } finally {
        await node.stop();
      }
    }
    return {
      name: `race exactness: ${RACERS} agents x ${ROUNDS} rounds, a new connection per request`,
      harnessFloor: floor,
      windows: results,
    };
  } finally {
    for (const stop of stops.reverse()) await stop();
    await redis.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
