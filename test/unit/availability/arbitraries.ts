/**
 * Random availability inputs for the property tests, centred on each zone's own offset
 * changes so that gaps and repeated hours come up often. Every boundary is a multiple of
 * 5 minutes (the reference model samples at that resolution).
 */
import fc from "fast-check";
import type {
  AvailabilityInput,
  Interval,
  SchedulingBlock,
} from "../../../src/availability/index.js";
import { ALL_DAYS as WEEKDAYS } from "../../helpers/profiles.js";
import { addDays } from "./reference-model.js";

const MIN = 60_000;
const DAY = 86_400_000;

/** Zones and dates near their offset changes (and one ordinary date each for zones without). */
export const ZONE_DATES: Record<string, string[]> = {
  "America/New_York": ["2026-03-08", "2026-11-01"],
  "Europe/London": ["2026-03-29", "2026-10-25"],
  "Australia/Lord_Howe": ["2026-04-05", "2026-10-04"],
  "Asia/Kathmandu": ["2026-03-08"],
  "America/Santiago": ["2026-04-05", "2026-09-06"],
  "America/Havana": ["2026-03-08", "2026-11-01"],
  "Africa/Cairo": ["2026-04-24", "2026-10-29"],
  "Pacific/Chatham": ["2026-04-05", "2026-09-27"],
  "Pacific/Apia": ["2011-12-30"],
  "Asia/Tokyo": ["2026-06-15"],
  UTC: ["2026-06-15"],
};

const zoneAndDate = fc
  .constantFrom(
    ...Object.entries(ZONE_DATES).flatMap(([zone, dates]) => dates.map((d) => [zone, d])),
  )
  .map(([zone, date]) => ({ zone: zone!, date: date! }));

const hoursText = fc
  .tuple(fc.integer({ min: 0, max: 287 }), fc.integer({ min: 1, max: 288 }))
  .map(([a, len]) => {
    const start = a * 5;
    const end = Math.min(1440, start + len * 5);
    const hhmm = (m: number) =>
      `${String(Math.floor(m / 60)).padStart(2, "0")}:${String(m % 60).padStart(2, "0")}`;
    return `${hhmm(start)}-${hhmm(end)}`;
  });

const hoursList = fc.array(hoursText, { minLength: 1, maxLength: 3 });
const days = fc.subarray(WEEKDAYS, { minLength: 1 });
const mostDays = fc.subarray(WEEKDAYS, { minLength: 4 });

function blockArb(base: string): fc.Arbitrary<SchedulingBlock> {
  const near = fc.integer({ min: -3, max: 5 }).map((k) => addDays(base, k));
  return fc.oneof(
    {
      weight: 3,
      arbitrary: fc
        .record({
          type: fc.constant("weekly" as const),
          days: mostDays,
          hours: hoursList,
          expires: fc.option(near, { nil: undefined, freq: 3 }),
        })
        .map(({ expires, ...b }) => (expires ? { ...b, expires } : b)),
    },
    fc.record({
      type: fc.constant("date" as const),
      dates: fc.uniqueArray(near, { minLength: 1, maxLength: 4 }),
      hours: hoursList,
    }),
    fc
      .record(
        { type: fc.constant("range" as const), start: near, end: near, days, hours: hoursList },
        { requiredKeys: ["type", "start", "end", "hours"] },
      )
      .map((b) => (b.end < b.start ? { ...b, start: b.end, end: b.start } : b)),
  ) as fc.Arbitrary<SchedulingBlock>;
}

function intervalsAround(from: number, max: number): fc.Arbitrary<Interval[]> {
  return fc.array(
    fc
      .tuple(fc.integer({ min: 0, max: (6 * DAY) / (5 * MIN) }), fc.integer({ min: 1, max: 24 }))
      .map(([k, len]) => ({ start: from + k * 5 * MIN, end: from + (k + len) * 5 * MIN })),
    { maxLength: max },
  );
}

export const availabilityInput: fc.Arbitrary<AvailabilityInput> = zoneAndDate.chain(
  ({ zone, date }) => {
    const base = Date.parse(`${date}T00:00:00Z`);
    const near = fc.integer({ min: -2, max: 3 }).map((k) => addDays(date, k));
    const blackout = fc.oneof(
      near,
      fc.tuple(near, near).map(([a, b]) => (a <= b ? { start: a, end: b } : { start: b, end: a })),
    );
    return fc
      .record({
        start: fc
          .integer({ min: 0, max: (3 * DAY) / (5 * MIN) })
          .map((k) => base - 1.5 * DAY + k * 5 * MIN),
        length: fc.integer({ min: 1, max: (4 * DAY) / (5 * MIN) }).map((k) => k * 5 * MIN),
        scheduling: fc.array(blockArb(date), { minLength: 1, maxLength: 3 }),
        blackouts: fc.array(blackout, { maxLength: 1 }),
        notice: fc.option(fc.integer({ min: 0, max: 30 }), { nil: undefined, freq: 2 }),
        limit: fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }),
        nowShift: fc.integer({ min: -3 * 24 * 60, max: 24 * 60 }),
        bookings: intervalsAround(base - 2 * DAY, 5),
        holds: intervalsAround(base - 2 * DAY, 2),
        externalBusy: intervalsAround(base - 2 * DAY, 2),
        before: fc.integer({ min: 0, max: 12 }).map((k) => k * 5),
        after: fc.integer({ min: 0, max: 12 }).map((k) => k * 5),
        focus: fc.array(fc.record({ days, hours: hoursList }), { maxLength: 1 }),
        duration: fc.integer({ min: 1, max: 24 }).map((k) => k * 5),
        step: fc.constantFrom(5, 10, 15, 20, 25, 30, 45, 60, 90),
      })
      .map((r) => ({
        profile: {
          timezone: zone,
          scheduling: r.scheduling,
          blackouts: r.blackouts,
          min_notice_hours: r.notice,
          max_bookings_per_day: r.limit,
        },
        rules: {
          buffer_before_minutes: r.before,
          buffer_after_minutes: r.after,
          focus_blocks: r.focus,
        },
        bookings: r.bookings,
        holds: r.holds,
        externalBusy: r.externalBusy,
        now: r.start + r.nowShift * MIN,
        range: { start: r.start, end: r.start + r.length },
        durationMinutes: r.duration,
        stepMinutes: r.step,
      }));
  },
);
