/** Free slots to offer a request that lost, and the conflict it is answered with. */
import type { Store, Winner } from "../arbiter/index.js";
import { type Interval, suggestTimes } from "../availability/index.js";
import { occupancy } from "./availability.js";
import type { CalendarView } from "./calendar.js";
import type { Conflict } from "./results.js";

const SEARCH_MS = 7 * 86_400_000;

/** Free slots of the same length near the requested time, nearest first. */
export async function suggestionsFor(
  store: Store,
  view: CalendarView,
  request: Interval,
  now: number,
  excludeAgentId?: string,
  count = 3,
): Promise<Interval[]> {
  const username = view.profile.username as string;
  const durationMinutes = Math.max(5, Math.round((request.end - request.start) / 60_000));
  const window = { start: request.start - SEARCH_MS, end: request.end + SEARCH_MS };
  const { bookings, holds } = await occupancy(store, username, window);
  return suggestTimes({
    profile: view.profile,
    rules: view.rules,
    bookings,
    holds: holds.filter((h) => h.agentId !== excludeAgentId),
    now,
    around: request.start,
    durationMinutes,
    count,
  });
}

/** A lost request: the winner, the winner's latest audit event, and suggestions. */
export async function conflictOf(
  store: Store,
  view: CalendarView,
  winner: Winner,
  request: Interval,
  now: number,
  excludeAgentId?: string,
): Promise<Conflict> {
  const [suggestions, events] = await Promise.all([
    suggestionsFor(store, view, request, now, excludeAgentId),
    store.readAudit(view.profile.username as string, { resource: winner.id }),
  ]);
  return { outcome: "conflict", winner, suggestions, auditRef: events.at(-1)?.id ?? null };
}
