/** Ending a hold or a booking early. */

import type { Booking } from "../arbiter/index.js";
import { type AdminCaller, type AgentCaller, actorOf, type PersonCaller } from "./caller.js";
import type { BookingDeps } from "./deps.js";
import { cancelRemote } from "./meet.js";
import { type Cancelled, cancelResult, type Released, releaseResult } from "./results.js";

/** The calendar a caller acts on, and whose records it may end (undefined: any). */
function scopeOf(caller: AgentCaller | AdminCaller | PersonCaller, username?: string) {
  if (caller.kind === "agent")
    return { username: caller.agent.username, ownerAgentId: caller.agent.id as string | undefined };
  if (caller.kind === "person") return { username: caller.username, ownerAgentId: undefined };
  if (username === undefined) throw new Error("the admin names the user");
  return { username, ownerAgentId: undefined };
}

/** An agent releases its own live hold; the admin any hold of a user. */
export async function releaseHold(
  deps: BookingDeps,
  caller: AgentCaller | AdminCaller,
  input: { holdId: string; username?: string },
): Promise<Released> {
  const scope = scopeOf(caller, input.username);
  const outcome = await deps.store.releaseHold(
    scope.username,
    input.holdId,
    scope.ownerAgentId,
    actorOf(caller),
  );
  return releaseResult(outcome, input.holdId);
}

/** An agent cancels its own booking; the person and the admin any booking of the calendar. */
export async function cancelBooking(
  deps: BookingDeps,
  caller: AgentCaller | AdminCaller | PersonCaller,
  input: { bookingId: string; username?: string },
): Promise<Cancelled> {
  const scope = scopeOf(caller, input.username);
  const outcome = await deps.store.cancelBooking(
    scope.username,
    input.bookingId,
    scope.ownerAgentId,
    actorOf(caller),
  );
  const cancelled = cancelResult(outcome, input.bookingId);
  await cancelRemoteSide(deps, scope.username, cancelled.booking, actorOf(caller));
  return cancelled;
}

/**
 * A meeting booked with someone at another organization is cancelled there too. Best
 * effort: the local cancellation stands whatever the peer answers, and the booking
 * records whether the other side was told.
 */
async function cancelRemoteSide(
  deps: BookingDeps,
  username: string,
  booking: Booking,
  actor: string,
): Promise<void> {
  const { remote } = booking;
  if (!remote || (remote.status !== "confirmed" && remote.status !== "pending")) return;
  const told = await cancelRemote(deps, username, remote).catch(() => false);
  if (told) await deps.store.setRemoteStatus(username, booking.id, { status: "cancelled" }, actor);
}
