/** The booking core: every decision about a calendar, whichever door the caller came through. */
export * from "./accounts.js";
export { availableSlots, freeBusy } from "./availability.js";
export { type CalendarView, loadCalendar } from "./calendar.js";
export * from "./callbacks.js";
export * from "./caller.js";
export {
  type CommitInput,
  commitBooking,
  commitCommand,
  commitResult,
  type HoldInput,
  pendingExpiry,
  placeHold,
} from "./commit.js";
export * from "./counter.js";
export * from "./decide.js";
export type {
  AgentActivity,
  BookingDeps,
  BookingSettings,
  RequestNotifier,
} from "./deps.js";
export { fingerprint } from "./fingerprint.js";
export * from "./meet.js";
export * from "./peer-bookings.js";
export * from "./peer-request.js";
export * from "./pending-sweeper.js";
export * from "./queries.js";
export * from "./release-cancel.js";
export * from "./results.js";
export { checkBookingRules, RULE_MESSAGES, type RuleReason } from "./rules.js";
export { type WhoAmI, whoami } from "./whoami.js";
