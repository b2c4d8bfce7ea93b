/**
 * What another node tells this one about a meeting a local agent asked it for: the
 * person there accepted, declined, let it expire, or cancelled. The local side follows.
 */
import { localDayKey } from "../availability/index.js";
import { ForbiddenError, InvalidRequestError, NotFoundError } from "../errors.js";
import { parseAddress } from "../federation/index.js";
import { didWebForDomain } from "../identity/index.js";
import { loadCalendar } from "./calendar.js";
import { actorOf, type PeerCaller } from "./caller.js";
import { decideRequest } from "./decide.js";
import type { BookingDeps } from "./deps.js";

export type CallbackType =
  | "booking.confirmed"
  | "booking.declined"
  | "booking.expired"
  | "booking.cancelled";

export interface CallbackInput {
  username: string;
  /** The local booking the callback URL names. */
  bookingId: string;
  type: CallbackType;
  /** The peer's booking id, as it told it when asked. */
  remoteBookingId: string;
}

/** `applied` when the local side changed; `unchanged` when it already had (a repeated callback). */
export type CallbackResult = { outcome: "applied" | "unchanged" };

export async function receiveCallback(
  deps: BookingDeps,
  caller: PeerCaller,
  input: CallbackInput,
): Promise<CallbackResult> {
  const booking = await deps.store.getBooking(input.username, input.bookingId);
  if (!booking?.remote)
    throw new NotFoundError(
      `No meeting ${input.bookingId} asked of another node`,
      "booking_not_found",
    );
  const domain = parseAddress(booking.remote.address)?.domain;
  // Only the node that was asked may speak about the meeting.
  if (domain === undefined || caller.did !== didWebForDomain(domain))
    throw new ForbiddenError(
      `This callback must come from the node of ${booking.remote.address}`,
      "requester_unverified",
    );
  if (input.remoteBookingId !== booking.remote.bookingId)
    throw new InvalidRequestError("booking_id is not the booking this node was given", [
      { pointer: "/booking_id", message: "does not match" },
    ]);
  const actor = actorOf(caller);
  switch (input.type) {
    case "booking.confirmed":
    case "booking.declined":
    case "booking.expired": {
      if (booking.status !== "pending") {
        const status = input.type === "booking.confirmed" ? "confirmed" : "declined";
        if (booking.remote.status === status || booking.status !== "committed")
          return { outcome: "unchanged" };
        // Confirmed here already: only the other side's state is news.
        const changed = await deps.store.setRemoteStatus(
          input.username,
          booking.id,
          { status: input.type === "booking.expired" ? "expired" : status },
          actor,
        );
        return { outcome: changed.status === "updated" ? "applied" : "unchanged" };
      }
      const decided = await decideRequest(deps, caller, {
        username: input.username,
        bookingId: booking.id,
        decision: input.type === "booking.confirmed" ? "accept" : "decline",
      });
      if (decided.outcome !== "confirmed" && decided.outcome !== "declined") {
        // They said yes, but this calendar can no longer take it: decline here, undo there.
        const view = await loadCalendar(deps.store, input.username);
        await deps.store.decidePending({
          username: input.username,
          bookingId: booking.id,
          decision: "decline",
          actor,
          dayKey: localDayKey(booking.start, view.profile.timezone),
          maxPerDay: view.profile.max_bookings_per_day ?? 0,
          message: "no longer free on this calendar",
        });
        return { outcome: "applied" };
      }
      if (input.type === "booking.expired")
        await deps.store.setRemoteStatus(input.username, booking.id, { status: "expired" }, actor);
      return { outcome: "applied" };
    }
    case "booking.cancelled": {
      if (booking.status !== "committed" && booking.status !== "pending")
        return { outcome: "unchanged" };
      await deps.store.cancelBooking(input.username, booking.id, undefined, actor);
      await deps.store.setRemoteStatus(input.username, booking.id, { status: "cancelled" }, actor);
      return { outcome: "applied" };
    }
  }
}
