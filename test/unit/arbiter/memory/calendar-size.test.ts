/**
 * A user who never holds or books costs the memory store little: with 100,000 users the
 * calendars are most of the store's memory, so their maps are made on first use.
 */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { describe, expect, it } from "vitest";
import { Calendar } from "../../../../src/arbiter/memory/calendar.js";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

function heapUsed(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

describe("a calendar with only its user's profile event", () => {
  it("costs under 1.6 KB (its maps made on first use, not ~200 bytes each up front)", () => {
    const n = 20_000;
    const kept: Calendar[] = [];
    const before = heapUsed();
    for (let i = 0; i < n; i++) {
      const cal = new Calendar();
      cal.begin(`evt_${i}_`);
      cal.audit(1_700_000_000_000, "profile.updated", "system", `user-${i}`, {
        etag: '"0123456789abcdef0123456789abcdef"',
        source: "file",
      });
      // What the store's periodic purge and its counters do to every calendar.
      cal.purgeExpired(1_700_000_000_000);
      expect(cal.idempotencyRecords).toBe(0);
      kept.push(cal);
    }
    const perCalendar = (heapUsed() - before) / n;
    expect(kept).toHaveLength(n);
    expect(perCalendar).toBeLessThan(1600);
  });

  it("still decides and reads as before once used", () => {
    const cal = new Calendar();
    expect(cal.holds.size).toBe(0);
    expect(cal.bookings.size).toBe(0);
    expect(cal.counters.size).toBe(0);
    expect(cal.events).toEqual([]);
  });
});
