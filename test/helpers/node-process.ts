/**
 * A Calendario node in its own process (`tools/bench/servers/node.ts` run through tsx),
 * configured from the environment, on a free port (or the caller's PORT). For tests where
 * several node processes share one Redis.
 */
import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const SERVER_SCRIPT = path.join(ROOT, "tools", "bench", "servers", "node.ts");
const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 5_000;

export interface NodeProcess {
  /** Base URL, e.g. `http://127.0.0.1:40123`. */
  url: string;
  port: number;
  pid: number;
  /** SIGTERM, then SIGKILL after 5 s; resolves once the process has exited. Idempotent. */
  stop(): Promise<void>;
}

/** Processes still running, killed if the test process exits without stopping them. */
const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once("exit", () => {
    for (const child of live) child.kill("SIGKILL");
  });
}

/**
 * Starts a node with `env` (REDIS_URL, DATA_DIR, ADMIN_TOKEN, ARBITRATION_WINDOW_MS, …)
 * added to this process's environment; LOG_LEVEL defaults to "warn"; PORT is
 * 0 (a free port) unless `env` sets it, so a caller can name the port that PUBLIC_URL names.
 * Resolves once it listens. Two nodes sharing a Redis must share DATA_DIR (the org key):
 * start them one after the other, so the first creates it and the second loads it.
 */
export async function startNodeProcess(env: Record<string, string>): Promise<NodeProcess> {
  installExitHook();
  const child = spawn(process.execPath, ["--import", "tsx", SERVER_SCRIPT], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: "warn", ...env, PORT: env.PORT ?? "0" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  live.add(child);
  child.once("exit", () => live.delete(child));
  let stderr = "";
  child.stderr!.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString("utf8")).slice(-8_192);
  });

  let stdout: string | undefined = "";
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`node process did not start within ${START_TIMEOUT_MS} ms: ${stderr}`));
    }, START_TIMEOUT_MS);
    child.once("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`node process exited (${code ?? signal}) before listening: ${stderr}`));
    });
    // Read until READY; later output (the node's log lines) is drained and dropped.
    child.stdout!.on("data", (chunk: Buffer) => {
      if (stdout === undefined) return;
      stdout += chunk.toString("utf8");
      const m = /READY (\d+)/.exec(stdout);
      if (m) {
        stdout = undefined;
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
  }).catch(async (err: unknown) => {
    await kill(child);
    throw err;
  });

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    pid: child.pid!,
    stop: () => kill(child),
  };
}

async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
  live.delete(child);
}
