import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { createClient } from "redis";

export type TestRedisClient = ReturnType<typeof createClient>;

export interface RedisServerOptions {
  /** Also create and connect a node-redis client (closed by stop(), kept across restart()). */
  connect?: boolean;
  /** The redis-server binary (default: $REDIS_SERVER_BIN, else "redis-server" from PATH). */
  binary?: string;
  /** Extra command-line arguments, e.g. ["--maxmemory", "10mb"]. */
  args?: string[];
  /** Environment of the server process (default: this process's). */
  env?: NodeJS.ProcessEnv;
}

export interface RedisServer {
  url: string;
  port: number;
  client?: TestRedisClient;
  /** The server process's pid (to SIGSTOP it: a frozen Redis), while it runs. */
  readonly pid?: number;
  /** Kills the server, closes the client, removes the data directory. Idempotent. */
  stop(): Promise<void>;
  /** Kills the server and starts a fresh, empty one on the same port (the client reconnects). */
  restart(): Promise<void>;
}

/** Generous: the machine running the tests may be loaded. */
const START_TIMEOUT_MS = 15_000;
const PROBE_TIMEOUT_MS = 250;
const PORT_ATTEMPTS = 10;

/** Servers still running, killed if the test process exits without stopping them. */
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
 * Spawns a real, throw-away redis-server on a free 127.0.0.1 port (no persistence, data in a
 * temporary directory) and waits until it answers PING. Tests never use a system Redis.
 */
export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  installExitHook();
  const binary = options.binary ?? process.env.REDIS_SERVER_BIN ?? "redis-server";
  const dir = await mkdtemp(path.join(tmpdir(), "calendario-redis-"));
  const launchOn = (port: number) => launch(binary, port, dir, options);

  let child: ChildProcess | undefined;
  let port = 0;
  try {
    for (let attempt = 1; !child; attempt++) {
      port = await freePort();
      try {
        child = await launchOn(port);
      } catch (err) {
        if (!(err instanceof PortInUseError) || attempt >= PORT_ATTEMPTS) throw err;
      }
    }
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }

  const url = `redis://127.0.0.1:${port}`;
  let client: TestRedisClient | undefined;
  if (options.connect) {
    client = createClient({ url });
    client.on("error", () => {}); // connection drops are expected (restart); commands still reject
    await client.connect();
  }

  let stopped = false;
  let current: ChildProcess | undefined = child;
  return {
    url,
    port,
    client,
    get pid() {
      return current?.pid;
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      if (client?.isOpen) client.destroy();
      if (current) await kill(current);
      current = undefined;
      await rm(dir, { recursive: true, force: true });
    },
    async restart() {
      if (stopped) throw new Error("redis-server already stopped");
      if (current) await kill(current);
      current = undefined;
      // Same port: it is free again once the old process exits; another process may grab it
      // in between, so retry for a while.
      const deadline = Date.now() + START_TIMEOUT_MS;
      for (;;) {
        try {
          current = await launchOn(port);
          return;
        } catch (err) {
          if (!(err instanceof PortInUseError) || Date.now() > deadline) throw err;
          await sleep(100);
        }
      }
    },
  };
}

class PortInUseError extends Error {}

/** A port the OS just handed out (bound to 0, then closed). Someone else may take it first. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Spawns redis-server on `port`; resolves once THIS process (checked by pid) answers PING. */
async function launch(
  binary: string,
  port: number,
  dir: string,
  options: RedisServerOptions,
): Promise<ChildProcess> {
  const args = [
    "--port",
    String(port),
    "--bind",
    "127.0.0.1",
    "--save",
    "",
    "--appendonly",
    "no",
    "--dir",
    dir,
    "--enable-debug-command",
    "no",
    "--daemonize",
    "no",
    "--loglevel",
    "warning",
    ...(options.args ?? []),
  ];
  const child = spawn(binary, args, {
    stdio: ["ignore", "pipe", "pipe"],
    env: options.env ?? process.env,
  });
  let output = "";
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString("utf8")).slice(-8_192);
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
  let spawnError: Error | undefined;
  child.once("error", (err) => {
    spawnError = err;
  });
  live.add(child);
  child.once("exit", () => live.delete(child));

  const fail = async (err: Error): Promise<never> => {
    await kill(child);
    throw err;
  };
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (spawnError) {
      return fail(new Error(`cannot run ${binary}: ${spawnError.message}`, { cause: spawnError }));
    }
    if (child.exitCode !== null || child.signalCode !== null) {
      const why = `redis-server on port ${port} exited (${child.exitCode ?? child.signalCode}): ${output.trim()}`;
      return fail(
        /Address already in use/i.test(output) ? new PortInUseError(why) : new Error(why),
      );
    }
    const pid = await probe(port);
    if (pid !== undefined && pid === child.pid) return child;
    if (pid !== undefined) {
      // Another Redis answers on this port: ours is about to fail with EADDRINUSE.
      return fail(new PortInUseError(`port ${port} is taken by another redis-server (pid ${pid})`));
    }
    await sleep(20);
  }
  return fail(
    new Error(
      `redis-server on port ${port} did not answer within ${START_TIMEOUT_MS / 1000} s: ${output.trim()}`,
    ),
  );
}

/** Sends PING and INFO server; resolves to the answering server's process id, if any. */
function probe(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    let reply = "";
    const socket = net.connect({ port, host: "127.0.0.1" });
    const done = (pid: number | undefined) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(pid);
    };
    const timer = setTimeout(() => done(undefined), PROBE_TIMEOUT_MS);
    socket.once("connect", () => socket.write("PING\r\nINFO server\r\n"));
    socket.on("data", (chunk) => {
      reply += chunk.toString("latin1");
      if (!reply.startsWith("+PONG\r\n")) {
        if (reply.length >= 7) done(undefined); // -LOADING, -ERR ...: not ready
        return;
      }
      const pid = /\r\nprocess_id:(\d+)\r\n/.exec(reply);
      if (pid) done(Number(pid[1]));
    });
    socket.once("error", () => done(undefined));
    socket.once("close", () => done(undefined));
  });
}

/** SIGTERM, then SIGKILL after 3 s; resolves when the process has exited. */
async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 3_000);
  await exited;
  clearTimeout(timer);
  live.delete(child);
}
