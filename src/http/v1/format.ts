/** The wire form of arbiter records on the `/v1` API: ids with prefixes, ISO 8601 times. */
import type { Agent, Booking, CounterProposal, Hold } from "../../arbiter/index.js";

const iso = (ms: number) => new Date(ms).toISOString();

export function holdJson(h: Hold) {
  return {
    hold_id: h.id,
    agent_id: h.agentId,
    priority: h.priority,
    start: iso(h.start),
    end: iso(h.end),
    expires_at: iso(h.expiresAt),
  };
}

export function bookingJson(b: Booking, now: number, auditRef?: string) {
  const details = b.details ?? {};
  return {
    booking_id: b.id,
    status: b.status,
    start: iso(b.start),
    end: iso(b.end),
    agent_id: b.agentId,
    priority: b.priority,
    committed_at: iso(b.committedAt),
    frozen_at: iso(b.frozenAt),
    frozen: now >= b.frozenAt,
    ...(b.holdId !== undefined && { hold_id: b.holdId }),
    ...(b.replaces !== undefined && { replaces: b.replaces }),
    ...(b.endedAt !== undefined && { ended_at: iso(b.endedAt) }),
    ...(b.evictedBy !== undefined && { evicted_by_agent_id: b.evictedBy }),
    ...details,
    ...(auditRef !== undefined && { audit_ref: auditRef }),
  };
}

export function counterJson(c: CounterProposal) {
  return {
    counter_id: c.id,
    booking_id: c.bookingId,
    proposed_by: c.proposedBy,
    proposed: c.proposed.map((p) => ({ start: iso(p.start), end: iso(p.end) })),
    ...(c.note !== undefined && { note: c.note }),
    status: c.status,
    created_at: iso(c.createdAt),
    ...(c.decidedAt !== undefined && { decided_at: iso(c.decidedAt) }),
    ...(c.acceptedIndex !== undefined && { accepted_index: c.acceptedIndex }),
    ...(c.acceptedBookingId !== undefined && { accepted_booking_id: c.acceptedBookingId }),
  };
}

export function agentJson(a: Agent) {
  return {
    agent_id: a.id,
    user_id: a.username,
    name: a.name,
    priority: a.priority,
    scopes: a.scopes,
    ...(a.did !== undefined && { did: a.did }),
    created_at: iso(a.createdAt),
  };
}
