/**
 * The counter-proposal decision in memory: the same checks, commit and audit event as
 * redis/lua/decide-counter-17.lua, made synchronously on one calendar.
 */
import { counterData } from "../event-data.js";
import type { CounterDecisionCommand, CounterDecisionOutcome, CounterProposal } from "../store.js";
import type { Calendar } from "./calendar.js";

/** `commitKey`: the accepted slot's commit idempotency key in the calendar, if any. */
export function decideCounter(
  cal: Calendar,
  cmd: CounterDecisionCommand,
  now: number,
  commitKey: string | undefined,
): CounterDecisionOutcome {
  const refuse = (reason: "counter_not_found" | "counter_closed" | "not_owner" | "slot_mismatch") =>
    ({ status: "refused", reason }) as const;
  const counter = cal.counters.get(cmd.counterId);
  const booking = cal.bookings.get(cmd.bookingId);
  if (!counter || counter.bookingId !== cmd.bookingId || !booking)
    return refuse("counter_not_found");
  if (booking.agentId !== cmd.agentId) return refuse("not_owner");
  if (counter.status !== "open") return refuse("counter_closed");

  if (cmd.decision === "reject") {
    const decided: CounterProposal = {
      ...structuredClone(counter),
      status: "rejected",
      decidedAt: now,
    };
    cal.counters.set(decided.id, decided);
    const auditRef = cal.audit(
      now,
      "counter.rejected",
      cmd.actor,
      decided.bookingId,
      counterData(decided),
    );
    return { status: "decided", counter: structuredClone(decided), auditRef };
  }

  const slot = cmd.slotIndex === undefined ? undefined : counter.proposed[cmd.slotIndex];
  const c = cmd.commit;
  if (
    !slot ||
    !c ||
    !Number.isInteger(cmd.slotIndex) ||
    c.username !== cmd.username ||
    c.agentId !== cmd.agentId ||
    c.replaces !== cmd.bookingId ||
    c.start !== slot.start ||
    c.end !== slot.end
  )
    return refuse("slot_mismatch");
  const committed = cal.commit(c, now, commitKey);
  if (committed.status !== "committed") return committed;
  // A replay is the answer to an earlier request with this key, not a move of this booking.
  if (committed.replay) return { status: "rejected", reason: "idempotency_mismatch", replay: true };
  const decided: CounterProposal = {
    ...structuredClone(counter),
    status: "accepted",
    decidedAt: now,
    acceptedIndex: cmd.slotIndex,
    acceptedBookingId: committed.booking.id,
  };
  cal.counters.set(decided.id, decided);
  const auditRef = cal.audit(
    now,
    "counter.accepted",
    cmd.actor,
    decided.bookingId,
    counterData(decided),
  );
  return { status: "decided", counter: structuredClone(decided), commit: committed, auditRef };
}
