/**
 * The person's answer to a request that waited for them: accept (one atomic decision that
 * re-checks overlaps and the daily limit) or decline. The requester is told through the
 * outbox: a callback for another node, a webhook or event for a local agent.
 */
import type { Booking } from "../arbiter/index.js";
import { localDayKey } from "../availability/index.js";
import { ConflictError, NotFoundError } from "../errors.js";
import { loadCalendar } from "./calendar.js";
import { type AdminCaller, actorOf, type PeerCaller, type PersonCaller } from "./caller.js";
import type { BookingDeps } from "./deps.js";
import { type Conflict, type RuleViolation, ruleViolation } from "./results.js";
import { conflictOf } from "./suggestions.js";

export interface DecideInput {
  username: string;
  bookingId: string;
  decision: "accept" | "decline";
  message?: string;
}

export type DecideResult =
  | { outcome: "confirmed" | "declined"; booking: Booking; auditRef: string }
  | Conflict
  | RuleViolation;

/**
 * `caller` is the person (or the admin for them); a peer decides only the local side of
 * an outbound meeting, when the other node's callback tells what its person decided.
 */
export async function decideRequest(
  deps: BookingDeps,
  caller: PersonCaller | AdminCaller | PeerCaller,
  input: DecideInput,
): Promise<DecideResult> {
  const [view, booking, now] = await Promise.all([
    loadCalendar(deps.store, input.username),
    deps.store.getBooking(input.username, input.bookingId),
    deps.store.now(input.username),
  ]);
  if (!booking) throw new NotFoundError(`No booking ${input.bookingId}`, "booking_not_found");
  const outcome = await deps.store.decidePending({
    username: input.username,
    bookingId: booking.id,
    decision: input.decision,
    actor: actorOf(caller),
    dayKey: localDayKey(booking.start, view.profile.timezone),
    maxPerDay: view.profile.max_bookings_per_day ?? 0,
    ...(input.message !== undefined && { message: input.message }),
    ...(caller.kind === "peer" && {
      remoteStatus: input.decision === "accept" ? ("confirmed" as const) : ("declined" as const),
    }),
  });
  switch (outcome.status) {
    case "decided":
      return {
        outcome: input.decision === "accept" ? "confirmed" : "declined",
        booking: outcome.booking,
        auditRef: outcome.auditRef,
      };
    case "refused":
      if (outcome.reason === "booking_not_found")
        throw new NotFoundError(`No booking ${input.bookingId}`, "booking_not_found");
      throw new ConflictError(
        `Booking ${booking.id} is no longer waiting for a decision (it is ${(await deps.store.getBooking(input.username, booking.id))?.status ?? "gone"})`,
      );
    case "conflict":
      return conflictOf(deps.store, view, outcome.winner, booking, now);
    case "rejected":
      return ruleViolation("daily_limit");
  }
}
