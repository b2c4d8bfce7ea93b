/**
 * Availability and free/busy of a stored calendar: the pure engine over the profile,
 * the user's rules, and the bookings and live holds in the store.
 */

import type { Booking, Hold, Store } from "../arbiter/index.js";
import {
  computeBusy,
  type Interval,
  listSlots,
  type ValidAvailabilityQuery,
} from "../availability/index.js";
import { loadCalendar } from "./calendar.js";

/**
 * Bookings that matter to a range: those reaching into it (at most a day long) and those
 * on the local days it touches (daily limit; a local day can be 25 hours).
 */
const LOOKAROUND_MS = 2 * 86_400_000;

/**
 * What occupies a calendar over a range: committed bookings, and everything that blocks
 * a slot without being one — live holds, and requests waiting for the person (which do
 * not count toward the daily limit until accepted).
 */
export async function occupancy(
  store: Store,
  username: string,
  range: Interval,
): Promise<{ bookings: Booking[]; holds: Hold[] }> {
  const [bookings, holds, pending] = await Promise.all([
    store.listBookings(username, range),
    store.listHolds(username, range),
    store.listPending(username, range),
  ]);
  const waiting: Hold[] = pending.map((p) => ({
    id: p.id,
    agentId: p.agentId,
    priority: p.priority,
    start: p.start,
    end: p.end,
    createdAt: p.committedAt,
    expiresAt: p.pendingUntil ?? p.end,
  }));
  return { bookings, holds: [...holds, ...waiting] };
}

export async function availableSlots(
  store: Store,
  username: string,
  query: ValidAvailabilityQuery,
  opts: { excludeAgentId?: string } = {},
): Promise<{ timezone: string; slots: Interval[] }> {
  const view = await loadCalendar(store, username);
  const wide = { start: query.range.start - LOOKAROUND_MS, end: query.range.end + LOOKAROUND_MS };
  const [{ bookings, holds }, now] = await Promise.all([
    occupancy(store, username, wide),
    store.now(username),
  ]);
  const slots = listSlots({
    profile: view.profile,
    rules: view.rules,
    bookings,
    holds: holds.filter((h) => h.agentId !== opts.excludeAgentId),
    now,
    range: query.range,
    durationMinutes: query.durationMinutes,
    stepMinutes: query.stepMinutes,
  });
  return { timezone: view.profile.timezone, slots };
}

export async function freeBusy(
  store: Store,
  username: string,
  range: Interval,
): Promise<{ busy: Interval[]; now: number }> {
  await loadCalendar(store, username);
  const [{ bookings, holds }, now] = await Promise.all([
    occupancy(store, username, range),
    store.now(username),
  ]);
  return { busy: computeBusy({ bookings, holds, range }), now };
}
