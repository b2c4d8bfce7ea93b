/**
 * The profile's and the user's rules, checked before a hold or commit reaches the
 * store: a request that breaks one is a 422 with a `reason_code`. The daily limit is
 * not here: it depends on other bookings, so the store checks it atomically.
 */
import {
  type AvailabilityProfile,
  expandSchedule,
  type Interval,
  type UserRules,
} from "../availability/index.js";

export type RuleReason = "blackout" | "outside_schedule" | "insufficient_notice" | "focus_time";

export const RULE_MESSAGES: Record<RuleReason, string> = {
  blackout: "The requested time falls on a blackout day",
  outside_schedule: "The requested time is outside the person's scheduling blocks",
  insufficient_notice: "The requested time starts sooner than the person's minimum notice",
  focus_time: "The requested time overlaps the person's focus time",
};

const DAY_MS = 86_400_000;

function covers(free: readonly Interval[], s: number, e: number): boolean {
  return free.some((f) => f.start <= s && f.end >= e);
}

export function checkBookingRules(
  profile: AvailabilityProfile,
  rules: UserRules | undefined,
  request: Interval,
  now: number,
): RuleReason | undefined {
  const timeless = checkTimelessRules(profile, rules, request);
  if (timeless.beforeNotice) return timeless.beforeNotice;
  if (request.start < now + noticeMs(profile)) return "insufficient_notice";
  return timeless.afterNotice;
}

/** The person's minimum notice in ms. */
export function noticeMs(profile: AvailabilityProfile): number {
  return (profile.min_notice_hours ?? 0) * 3_600_000;
}

/**
 * The rules that do not depend on the time, in checkBookingRules' order around the
 * notice (the one that does): a store can check the notice at its own clock and answer
 * `afterNotice` when the notice holds.
 */
export function checkTimelessRules(
  profile: AvailabilityProfile,
  rules: UserRules | undefined,
  request: Interval,
): { beforeNotice?: "outside_schedule" | "blackout"; afterNotice?: "focus_time" } {
  const { start, end } = request;
  const around = { start: start - DAY_MS, end: end + DAY_MS };
  const withoutBlackouts = expandSchedule({ ...profile, blackouts: [] }, around);
  if (!covers(withoutBlackouts, start, end)) return { beforeNotice: "outside_schedule" };
  if (!covers(expandSchedule(profile, around), start, end)) return { beforeNotice: "blackout" };
  if (rules?.focus_blocks?.length) {
    const focus = expandSchedule(
      {
        timezone: profile.timezone,
        scheduling: rules.focus_blocks.map((f) => ({
          type: "weekly" as const,
          days: f.days,
          hours: f.hours,
        })),
      },
      around,
    );
    if (focus.some((f) => f.start < end && f.end > start)) return { afterNotice: "focus_time" };
  }
  return {};
}
