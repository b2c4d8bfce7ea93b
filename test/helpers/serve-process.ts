/**
 * `calendario serve` as an operator runs it: `bin/calendario.js` (run `npm run build`
 * first), configured by the environment, with its exit code, output and timing.
 */
import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const BIN = path.join(ROOT, "bin", "calendario.js");

export interface ServeProcess {
  child: ChildProcess;
  /** Everything written so far. */
  stdout(): string;
  stderr(): string;
  /** The exit code (or signal) and when it came. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
  /** Polls `url` until it answers `status`; fails when the process exits first. */
  waitFor(url: string, status?: number, timeoutMs?: number): Promise<void>;
  kill(): void;
}

const live = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of live) child.kill("SIGKILL");
});

export function spawnServe(env: Record<string, string>): ServeProcess {
  const child = spawn(process.execPath, [BIN, "serve"], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: "info", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  live.add(child);
  let out = "";
  let err = "";
  child.stdout!.on("data", (c: Buffer) => {
    out += c.toString("utf8");
  });
  child.stderr!.on("data", (c: Buffer) => {
    err += c.toString("utf8");
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>(
    (resolve) =>
      child.once("exit", (code, signal) => {
        live.delete(child);
        resolve({ code, signal, at: performance.now() });
      }),
  );
  let gone = false;
  void exited.then(() => {
    gone = true;
  });
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    async waitFor(url, status = 200, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        if (gone) throw new Error(`calendario serve exited before ${url} answered: ${err}`);
        try {
          const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
          if (res.status === status) return;
        } catch {
          // Not listening yet.
        }
        if (Date.now() > deadline) throw new Error(`${url} did not answer ${status}: ${err}`);
        await sleep(100);
      }
    },
    kill() {
      if (!gone) child.kill("SIGKILL");
    },
  };
}
