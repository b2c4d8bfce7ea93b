/**
 * Availability: a profile's schedule expanded in its own zone, free/busy, bookable slots
 * and suggestions. Pure functions of (profile, rules, busy intervals, now, range).
 */

export type { BusyInput } from "./busy.js";
export { computeBusy } from "./busy.js";
export { countBookingsPerLocalDay } from "./daily-limit.js";
export { expandSchedule } from "./expand.js";
export { mergeIntervals, subtractIntervals } from "./intervals.js";
export { localDayKey } from "./local-days.js";
export {
  type AvailabilityQuery,
  INSTANT_MESSAGE,
  INSTANT_RANGE,
  MAX_RANGE_DAYS,
  parseInstant,
  type ValidAvailabilityQuery,
  validateAvailabilityQuery,
} from "./query.js";
export { listSlots } from "./slots.js";
export { suggestTimes } from "./suggest.js";
export type {
  AvailabilityInput,
  AvailabilityProfile,
  Blackout,
  Booking,
  FocusBlock,
  Interval,
  SchedulingBlock,
  SuggestInput,
  UserRules,
  Weekday,
} from "./types.js";
export { offsetAt } from "./zone-offsets.js";
