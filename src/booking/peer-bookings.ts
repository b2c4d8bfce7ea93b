/** What another node's requester may do with the booking it asked for: read it, cancel it. */
import type { Booking } from "../arbiter/index.js";
import { ID_RE } from "../arbiter/index.js";
import { NotFoundError } from "../errors.js";
import { actorOf, type PeerCaller } from "./caller.js";
import type { BookingDeps } from "./deps.js";
import { type Cancelled, cancelResult } from "./results.js";

/** The booking, if this requester asked for it; anyone else's is answered as unknown. */
export async function peerBooking(
  deps: BookingDeps,
  caller: PeerCaller,
  input: { username: string; bookingId: string },
): Promise<Booking> {
  const booking = ID_RE.test(input.bookingId)
    ? await deps.store.getBooking(input.username, input.bookingId)
    : null;
  if (!booking || booking.requesterKey !== caller.did)
    throw new NotFoundError(`No booking ${input.bookingId} of this requester`, "booking_not_found");
  return booking;
}

export async function cancelPeerBooking(
  deps: BookingDeps,
  caller: PeerCaller,
  input: { username: string; bookingId: string },
): Promise<Cancelled> {
  const booking = await peerBooking(deps, caller, input);
  const outcome = await deps.store.cancelBooking(
    input.username,
    booking.id,
    booking.agentId,
    actorOf(caller),
  );
  return cancelResult(outcome, booking.id);
}
