/** What a caller may read of a calendar: bookings, one booking, free slots. */
import type { Booking } from "../arbiter/index.js";
import { ID_RE } from "../arbiter/index.js";
import type { Interval, ValidAvailabilityQuery } from "../availability/index.js";
import { NotFoundError } from "../errors.js";
import { availableSlots } from "./availability.js";
import type { AgentCaller, PersonCaller } from "./caller.js";
import type { BookingDeps } from "./deps.js";

const DEFAULT_LIST_DAYS = 90;

function usernameOf(caller: AgentCaller | PersonCaller): string {
  return caller.kind === "agent" ? caller.agent.username : caller.username;
}

/** Committed bookings overlapping the range (default: the next 90 days), and the store's now. */
export async function listBookings(
  deps: BookingDeps,
  caller: AgentCaller | PersonCaller,
  range?: Interval,
): Promise<{ bookings: Booking[]; now: number }> {
  const now = await deps.store.now(usernameOf(caller));
  const wanted = range ?? { start: now, end: now + DEFAULT_LIST_DAYS * 86_400_000 };
  return { bookings: await deps.store.listBookings(usernameOf(caller), wanted), now };
}

export async function getBooking(
  deps: BookingDeps,
  caller: AgentCaller | PersonCaller,
  bookingId: string,
): Promise<{ booking: Booking; now: number }> {
  const [booking, now] = await Promise.all([
    ID_RE.test(bookingId) ? deps.store.getBooking(usernameOf(caller), bookingId) : null,
    deps.store.now(usernameOf(caller)),
  ]);
  if (!booking) throw new NotFoundError(`No booking ${bookingId}`, "booking_not_found");
  return { booking, now };
}

/** Free slots for an agent: its own holds do not hide slots from it (it may commit over them). */
export async function agentAvailability(
  deps: BookingDeps,
  caller: AgentCaller,
  query: ValidAvailabilityQuery,
): Promise<{ timezone: string; slots: Interval[] }> {
  return availableSlots(deps.store, caller.agent.username, query, {
    excludeAgentId: caller.agent.id,
  });
}
