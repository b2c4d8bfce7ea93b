/**
 * The AgentDraft answers of the `/v1` door: a lost race is a 409 whose body names the
 * winning agent (flat `winning_agent_id`, as AgentDraft clients read it), a rule
 * violation a 422 with `reason_code`. Other doors format the same results their own way.
 */
import type { Conflict, RuleViolation } from "../../booking/index.js";
import { ConflictError, RuleViolationError } from "../../errors.js";
import { isoUtc } from "../../iso-time.js";

export function agentConflictError(conflict: Conflict): ConflictError {
  const { winner } = conflict;
  return new ConflictError(
    winner.kind === "booking"
      ? `The slot is booked by agent ${winner.agentId} (priority ${winner.priority})${winner.frozen ? " and the booking is frozen" : ""}`
      : `The slot is held by agent ${winner.agentId} (priority ${winner.priority})`,
    {
      winning_agent_id: winner.agentId,
      winning_agent_priority: winner.priority,
      winner: {
        kind: winner.kind,
        id: winner.id,
        agent_id: winner.agentId,
        priority: winner.priority,
        start: isoUtc(winner.start),
        end: isoUtc(winner.end),
        frozen: winner.frozen,
      },
      audit_ref: conflict.auditRef,
      suggested_times: conflict.suggestions.map((s) => isoUtc(s.start)),
    },
  );
}

export function violationError(violation: RuleViolation): RuleViolationError {
  return new RuleViolationError(violation.reason, violation.message);
}

/** The result if it is the one wanted; a lost race or a rule violation is thrown as its error. */
export function orThrow<R extends { outcome: string }, O extends R["outcome"]>(
  result: R | Conflict | RuleViolation,
  wanted: O,
): Extract<R, { outcome: O }> {
  if (result.outcome === "conflict") throw agentConflictError(result as Conflict);
  if (result.outcome === "rule_violation") throw violationError(result as RuleViolation);
  if (result.outcome !== wanted) throw new Error(`unexpected outcome ${result.outcome}`);
  return result as Extract<R, { outcome: O }>;
}
