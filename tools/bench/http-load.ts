/** Drives HTTP load from this process against a server in another process. */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import autocannon from "autocannon";

export interface LoadResult {
  requestsPerSec: number;
  /** Requests answered in the whole run. */
  requests: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  non2xx: number;
}

export async function runLoad(
  url: string,
  opts: { connections?: number; durationSec?: number; headers?: Record<string, string> } = {},
): Promise<LoadResult> {
  const result = await autocannon({
    url,
    connections: opts.connections ?? 50,
    duration: opts.durationSec ?? 5,
    headers: opts.headers,
  });
  return {
    requestsPerSec: result.requests.average,
    requests: result.requests.total,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
  };
}

/**
 * Starts `tools/bench/servers/<name>.ts` in a child process; it prints `READY <port>`
 * once listening. With BENCH_CPU_PROF_DIR set, each server writes a V8 CPU profile there
 * when it stops (open it in Chrome DevTools or speedscope).
 */
export async function startServer(
  script: string,
  env: Record<string, string> = {},
): Promise<{ port: number; child: ChildProcess; stop(): Promise<void> }> {
  const profDir = process.env.BENCH_CPU_PROF_DIR;
  const profile = profDir ? ["--cpu-prof", `--cpu-prof-dir=${profDir}`] : [];
  const child = spawn(process.execPath, [...profile, "--import", "tsx", script], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  let buffered = "";
  const port = await new Promise<number>((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`${script} exited with ${code}`)));
    const onData = (chunk: Buffer) => {
      buffered += chunk.toString();
      const m = /READY (\d+)/.exec(buffered);
      if (!m) return;
      // From here on the server's output (its logs) is drained unread, not buffered.
      child.stdout!.off("data", onData);
      child.stdout!.resume();
      resolve(Number(m[1]));
    };
    child.stdout!.on("data", onData);
  });
  return {
    port,
    child,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill("SIGTERM");
      await once(child, "exit");
    },
  };
}

export function ratio(value: number, baseline: number): string {
  return baseline > 0 ? (value / baseline).toFixed(2) : "n/a";
}
