/**
 * The node's Redis connection: the arbiter's scripts (and any other part's, so one
 * connection serves them all), no offline queue, reconnection with backoff, and a reply
 * deadline on every command.
 */
import { createClient, ErrorReply, type RedisScripts } from "redis";
import { StoreUnavailableError } from "../../errors.js";
import { arbiterScripts } from "./scripts.js";

export type Client = ReturnType<typeof makeClient<Record<never, never>>>;

function makeClient<S extends RedisScripts>(url: string, extraScripts: S) {
  return createClient({
    url,
    scripts: { ...arbiterScripts(), ...extraScripts },
    // While Redis is unreachable, fail at once instead of queueing a stale decision.
    disableOfflineQueue: true,
    socket: { reconnectStrategy: (retries) => Math.min(50 * 2 ** retries, 2000) },
  });
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
 */
function withDeadlines<C extends object>(client: C, timeoutMs: number): C {
  return new Proxy(client, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target);
      if (typeof value !== "function" || UNGUARDED.has(prop)) return value;
      return (...args: unknown[]) => {
        const result = value.apply(target, args);
        if (!(result instanceof Promise)) return result;
        let timer: NodeJS.Timeout | undefined;
        const deadline = new Promise<never>((_, reject) => {
          timer = setTimeout(
            () =>
              reject(
                new StoreUnavailableError(
                  `Redis gave no reply to ${String(prop)} within ${timeoutMs} ms`,
                ),
              ),
            timeoutMs,
          );
        });
        return Promise.race([result, deadline])
          .catch((err: unknown) => {
            if (err instanceof ErrorReply || err instanceof StoreUnavailableError) throw err;
            throw new StoreUnavailableError();
          })
          .finally(() => clearTimeout(timer));
      };
    },
  });
}

/**
 * A connected client whose commands fail with store_unavailable rather than hang. Other
 * parts' scripts (`extraScripts`) ride on the same connection.
 */
export async function connectArbiterClient<S extends RedisScripts = Record<never, never>>(
  url: string,
  replyTimeoutMs: number,
  extraScripts: S = {} as S,
  connect: ConnectOptions = {},
) {
  const client = makeClient(url, extraScripts);
  // Errors surface on the commands that hit them; the listener keeps them from crashing us.
  client.on("error", (err: unknown) => {
    if (!client.isReady) connect.onConnectError?.(err as Error);
  });
  await connectWithin(client, url, connect.timeoutMs);
  return withDeadlines(client, replyTimeoutMs);
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
  url: string,
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
          `Redis at ${redisAddress(url)} did not answer within ${timeoutMs / 1000} s`,
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
