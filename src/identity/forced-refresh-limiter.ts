/**
 * How often a verifier may bypass the DID cache for one DID. A bad signature triggers a
 * forced re-resolution (the key may have been rotated); without a limit, anyone could make
 * this node fetch a peer's DID document once per forged token.
 */
import type { Clock } from "../clock.js";

export interface ForcedRefreshLimiter {
  /** True, and counts it, when `did` may be re-resolved bypassing the cache now. */
  tryAcquire(did: string): boolean;
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

  function dropExpired(now: number): void {
    for (const [did, at] of lastRefresh) {
      if (now - at < intervalMs) break;
      lastRefresh.delete(did);
    }
  }

  return {
    tryAcquire(did) {
      const now = clock.now();
      dropExpired(now);
      if (lastRefresh.has(did) || lastRefresh.size >= maxEntries) return false;
      lastRefresh.set(did, now);
      return true;
    },
  };
}
