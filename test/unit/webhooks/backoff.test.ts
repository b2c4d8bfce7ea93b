import { describe, expect, it } from "vitest";
import {
  DEFAULT_RETRY_POLICY,
  parseRetryAfter,
  retryDelayMs,
  retrySchedule,
} from "../../../src/webhooks/index.js";

describe("retry backoff", () => {
  it("doubles from 30 s up to 6 h, 14 attempts over about a day", () => {
    const schedule = retrySchedule();
    expect(schedule.slice(0, 5)).toEqual([30_000, 60_000, 120_000, 240_000, 480_000]);
    expect(schedule.at(-1)).toBe(6 * 3600_000);
    expect(schedule).toHaveLength(13);
    const hours = schedule.reduce((a, b) => a + b, 0) / 3600_000;
    expect(hours).toBeGreaterThan(24);
    expect(hours).toBeLessThan(30);
  });

  it("spreads each delay by ±20% jitter; 0.5 gives the nominal delay", () => {
    const p = DEFAULT_RETRY_POLICY;
    expect(retryDelayMs(p, 3, () => 0.5)).toBe(120_000);
    expect(retryDelayMs(p, 3, () => 0)).toBe(96_000);
    expect(retryDelayMs(p, 3, () => 0.999_999)).toBeCloseTo(144_000, -1);
  });

  it("gives up after the last attempt", () => {
    expect(retryDelayMs(DEFAULT_RETRY_POLICY, 13, () => 0.5)).toBe(6 * 3600_000);
    expect(retryDelayMs(DEFAULT_RETRY_POLICY, 14, () => 0.5)).toBeUndefined();
  });

  it("honours Retry-After within 1 s and 6 h, without jitter", () => {
    const p = DEFAULT_RETRY_POLICY;
    expect(retryDelayMs(p, 1, () => 0, 120_000)).toBe(120_000);
    expect(retryDelayMs(p, 1, () => 0, 0)).toBe(1_000);
    expect(retryDelayMs(p, 1, () => 0, 86_400_000)).toBe(6 * 3600_000);
    expect(retryDelayMs(p, 14, () => 0, 1_000)).toBeUndefined();
  });

  it("reads Retry-After as seconds or an HTTP date", () => {
    const now = Date.parse("2026-11-21T12:00:00Z");
    expect(parseRetryAfter("120", now)).toBe(120_000);
    expect(parseRetryAfter("Sat, 21 Nov 2026 12:01:00 GMT", now)).toBe(60_000);
    expect(parseRetryAfter("Sat, 21 Nov 2026 11:00:00 GMT", now)).toBe(0);
    expect(parseRetryAfter("soon", now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });
});
