/** Ending a hold or a booking early. */

import type { Booking, Hold } from "../arbiter/index.js";
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

/**
 * `repeat: "first_answer"`: a release or cancellation already done by the same caller
 * answers as it did the first time (from its audit event, with `replay: true`) instead of
 * `hold_not_found` or `409`. Nothing is stored for it: the audit chain is the record.
 */
type Repeat = { repeat?: "first_answer" };

/** The event by which `actor` itself released or cancelled `resource`, if any. */
async function firstEnding(
  deps: BookingDeps,
  username: string,
  resource: string,
  type: "hold.released" | "booking.cancelled",
  actor: string,
) {
  const events = await deps.store.readAudit(username, { resource, afterSeq: 0, limit: 1000 });
  return events.find(
    (e) =>
      e.type === type &&
      e.actor === actor &&
      (e.data.reason === "released" || e.data.reason === "cancelled"),
  );
}

/** An agent releases its own live hold; the admin any hold of a user. */
export async function releaseHold(
  deps: BookingDeps,
  caller: AgentCaller | AdminCaller,
  input: { holdId: string; username?: string } & Repeat,
): Promise<Released> {
  const scope = scopeOf(caller, input.username);
  const outcome = await deps.store.releaseHold(
    scope.username,
    input.holdId,
    scope.ownerAgentId,
    actorOf(caller),
  );
  if (outcome.status === "released" || input.repeat === undefined)
    return releaseResult(outcome, input.holdId);
  const first = await firstEnding(
    deps,
    scope.username,
    input.holdId,
    "hold.released",
    actorOf(caller),
  );
  if (!first) return releaseResult(outcome, input.holdId);
  const h = first.data.hold as Record<string, number | string>;
  const hold: Hold = {
    id: h.hold_id as string,
    agentId: h.agent_id as string,
    priority: h.priority as number,
    start: h.start as number,
    end: h.end as number,
    createdAt: h.created_at as number,
    expiresAt: h.expires_at as number,
  };
  return { outcome: "released", hold, auditRef: first.id, replay: true };
}

/** An agent cancels its own booking; the person and the admin any booking of the calendar. */
export async function cancelBooking(
  deps: BookingDeps,
  caller: AgentCaller | AdminCaller | PersonCaller,
  input: { bookingId: string; username?: string } & Repeat,
): Promise<Cancelled> {
  const scope = scopeOf(caller, input.username);
  const outcome = await deps.store.cancelBooking(
    scope.username,
    input.bookingId,
    scope.ownerAgentId,
    actorOf(caller),
  );
  if (outcome.status === "rejected" && outcome.reason === "not_committed" && input.repeat) {
    const [first, booking] = await Promise.all([
      firstEnding(deps, scope.username, input.bookingId, "booking.cancelled", actorOf(caller)),
      deps.store.getBooking(scope.username, input.bookingId),
    ]);
    if (first && booking)
      return { outcome: "cancelled", booking, auditRef: first.id, replay: true };
  }
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
