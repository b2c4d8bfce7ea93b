/**
 * When a failed delivery is tried again: exponential backoff with jitter, about a day in
 * all, unless the receiver said when with Retry-After.
 */

export interface RetryPolicy {
  /** Delay after the first failed attempt. */
  baseDelayMs: number;
  factor: number;
  maxDelayMs: number;
  /** Attempts in all, the first included; the last failure dead-letters the delivery. */
  maxAttempts: number;
  /** Each delay is spread uniformly over ±jitter of its nominal value. */
  jitter: number;
}

/** 30 s, 1 min, 2 min, … capped at 6 h: 14 attempts over about 26.5 hours. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  baseDelayMs: 30_000,
  factor: 2,
  maxDelayMs: 6 * 3600_000,
  maxAttempts: 14,
  jitter: 0.2,
};

/** Retry-After is honoured within these bounds, so a receiver can neither spin nor stall us. */
const MIN_RETRY_AFTER_MS = 1_000;

/** The nominal delay after failed attempt number `attempt` (1-based). */
export function nominalDelayMs(policy: RetryPolicy, attempt: number): number {
  return Math.min(policy.maxDelayMs, policy.baseDelayMs * policy.factor ** (attempt - 1));
}

/** The nominal delays between all attempts, for documentation and tests. */
export function retrySchedule(policy: RetryPolicy = DEFAULT_RETRY_POLICY): number[] {
  return Array.from({ length: policy.maxAttempts - 1 }, (_, i) => nominalDelayMs(policy, i + 1));
}

/**
 * The delay before the next attempt after failed attempt number `attempt`; undefined
 * when that was the last one. `random` in [0, 1) (0.5 gives the nominal delay).
 */
export function retryDelayMs(
  policy: RetryPolicy,
  attempt: number,
  random: () => number,
  retryAfterMs?: number,
): number | undefined {
  if (attempt >= policy.maxAttempts) return undefined;
  if (retryAfterMs !== undefined)
    return Math.min(policy.maxDelayMs, Math.max(MIN_RETRY_AFTER_MS, retryAfterMs));
  const spread = 1 - policy.jitter + 2 * policy.jitter * random();
  return Math.round(nominalDelayMs(policy, attempt) * spread);
}

/** Retry-After as delay-seconds or an HTTP date, in ms from `now`; undefined if absent or bad. */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^\d{1,9}$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
