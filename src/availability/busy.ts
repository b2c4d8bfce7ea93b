/**
 * Busy time. Free/busy shows what others may see — bookings, live holds and external busy
 * time, exactly. Buffers and focus blocks are the user's private rules: they only remove
 * slots and never appear as busy.
 */
import { expandRulesOnDays } from "./expand.js";
import { clipIntervals, mergeIntervals } from "./intervals.js";
import type { LocalDay } from "./local-days.js";
import { compileFocusBlocks } from "./schedule-rules.js";
import { type AvailabilityInput, type Interval, MINUTE_MS } from "./types.js";

export type BusyInput = Pick<AvailabilityInput, "bookings" | "holds" | "externalBusy" | "range">;

/** Bookings, holds and external busy time, merged, clipped to the range. */
export function computeBusy(input: BusyInput): Interval[] {
  const all = [...input.bookings, ...input.holds, ...(input.externalBusy ?? [])];
  return clipIntervals(mergeIntervals(all), input.range);
}

/** Everything a slot must avoid on `days`: busy time, buffers around bookings, focus blocks. */
export function blockedForSlots(input: AvailabilityInput, days: readonly LocalDay[]): Interval[] {
  const before = (input.rules?.buffer_before_minutes ?? 0) * MINUTE_MS;
  const after = (input.rules?.buffer_after_minutes ?? 0) * MINUTE_MS;
  const all: Interval[] = [];
  for (const booking of input.bookings) {
    all.push({ start: booking.start - before, end: booking.end + after });
  }
  for (const hold of input.holds) all.push(hold);
  for (const busy of input.externalBusy ?? []) all.push(busy);
  const focus = compileFocusBlocks(input.rules?.focus_blocks);
  for (const interval of expandRulesOnDays(focus, days)) all.push(interval);
  return mergeIntervals(all);
}
