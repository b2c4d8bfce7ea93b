/**
 * Decisions on pending bookings in memory: the same checks, writes and audit events as
 * redis/lua/decide-pending-16.lua and set-remote-status-16.lua, made synchronously on
 * one calendar.
 */
import type {
  PendingDecisionCommand,
  PendingDecisionOutcome,
  RemoteStatusOutcome,
} from "../store.js";
import type { RemoteStatus, Winner } from "../types.js";
import { bookingRef, bookingStateData, partiesData, requestEndData } from "./booking-data.js";
import { type Calendar, stronger, winnerOf } from "./calendar.js";

const overlaps = (a: { start: number; end: number }, s: number, e: number) =>
  a.end > s && a.start < e;

export function decidePending(
  cal: Calendar,
  cmd: PendingDecisionCommand,
  now: number,
): PendingDecisionOutcome {
  cal.purgeExpiredHolds(now);
  cal.expirePending(now);
  const b = cal.bookings.get(cmd.bookingId);
  if (!b) return { status: "refused", reason: "booking_not_found" };
  if (b.status !== "pending") return { status: "refused", reason: "not_pending" };

  if (cmd.decision === "accept") {
    let winner: Winner | undefined;
    for (const o of cal.activeOverlapping(b.start, b.end)) {
      if (o.id === b.id) continue;
      const w = winnerOf("booking", o, now);
      if (stronger(w, winner)) winner = w;
    }
    for (const h of cal.holds.values()) {
      if (h.agentId === b.agentId || !overlaps(h, b.start, b.end)) continue;
      const w = winnerOf("hold", h, now);
      if (stronger(w, winner)) winner = w;
    }
    if (winner) return { status: "conflict", winner };
    if (cmd.maxPerDay > 0 && (cal.dayCount.get(cmd.dayKey) ?? 0) >= cmd.maxPerDay)
      return { status: "rejected", reason: "daily_limit" };

    cal.setStatus(b, "committed");
    b.committedAt = now;
    b.frozenAt = now;
    b.dayKey = cmd.dayKey;
    if (cmd.remoteStatus !== undefined && b.remote) b.remote.status = cmd.remoteStatus;
    cal.dayCount.set(b.dayKey, (cal.dayCount.get(b.dayKey) ?? 0) + 1);
    const auditRef = cal.audit(now, "booking.confirmed", cmd.actor, b.id, {
      ...bookingStateData(b),
      ...(cmd.message !== undefined && { message: cmd.message }),
    });
    return { status: "decided", booking: structuredClone(b), auditRef };
  }

  if (cmd.remoteStatus !== undefined && b.remote) b.remote.status = cmd.remoteStatus;
  cal.setStatus(b, "declined");
  b.endedAt = now;
  const auditRef = cal.audit(now, "booking.declined", cmd.actor, b.id, {
    ...requestEndData(b),
    message: cmd.message ?? null,
  });
  return { status: "decided", booking: structuredClone(b), auditRef };
}

export function setRemoteStatus(
  cal: Calendar,
  bookingId: string,
  status: Exclude<RemoteStatus, "pending">,
  actor: string,
  now: number,
): RemoteStatusOutcome {
  cal.expirePending(now);
  const b = cal.bookings.get(bookingId);
  if (!b) return { status: "refused", reason: "booking_not_found" };
  if (!b.remote) return { status: "refused", reason: "no_remote" };
  if (b.remote.status === status) return { status: "unchanged", booking: structuredClone(b) };
  const previous = b.remote.status;
  b.remote.status = status;
  const auditRef = cal.audit(now, "booking.remote_updated", actor, b.id, {
    ...bookingRef(b),
    previous_remote_status: previous,
    ...partiesData(b),
  });
  return { status: "updated", booking: structuredClone(b), auditRef };
}
