/**
 * How often a verifier may bypass the DID cache for one DID. A bad signature triggers a
 * forced re-resolution (the key may have been rotated); without a limit, anyone could make
 * this node fetch a peer's DID document once per forged token.
 */
import type { Clock } from "../clock.js";

export interface ForcedRefreshLimiter {
  /** True, and counts it, when `did` may be re-resolved bypassing the cache now. */
  tryAcquire(did: string): boolean;
  /**
   * Runs `refresh` when `tryAcquire(did)` allows it; while that runs, later callers for
   * the same DID join it instead of being refused (the requests that arrive together
   * right after a key rotation). Undefined when refused and none is running.
   */
  refresh<T>(did: string, refresh: () => Promise<T>): Promise<T> | undefined;
}

/**
 * At most one forced refresh per DID per `intervalMs`. The map holds at most `maxEntries`
 * DIDs; when it is full of DIDs refreshed within the interval, further forced refreshes
 * are refused (not evicted), so the limiter also caps forced fetches at `maxEntries` per
 * interval overall.
 */
export function createForcedRefreshLimiter(
  clock: Clock,
  intervalMs = 60_000,
  maxEntries = 10_000,
): ForcedRefreshLimiter {
  // Insertion order is acquisition order: the first entry is always the oldest.
  const lastRefresh = new Map<string, number>();
  const running = new Map<string, Promise<unknown>>();

  function dropExpired(now: number): void {
    for (const [did, at] of lastRefresh) {
      if (now - at < intervalMs) break;
      lastRefresh.delete(did);
    }
  }

  function tryAcquire(did: string): boolean {
    const now = clock.now();
    dropExpired(now);
    if (lastRefresh.has(did) || lastRefresh.size >= maxEntries) return false;
    lastRefresh.set(did, now);
    return true;
  }

  return {
    tryAcquire,
    refresh<T>(did: string, refresh: () => Promise<T>) {
      const joined = running.get(did) as Promise<T> | undefined;
      if (joined) return joined;
      if (!tryAcquire(did)) return undefined;
      const started = refresh().finally(() => running.delete(did));
      running.set(did, started);
      return started;
    },
  };
}
