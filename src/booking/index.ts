/** The booking core: every decision about a calendar, whichever door the caller came through. */
export * from "./accounts.js";
export { type AgentSeenRecorder, agentSeenRecorder } from "./agent-seen.js";
export { availableSlots, freeBusy } from "./availability.js";
export { type CalendarView, loadCalendar } from "./calendar.js";
export * from "./callbacks.js";
export * from "./caller.js";
export {
  type CommitInput,
  commitCommand,
  commitResult,
  type HoldInput,
  pendingExpiry,
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

// Decisions, counted by outcome (these names shadow the modules' own exports above).
import { commitBooking as commit, placeHold as hold } from "./commit.js";
import { acceptCounter as accept } from "./counter.js";
import { decideRequest as decide } from "./decide.js";
import { requestMeeting as meet } from "./meet.js";
import { observed } from "./observed.js";
import { requestBooking as peerRequest } from "./peer-request.js";

export type { DecisionKind, DecisionObserver } from "./observed.js";
export const placeHold = observed("hold", hold);
export const commitBooking = observed("commit", commit);
export const requestBooking = observed("peer_request", peerRequest);
export const requestMeeting = observed("meeting", meet);
export const decideRequest = observed("decide_request", decide);
export const acceptCounter = observed("counter_accept", accept);
