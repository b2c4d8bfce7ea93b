/**
 * The pure engine's calls/s: `listSlots` over 30 days (Mon–Fri 09:00–17:00 in
 * America/New_York, 40 bookings, 30-minute slots, 15-minute grid) — target ≥ 20,000/s —
 * and over 90 days with 300 bookings. "cold" clears the zone caches before every call,
 * the cost of a zone the process has not seen; "warm" is the steady state of a node.
 */
import { listSlots } from "../../src/availability/index.js";
import { clearLocalDayCache } from "../../src/availability/local-days.js";
import type { AvailabilityInput, Interval } from "../../src/availability/types.js";
import { clearZoneCache } from "../../src/availability/zone-offsets.js";

const START = Date.parse("2026-03-02T00:00:00-05:00"); // a Monday; the range crosses 2026-03-08

/** `count` bookings on weekdays inside working hours, spread evenly and deterministically. */
function workdayBookings(days: number, count: number): Interval[] {
  const bookings: Interval[] = [];
  const weekdays = [...Array(days).keys()].filter((d) => d % 7 < 5);
  for (let i = 0; i < count; i++) {
    const day = weekdays[i % weekdays.length]!;
    const hour = 9 + ((i * 5) % 8); // 09:00–16:00 local, EST or EDT alike for this check
    const start = START + day * 86_400_000 + hour * 3_600_000 + ((i * 7) % 2) * 1_800_000;
    bookings.push({ start, end: start + (i % 3 === 0 ? 60 : 30) * 60_000 });
  }
  return bookings;
}

function benchInput(days: number, bookings: number): AvailabilityInput {
  return {
    profile: {
      timezone: "America/New_York",
      scheduling: [
        {
          type: "weekly",
          days: ["monday", "tuesday", "wednesday", "thursday", "friday"],
          hours: ["09:00-17:00"],
        },
      ],
    },
    bookings: workdayBookings(days, bookings),
    holds: [],
    now: START - 86_400_000,
    range: { start: START, end: START + days * 86_400_000 },
    durationMinutes: 30,
    stepMinutes: 15,
  };
}

function callsPerSecond(run: () => void, minMs = 1000): number {
  for (let i = 0; i < 2000; i++) run();
  let calls = 0;
  const started = performance.now();
  let elapsed = 0;
  while (elapsed < minMs) {
    for (let i = 0; i < 200; i++) run();
    calls += 200;
    elapsed = performance.now() - started;
  }
  return Math.round((calls / elapsed) * 1000);
}

function coldCall(input: AvailabilityInput): () => void {
  return () => {
    clearZoneCache();
    clearLocalDayCache();
    listSlots(input);
  };
}

export async function benchAvailabilityPure(): Promise<{
  name: string;
  opsPerSec: number;
  details: Record<string, unknown>;
}> {
  const month = benchInput(30, 40);
  const quarter = benchInput(90, 300);
  const opsPerSec = callsPerSecond(() => listSlots(month));
  return {
    name: "listSlots, 30 days, Mon-Fri 09-17 America/New_York, 40 bookings, 30 min",
    opsPerSec,
    details: {
      target: ">= 20000 calls/s",
      slotsPerCall: listSlots(month).length,
      coldCacheOpsPerSec: callsPerSecond(coldCall(month)),
      ninetyDays300Bookings: {
        opsPerSec: callsPerSecond(() => listSlots(quarter)),
        coldCacheOpsPerSec: callsPerSecond(coldCall(quarter)),
        slotsPerCall: listSlots(quarter).length,
      },
    },
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.stdout.write(`${JSON.stringify(await benchAvailabilityPure(), null, 2)}\n`);
}
