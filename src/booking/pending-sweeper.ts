/**
 * Requests that waited too long for the person expire: a background loop asks the store
 * which calendars have one due and expires them there (writing `booking.expired`, which
 * tells the requester). Any node process may sweep; the store decides each once.
 */
import type { Store } from "../arbiter/index.js";
import { StoreUnavailableError } from "../errors.js";
import type { Logger } from "../logger.js";

export interface PendingSweeper {
  stop(): Promise<void>;
}

const BATCH = 100;

export function startPendingSweeper(
  store: Store,
  logger: Logger,
  intervalMs = 5_000,
): PendingSweeper {
  let running: Promise<void> | undefined;
  const sweep = async () => {
    const now = await store.now();
    for (const username of await store.duePendingUsers(now, BATCH)) {
      const expired = await store.expirePending(username);
      if (expired.length > 0)
        logger.info({ username, expired: expired.map((b) => b.id) }, "pending requests expired");
    }
  };
  const timer = setInterval(() => {
    if (running) return;
    running = sweep()
      .catch((err: unknown) => {
        // An outage is logged once by the store's health watch, not at every sweep.
        if (err instanceof StoreUnavailableError) logger.debug({ err }, "pending sweep failed");
        else logger.warn({ err }, "pending sweep failed");
      })
      .finally(() => {
        running = undefined;
      });
  }, intervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
