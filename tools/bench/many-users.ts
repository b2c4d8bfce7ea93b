/**
 * `npm run bench -- many-users`: a node started on a PROFILES_DIR of BENCH_USERS profile
 * files (default 100,000), as `calendario serve` child processes (run `npm run build`
 * first), on the memory store with DATA_DIR and on a real redis-server: the first start
 * (every profile signed) and a restart with nothing changed. Prints the seconds until
 * /readyz answers 200, the peak RSS, how /healthz answered while loading, the signing
 * counts from the log, on Redis the commands and script runs per profile, and, as a
 * baseline measured in the same run, what one Ed25519 signature of a profile's bytes
 * costs here (a profile takes two, and a key derivation). BENCH_STORES=memory (or redis)
 * measures one store; BENCH_CPU_PROF_DIR=<dir> writes a CPU profile of each start.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { generateKeyPairSync, sign } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { startRedisServer } from "../../test/helpers/redis-server.js";
import { manyUsersProfile, writeManyUsersProfiles } from "./many-users-profiles.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const BIN = path.join(ROOT, "bin", "calendario.js");
const ADMIN = "many-users-bench-admin-token-0123456789";

interface StartResult {
  seconds: number;
  /** Until the node listened and said it was loading. */
  listeningSeconds: number;
  peakRssMb: number;
  cpuSeconds: number;
  healthz: { polls: number; ok: number; maxMs: number };
  readyzWhileLoading: number[];
  loaded: Record<string, unknown>;
}

function procStatus(pid: number, field: string): Promise<number> {
  return readFile(`/proc/${pid}/status`, "utf8").then(
    (s) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(s)?.[1] ?? 0) / 1024,
    () => 0,
  );
}

async function cpuSecondsOf(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => "");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/**
 * One `calendario serve`, from spawn until /readyz answers 200; then SIGTERM and exit.
 * With BENCH_CPU_PROF_DIR set, the process writes a V8 CPU profile `<name>.cpuprofile`
 * there as it exits (sum it with cpu-profile-summary.ts).
 */
async function startOnce(env: Record<string, string>, name: string): Promise<StartResult> {
  const t0 = performance.now();
  const profDir = process.env.BENCH_CPU_PROF_DIR;
  const profile = profDir
    ? ["--cpu-prof", `--cpu-prof-dir=${profDir}`, `--cpu-prof-name=${name}.cpuprofile`]
    : [];
  const child: ChildProcess = spawn(process.execPath, [...profile, BIN, "serve"], {
    env: { ...process.env, LOG_LEVEL: "info", PORT: "0", HOST: "127.0.0.1", ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  let out = "";
  child.stdout!.on("data", (c: Buffer) => {
    out += c.toString("utf8");
  });
  const lineOf = (prefix: string) =>
    out
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => String(l.msg).startsWith(prefix));
  const exited = new Promise((resolve) => child.once("exit", resolve));
  try {
    let loading = lineOf("loading profiles from");
    while (!loading) {
      if (child.exitCode !== null) throw new Error(`serve exited: ${out}`);
      await sleep(20);
      loading = lineOf("loading profiles from");
    }
    const listeningSeconds = (performance.now() - t0) / 1000;
    const url = String(loading.url);
    const healthz = { polls: 0, ok: 0, maxMs: 0 };
    const readyzWhileLoading = new Set<number>();
    for (;;) {
      const asked = performance.now();
      const health = await fetch(`${url}/healthz`).catch(() => undefined);
      const ms = performance.now() - asked;
      healthz.polls++;
      if (health?.status === 200) healthz.ok++;
      healthz.maxMs = Math.max(healthz.maxMs, Math.round(ms));
      await health?.arrayBuffer();
      const ready = await fetch(`${url}/readyz`).catch(() => undefined);
      await ready?.arrayBuffer();
      if (ready?.status === 200) break;
      if (ready) readyzWhileLoading.add(ready.status);
      await sleep(250);
    }
    const seconds = (performance.now() - t0) / 1000;
    const pid = child.pid!;
    const [peakRssMb, cpuSeconds] = await Promise.all([
      procStatus(pid, "VmHWM"),
      cpuSecondsOf(pid),
    ]);
    while (!lineOf("profiles loaded")) await sleep(20);
    const { level: _l, time: _t, service: _s, msg: _m, ...loaded } = lineOf("profiles loaded")!;
    return {
      seconds: Math.round(seconds * 10) / 10,
      listeningSeconds: Math.round(listeningSeconds * 10) / 10,
      peakRssMb: Math.round(peakRssMb),
      cpuSeconds,
      healthz,
      readyzWhileLoading: [...readyzWhileLoading],
      loaded,
    };
  } finally {
    // SIGTERM: the memory store writes its kept signed profiles before it exits.
    child.kill("SIGTERM");
    await exited;
  }
}

/**
 * Commands Redis has run so far (INFO commandstats): all of them, the calls scripts make
 * included, and the script runs (EVALSHA and EVAL) among them.
 */
async function redisCalls(client: {
  info(section: string): Promise<string>;
}): Promise<{ all: number; scripts: number }> {
  const stats = await client.info("commandstats");
  const calls = { all: 0, scripts: 0 };
  for (const m of stats.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
    calls.all += Number(m[2]);
    if (m[1] === "evalsha" || m[1] === "eval") calls.scripts += Number(m[2]);
  }
  return calls;
}

/** Microseconds per Ed25519 signature of a profile's bytes: the floor of signing one. */
function rawSignMicros(): number {
  const { privateKey } = generateKeyPairSync("ed25519");
  const bytes = Buffer.from(JSON.stringify(manyUsersProfile(1)));
  const n = 5000;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) sign(null, bytes, privateKey);
  return Math.round(((performance.now() - t0) * 1000) / n);
}

function perProfileCalls(
  from: { all: number; scripts: number },
  to: { all: number; scripts: number },
  users: number,
) {
  const per = (n: number) => Math.round((n * 10) / users) / 10;
  return { commands: per(to.all - from.all), scripts: per(to.scripts - from.scripts) };
}

export async function benchManyUsers(users = Number(process.env.BENCH_USERS ?? 100_000)) {
  const dir = await mkdtemp(path.join(tmpdir(), "calendario-bench-many-users-"));
  const redis = await startRedisServer({ connect: true });
  try {
    const profilesDir = path.join(dir, "profiles");
    await writeManyUsersProfiles(profilesDir, users);
    const signMicros = rawSignMicros();
    const common = { PROFILES_DIR: profilesDir, ADMIN_TOKEN: ADMIN };
    const stores: Record<string, Record<string, string>> = {
      "memory+DATA_DIR": {
        ...common,
        DATA_DIR: path.join(dir, "data-memory"),
        PUBLIC_URL: "http://localhost:8080",
      },
      redis: {
        ...common,
        DATA_DIR: path.join(dir, "data-redis"),
        PUBLIC_URL: "http://localhost:8080",
        REDIS_URL: redis.url,
      },
    };
    const result: Record<string, unknown> = { users, rawSignMicros: signMicros };
    // BENCH_STORES=memory or =redis measures one store only (both by default).
    const only = process.env.BENCH_STORES?.split(",");
    for (const [name, env] of Object.entries(stores)) {
      if (only && !only.some((o) => name.startsWith(o))) continue;
      const calls = () => redisCalls(redis.client!);
      const before = await calls();
      const first = await startOnce(env, `${name}-first`);
      const afterFirst = await calls();
      const restart = await startOnce(env, `${name}-restart`);
      const afterRestart = await calls();
      const perProfileMs = (s: StartResult) =>
        Math.round(((s.seconds - s.listeningSeconds) * 1e6) / users) / 1000;
      result[name] = {
        first,
        restart,
        firstMsPerProfile: perProfileMs(first),
        firstPerProfileInRawSigns: Math.round((perProfileMs(first) * 1000) / signMicros),
        ...(env.REDIS_URL && {
          // Per profile: Redis commands (scripts' own calls included), and script runs.
          redisPerProfile: {
            first: perProfileCalls(before, afterFirst, users),
            restart: perProfileCalls(afterFirst, afterRestart, users),
          },
        }),
      };
    }
    return result;
  } finally {
    await redis.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
