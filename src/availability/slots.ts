/**
 * Bookable slots: starts on the local grid (every `step` wall-clock minutes from local
 * midnight; a grid time that does not exist is skipped, an ambiguous one is its earlier
 * instant) whose [start, start + duration) lies wholly inside free time — the schedule
 * minus busy time, buffers and focus blocks — and inside the queried range, starting at
 * or after now + min notice, on a day below the daily booking limit.
 */
import { InvalidRequestError } from "../errors.js";
import { blockedForSlots } from "./busy.js";
import { fullDays } from "./daily-limit.js";
import { expandScheduleOnDays } from "./expand.js";
import { subtractIntervals } from "./intervals.js";
import { gridMinuteToInstant, type LocalDay, localDaysCovering } from "./local-days.js";
import {
  type AvailabilityInput,
  DEFAULT_STEP_MINUTES,
  HOUR_MS,
  type Interval,
  MINUTE_MS,
} from "./types.js";

const MINUTES_PER_DAY = 1440;

function requirePositiveMinutes(value: number, pointer: string): void {
  if (!Number.isInteger(value) || value <= 0 || value > 100_000) {
    throw new InvalidRequestError(`${pointer.slice(1)} must be a positive whole number`, [
      { pointer, message: "must be a positive whole number of minutes" },
    ]);
  }
}

export function listSlots(input: AvailabilityInput): Interval[] {
  const step = input.stepMinutes ?? DEFAULT_STEP_MINUTES;
  requirePositiveMinutes(input.durationMinutes, "/duration_minutes");
  requirePositiveMinutes(step, "/step_minutes");
  const { range, profile } = input;
  const days = localDaysCovering(profile.timezone, range.start, range.end);
  if (days.length === 0) return [];
  const schedule = expandScheduleOnDays(profile, days, range);
  const free = subtractIntervals(schedule, blockedForSlots(input, days));
  const full = fullDays(days, input.bookings, profile.max_bookings_per_day);
  const earliest = input.now + (profile.min_notice_hours ?? 0) * HOUR_MS;
  return gridSlotsInside(free, days, full, input.durationMinutes * MINUTE_MS, step, earliest);
}

/** Grid starts s with [s, s + duration) inside one free interval, s ≥ earliest, day not full. */
function gridSlotsInside(
  free: readonly Interval[],
  days: readonly LocalDay[],
  full: readonly boolean[],
  durationMs: number,
  step: number,
  earliest: number,
): Interval[] {
  const slots: Interval[] = [];
  const stepMs = step * MINUTE_MS;
  let first = 0;
  for (const interval of free) {
    const lo = Math.max(interval.start, earliest);
    const hi = interval.end - durationMs; // the latest start that still fits
    if (lo > hi) continue;
    while (first < days.length && days[first]!.end <= lo) first++;
    for (let d = first; d < days.length && days[d]!.start <= hi; d++) {
      if (full[d]) continue;
      const day = days[d]!;
      if (day.offsetMs !== undefined) {
        // One offset all day: grid instants are evenly spaced from local midnight.
        let k = lo > day.start ? Math.ceil((lo - day.start) / stepMs) : 0;
        for (; k * step < MINUTES_PER_DAY; k++) {
          const start = day.start + k * stepMs;
          if (start > hi) break;
          slots.push({ start, end: start + durationMs });
        }
      } else {
        for (let minute = 0; minute < MINUTES_PER_DAY; minute += step) {
          const start = gridMinuteToInstant(day, minute);
          if (start === undefined || start < lo) continue;
          if (start > hi) break;
          slots.push({ start, end: start + durationMs });
        }
      }
    }
  }
  return slots;
}
