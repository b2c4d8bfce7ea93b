/**
 * `max_bookings_per_day`: a committed booking counts on the local day of its start, and a
 * day that has reached the limit offers no slot starting on it (a slot that starts the day
 * before and runs into it still counts on that earlier day, as its booking would).
 */
import { type LocalDay, localDayAt } from "./local-days.js";
import type { Interval } from "./types.js";

/** Committed bookings per local date ("YYYY-MM-DD") in `zone`. */
export function countBookingsPerLocalDay(
  bookings: readonly Interval[],
  zone: string,
): Map<string, number> {
  const counts = new Map<string, number>();
  let day: LocalDay | undefined;
  for (const booking of bookings) {
    if (!day || booking.start < day.start || booking.start >= day.end) {
      day = localDayAt(zone, booking.start);
    }
    counts.set(day.key, (counts.get(day.key) ?? 0) + 1);
  }
  return counts;
}

/** The index of the day in sorted `days` that holds `instant`, or -1. */
function dayIndexAt(days: readonly LocalDay[], instant: number): number {
  let lo = 0;
  let hi = days.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const day = days[mid]!;
    if (instant < day.start) hi = mid - 1;
    else if (instant >= day.end) lo = mid + 1;
    else return mid;
  }
  return -1;
}

/** For each of `days`, whether its committed bookings have reached `limit`. */
export function fullDays(
  days: readonly LocalDay[],
  bookings: readonly Interval[],
  limit: number | undefined,
): boolean[] {
  const full = new Array<boolean>(days.length).fill(false);
  if (limit === undefined || limit === null) return full;
  const counts = new Array<number>(days.length).fill(0);
  for (const booking of bookings) {
    const index = dayIndexAt(days, booking.start);
    if (index >= 0) counts[index]! += 1;
  }
  for (let i = 0; i < days.length; i++) full[i] = counts[i]! >= limit;
  return full;
}
