/**
 * The node's Redis connection, to one Redis (`REDIS_URL`) or a Redis Cluster
 * (`REDIS_CLUSTER_NODES`): the arbiter's scripts (and any other part's, so one connection
 * serves them all), no offline queue, reconnection with backoff, and a reply deadline on
 * every command. Both kinds offer the same commands; the few calls whose form differs
 * (a raw command, which a cluster routes by its key) go through `sendKeyed`.
 */
import { createClient, createCluster, ErrorReply, type RedisScripts } from "redis";
import { StoreUnavailableError } from "../../errors.js";
import { ReplyDeadlines } from "./reply-deadlines.js";
import { arbiterScripts } from "./scripts.js";
import { CrossSlotError } from "./slots.js";

/** Where the node's Redis is: one server, or the seed nodes of a cluster. */
export type RedisTarget = { url: string } | { clusterNodes: string[] };

const reconnectStrategy = (retries: number) => Math.min(50 * 2 ** retries, 2000);

function scriptsWith<S extends RedisScripts>(extraScripts: S) {
  return { ...arbiterScripts(), ...extraScripts };
}

function makeSingle<S extends RedisScripts>(url: string, extraScripts: S) {
  return createClient({
    url,
    scripts: scriptsWith(extraScripts),
    // While Redis is unreachable, fail at once instead of queueing a stale decision.
    disableOfflineQueue: true,
    socket: { reconnectStrategy },
  });
}

function makeCluster<S extends RedisScripts>(nodes: string[], extraScripts: S) {
  return createCluster({
    rootNodes: nodes.map((url) => ({ url })),
    scripts: scriptsWith(extraScripts),
    defaults: { disableOfflineQueue: true, socket: { reconnectStrategy } },
  });
}

export type SingleClient<S extends RedisScripts = Record<never, never>> = ReturnType<
  typeof makeSingle<S>
>;
export type ClusterClient<S extends RedisScripts = Record<never, never>> = ReturnType<
  typeof makeCluster<S>
>;
/** The node's connection: the same commands and scripts on one Redis or a cluster. */
export type Client<S extends RedisScripts = Record<never, never>> =
  | SingleClient<S>
  | ClusterClient<S>;

export function isCluster<S extends RedisScripts>(client: Client<S>): client is ClusterClient<S> {
  return "masters" in client;
}

/**
 * A raw command (one node-redis has no typed form for, or whose raw reply is wanted),
 * sent to the node that holds `key` — its first key, which every key of it shares.
 */
export function sendKeyed<T, S extends RedisScripts = Record<never, never>>(
  client: Client<S>,
  key: string,
  args: string[],
): Promise<T> {
  return isCluster(client)
    ? client.sendCommand<T>(key, false, args)
    : (client.sendCommand(args) as Promise<T>);
}

const UNGUARDED = new Set<PropertyKey>([
  "connect",
  "close",
  "destroy",
  "quit",
  "disconnect",
  "on",
  "once",
  "off",
]);

/**
 * node-redis waits for a sent command's reply forever: against a hung or cut-off server
 * every request would hang. Each command gets a deadline, and any failure that is not
 * Redis's own error reply becomes a 503 the caller may retry (with its idempotency key).
 * `onUnavailable` hears of each such failure (a cluster then looks for a new topology).
 */
function withDeadlines<C extends object>(
  client: C,
  timeoutMs: number,
  onUnavailable: () => void,
): C {
  const deadlines = new ReplyDeadlines(timeoutMs);
  const unavailable = (err: unknown): Error => {
    if (err instanceof ErrorReply || err instanceof CrossSlotError) return err;
    onUnavailable();
    if (err instanceof StoreUnavailableError) return err;
    return new StoreUnavailableError();
  };
  return new Proxy(client, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target);
      if (typeof value !== "function" || UNGUARDED.has(prop)) return value;
      return (...args: unknown[]) => {
        const result = value.apply(target, args);
        if (!(result instanceof Promise)) return result;
        return new Promise((resolve, reject) => {
          const watched = deadlines.watch(() =>
            reject(
              unavailable(
                new StoreUnavailableError(
                  `Redis gave no reply to ${String(prop)} within ${timeoutMs} ms`,
                ),
              ),
            ),
          );
          result.then(
            (reply: unknown) => {
              if (watched.done) return;
              watched.done = true;
              resolve(reply);
            },
            (err: unknown) => {
              if (watched.done) return;
              watched.done = true;
              reject(unavailable(err));
            },
          );
        });
      };
    },
  });
}

/**
 * node-redis's cluster client learns a new topology only from a MOVED reply: when a
 * primary dies, its slots keep pointing at the dead address, and after its replica takes
 * over nothing would answer MOVED. So on a node's connection error or a failed command,
 * the slots are read again (at most twice a second) until the cluster answers.
 */
function rediscoverOnFailure<S extends RedisScripts>(cluster: ClusterClient<S>): () => void {
  let last = 0;
  return () => {
    const now = Date.now();
    if (now - last < 500 || !cluster.isOpen) return;
    last = now;
    const client = cluster.masters.find((m) => m.client)?.client;
    if (!client) return;
    // Rejections are expected while the cluster elects a new primary; the next failure retries.
    void Promise.resolve(client)
      .then((c) => cluster._slots.rediscover(c))
      .catch(() => {});
  };
}

/**
 * A connected client whose commands fail with store_unavailable rather than hang. Other
 * parts' scripts (`extraScripts`) ride on the same connection. A string is a Redis URL.
 */
export async function connectArbiterClient<S extends RedisScripts = Record<never, never>>(
  target: RedisTarget | string,
  replyTimeoutMs: number,
  extraScripts: S = {} as S,
  connect: ConnectOptions = {},
): Promise<Client<S>> {
  const where = typeof target === "string" ? { url: target } : target;
  if ("url" in where) {
    const client = makeSingle(where.url, extraScripts);
    // Errors surface on the commands that hit them; the listener keeps them from crashing us.
    client.on("error", (err: unknown) => {
      if (!client.isReady) connect.onConnectError?.(err as Error);
    });
    await connectWithin(client, redisAddress(where.url), connect.timeoutMs);
    return withDeadlines(client, replyTimeoutMs, () => {});
  }
  const cluster = makeCluster(where.clusterNodes, extraScripts);
  const rediscover = rediscoverOnFailure(cluster);
  cluster.on("error", (err: unknown) => {
    if (!cluster.isOpen) connect.onConnectError?.(err as Error);
  });
  cluster.on("node-error", rediscover);
  try {
    await connectWithin(
      cluster,
      where.clusterNodes.map(redisAddress).join(", "),
      connect.timeoutMs,
    );
  } catch (err) {
    // The seeds are not repeated whole: their URLs may carry a password.
    throw new StoreUnavailableError(
      `cannot reach the Redis Cluster: ${(err as Error).message}`,
      err,
    );
  }
  return withDeadlines(cluster, replyTimeoutMs, rediscover);
}

export interface ConnectOptions {
  /** How long to keep retrying the first connection (default: forever). */
  timeoutMs?: number;
  /** Each failed attempt while connecting for the first time (to log why). */
  onConnectError?: (err: Error) => void;
}

/** The server's address without credentials, for messages. */
export function redisAddress(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || "6379"}`;
  } catch {
    return "(unparsable REDIS_URL)";
  }
}

/**
 * node-redis retries a first connection forever; at start-up the node should rather say
 * why it cannot start. After `timeoutMs` the client is destroyed and the wait fails.
 */
async function connectWithin(
  client: { connect(): Promise<unknown>; destroy(): void },
  address: string,
  timeoutMs: number | undefined,
): Promise<void> {
  if (timeoutMs === undefined) {
    await client.connect();
    return;
  }
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(
        new StoreUnavailableError(
          `Redis at ${address} did not answer within ${timeoutMs / 1000} s`,
        ),
      );
    }, timeoutMs);
  });
  const connecting = client.connect();
  try {
    await Promise.race([connecting, deadline]);
  } catch (err) {
    client.destroy();
    // The abandoned connect() rejects once the client is destroyed.
    connecting.catch(() => {});
    throw err;
  } finally {
    clearTimeout(timer);
  }
}
