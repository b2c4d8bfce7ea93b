/**
 * The engine's own narrow view of a profile and of the node's rules: only what scheduling
 * reads, so the generated profile types (and anything shaped like them) fit without casts.
 */
export type Weekday =
  | "monday"
  | "tuesday"
  | "wednesday"
  | "thursday"
  | "friday"
  | "saturday"
  | "sunday";

export type SchedulingBlock =
  | { type: "weekly"; days: readonly Weekday[]; hours: readonly string[]; expires?: string }
  | { type: "date"; dates: readonly string[]; hours: readonly string[] }
  | {
      type: "range";
      start: string;
      end: string;
      days?: readonly Weekday[];
      hours: readonly string[];
      expires?: string;
    };

/** A local date, or an inclusive span of local dates, `YYYY-MM-DD`. */
export type Blackout = string | { start: string; end: string };

export interface AvailabilityProfile {
  timezone: string;
  scheduling: readonly SchedulingBlock[];
  blackouts?: readonly Blackout[];
  min_notice_hours?: number;
  max_bookings_per_day?: number;
}

export interface FocusBlock {
  days: readonly Weekday[];
  hours: readonly string[];
}

/** Node-level rules: private, so they only remove slots and never show in free/busy. */
export interface UserRules {
  buffer_before_minutes?: number;
  buffer_after_minutes?: number;
  focus_blocks?: readonly FocusBlock[];
}

/** Epoch milliseconds, half-open: [start, end). */
export interface Interval {
  start: number;
  end: number;
}

/** A committed booking: counts toward the daily limit and gets the user's buffers. */
export type Booking = Interval;

export interface AvailabilityInput {
  profile: AvailabilityProfile;
  rules?: UserRules;
  bookings: readonly Booking[];
  /** Live holds: busy, but no buffers and no daily count. */
  holds: readonly Interval[];
  externalBusy?: readonly Interval[];
  now: number;
  range: Interval;
  durationMinutes: number;
  /** Grid step from local midnight; default 15. */
  stepMinutes?: number;
}

export interface SuggestInput extends Omit<AvailabilityInput, "range"> {
  /** The requested start; suggestions are the free slots nearest to it. */
  around: number;
  /** How many suggestions; default 3, at most 50. */
  count?: number;
  /** How far to look on each side of `around`, in days; default 7, clamped to 1–31. */
  searchDays?: number;
  /** Optional outer bound on where suggestions may lie. */
  range?: Interval;
}

export const WEEKDAYS: readonly Weekday[] = [
  "monday",
  "tuesday",
  "wednesday",
  "thursday",
  "friday",
  "saturday",
  "sunday",
];

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;
export const DEFAULT_STEP_MINUTES = 15;
