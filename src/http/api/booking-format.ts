/** A booking in the Calendario confirmation format, as other organizations read it. */
import type { Booking } from "../../arbiter/index.js";
import { isoUtc } from "../../iso-time.js";

const STATUS_ON_THE_WIRE: Record<Booking["status"], string> = {
  committed: "confirmed",
  pending: "pending",
  cancelled: "cancelled",
  evicted: "cancelled",
  declined: "declined",
  expired: "expired",
};

/** What the profile's response channel says to requesters. */
export function confirmChannel(profile: Record<string, unknown>): {
  meetingUrl?: string;
  confirmationMessage?: string;
  errorMessage?: string;
} {
  const channel = (profile.response_channel ?? {}) as Record<string, unknown>;
  const confirm = (channel.confirm ?? {}) as Record<string, unknown>;
  const text = (v: unknown) => (typeof v === "string" && v !== "" ? v : undefined);
  return {
    meetingUrl: text(confirm.static_meeting_url),
    confirmationMessage: text(channel.booking_confirmation_message),
    errorMessage: text(channel.booking_error_message),
  };
}

export function calendarioBooking(booking: Booking, profile: Record<string, unknown>) {
  const channel = confirmChannel(profile);
  const confirmed = booking.status === "committed";
  return {
    status: STATUS_ON_THE_WIRE[booking.status],
    booking_id: booking.id,
    start_time: isoUtc(booking.start),
    duration_minutes: Math.round((booking.end - booking.start) / 60_000),
    ...(confirmed && channel.meetingUrl !== undefined && { meeting_url: channel.meetingUrl }),
    ...(confirmed &&
      channel.confirmationMessage !== undefined && {
        confirmation_message: channel.confirmationMessage,
      }),
    ...(booking.status === "pending" &&
      booking.pendingUntil !== undefined && { expires_at: isoUtc(booking.pendingUntil) }),
  };
}
