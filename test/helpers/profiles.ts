/** Profile pieces the tests share. */
import type { Weekday } from "../../src/availability/index.js";

/** The seven weekdays, Monday first. */
export const ALL_DAYS: Weekday[] = [
  "monday",
  "tuesday",
  "wednesday",
  "thursday",
  "friday",
  "saturday",
  "sunday",
];

/** A profile's `scheduling`: open every day, all day. */
export const OPEN_ALL_WEEK = [{ type: "weekly", days: ALL_DAYS, hours: ["00:00-24:00"] }];
