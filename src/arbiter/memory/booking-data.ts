/**
 * The audit data of holds and bookings, as the Lua scripts build it (core/common.lua,
 * core/pending.lua): the same members, so both stores' chains hold the same bytes.
 */
import type { Booking, Hold, RemoteSide } from "../types.js";

export function holdData(h: Hold) {
  return {
    agent_id: h.agentId,
    created_at: h.createdAt,
    end: h.end,
    expires_at: h.expiresAt,
    hold_id: h.id,
    priority: h.priority,
    start: h.start,
  };
}

/** The fields every booking event carries. */
export function bookingRef(b: Booking) {
  return {
    agent_id: b.agentId,
    booking_id: b.id,
    end: b.end,
    priority: b.priority,
    start: b.start,
  };
}

function remoteData(r: RemoteSide) {
  return { address: r.address, booking_id: r.bookingId, status: r.status };
}

/** Who asked, where to call back and the remote side, each when the booking has it. */
export function partiesData(b: Booking) {
  return {
    ...(b.requesterKey !== undefined && { requester: b.requesterKey }),
    ...(b.callbackUrl !== undefined && { callback_url: b.callbackUrl }),
    ...(b.remote !== undefined && { remote: remoteData(b.remote) }),
  };
}

/** booking.committed, booking.requested, booking.confirmed: the booking as it now stands. */
export function bookingStateData(b: Booking) {
  return {
    ...bookingRef(b),
    committed_at: b.committedAt,
    details: b.details ?? null,
    frozen_at: b.frozenAt,
    ...(b.holdId !== undefined && { hold_id: b.holdId }),
    ...(b.replaces !== undefined && { replaces: b.replaces }),
    ...partiesData(b),
  };
}

/** booking.expired and booking.declined: a request that ended unaccepted. */
export function requestEndData(b: Booking) {
  return {
    ...bookingRef(b),
    callback_url: b.callbackUrl ?? null,
    expires_at: b.pendingUntil!,
    requester: b.requesterKey ?? null,
    ...(b.remote !== undefined && { remote: remoteData(b.remote) }),
  };
}
