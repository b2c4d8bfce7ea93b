/**
 * Scheduling blocks to instants, in the profile's zone.
 *
 * Hours are wall-clock ranges [a, b) on a local date; 24:00 is the next local midnight.
 * Each endpoint is mapped to ONE instant, and the range covers [instant(a), instant(b)):
 * - a wall time that exists once → that instant;
 * - an ambiguous one (fall-back) → the earlier instant (the offset before the change);
 * - a nonexistent one (spring-forward gap) → the first instant after the gap.
 * So a gap contributes nothing ("02:00-03:00" on a US spring-forward day is empty,
 * "01:30-03:30" is 01:30–01:59 EST then 03:00–03:29 EDT), and a range whose end lies after
 * a repeated hour covers both copies of it ("01:00-02:00" on a US fall-back day is two
 * hours: 01:00 EDT to 02:00 EST), while one ending inside it stops in the first copy
 * ("00:00-01:30" ends at 01:30 EDT). The mapping never decreases, so adjacent ranges
 * join seamlessly and unions are the same before or after mapping.
 *
 * Blackouts remove whole local days, [00:00, 24:00) of each date, before anything else.
 */
import { clipIntervals } from "./intervals.js";
import { type LocalDay, localDaysCovering, minuteToInstant } from "./local-days.js";
import {
  compileBlackouts,
  compileScheduling,
  type DayRule,
  type DaySpan,
  isBlackedOut,
  minutesOnDay,
} from "./schedule-rules.js";
import type { AvailabilityProfile, Interval } from "./types.js";

/** Appends [start, end) to sorted `out`, joining it to the last interval when they touch. */
function appendInterval(out: Interval[], start: number, end: number): void {
  if (end <= start) return;
  const last = out[out.length - 1];
  if (last && start <= last.end) {
    if (end > last.end) last.end = end;
  } else {
    out.push({ start, end });
  }
}

/** The rules' hours on each of `days` (skipping `skipDays`), as sorted merged instants. */
export function expandRulesOnDays(
  rules: readonly DayRule[],
  days: readonly LocalDay[],
  skipDays: readonly DaySpan[] = [],
): Interval[] {
  const out: Interval[] = [];
  if (rules.length === 0) return out;
  for (const day of days) {
    if (skipDays.length > 0 && isBlackedOut(skipDays, day.dayNumber)) continue;
    for (const range of minutesOnDay(rules, day)) {
      appendInterval(out, minuteToInstant(day, range.start), minuteToInstant(day, range.end));
    }
  }
  return out;
}

/** The profile's scheduled time on `days` minus blackouts, clipped to `range`. */
export function expandScheduleOnDays(
  profile: AvailabilityProfile,
  days: readonly LocalDay[],
  range: Interval,
): Interval[] {
  const rules = compileScheduling(profile);
  const intervals = expandRulesOnDays(rules, days, compileBlackouts(profile));
  return clipIntervals(intervals, range);
}

/** Free time from the profile's blocks minus its blackouts, within `range`: sorted, merged. */
export function expandSchedule(profile: AvailabilityProfile, range: Interval): Interval[] {
  const days = localDaysCovering(profile.timezone, range.start, range.end);
  return expandScheduleOnDays(profile, days, range);
}
