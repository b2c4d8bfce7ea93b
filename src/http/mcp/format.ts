/**
 * The MCP door's answers: the `/v1` wire forms, with every instant also labelled in the
 * user's time zone, and lost races and rule violations as results with an `outcome`.
 */
import type { Booking, CounterProposal, Hold } from "../../arbiter/index.js";
import type { Interval } from "../../availability/index.js";
import type { Conflict, MeetConflict, RuleViolation } from "../../booking/index.js";
import { isoLocal, isoUtc } from "../../iso-time.js";
import { bookingJson, counterJson, holdJson } from "../v1/format.js";

export function slotJson(s: Interval, zone: string) {
  return {
    start: isoUtc(s.start),
    end: isoUtc(s.end),
    local_start: isoLocal(s.start, zone),
    local_end: isoLocal(s.end, zone),
  };
}

function labels(i: Interval, zone: string) {
  return { local_start: isoLocal(i.start, zone), local_end: isoLocal(i.end, zone) };
}

export function mcpHold(h: Hold, zone: string) {
  return { ...holdJson(h), ...labels(h, zone) };
}

export function mcpBooking(b: Booking, now: number, zone: string) {
  return { ...bookingJson(b, now), ...labels(b, zone) };
}

export function mcpCounter(c: CounterProposal, zone: string) {
  return { ...counterJson(c), proposed: c.proposed.map((p) => slotJson(p, zone)) };
}

export function conflictJson(c: Conflict, zone: string) {
  const { winner } = c;
  return {
    outcome: "conflict" as const,
    message:
      winner.kind === "booking"
        ? `The slot is booked by agent ${winner.agentId} (priority ${winner.priority})`
        : `The slot is held by agent ${winner.agentId} (priority ${winner.priority})`,
    winner: {
      agent_id: winner.agentId,
      priority: winner.priority,
      kind: winner.kind,
      start: isoUtc(winner.start),
      end: isoUtc(winner.end),
      frozen: winner.frozen,
    },
    suggested_times: c.suggestions.map((s) => slotJson(s, zone)),
    ...(c.auditRef !== null && { audit_ref: c.auditRef }),
  };
}

export function meetConflictJson(c: MeetConflict, zone: string) {
  return {
    outcome: "conflict" as const,
    side: c.side,
    message: c.reason,
    ...(c.winner && { winner: { agent_id: c.winner.agentId, priority: c.winner.priority } }),
    suggested_times: c.suggestions.map((s) => slotJson(s, zone)),
  };
}

export function violationJson(v: RuleViolation) {
  return { outcome: "rule_violation" as const, reason: v.reason, message: v.message };
}
