/** The wire form of arbiter records on the `/v1` API: ids with prefixes, ISO 8601 times. */

import type { Agent, Booking, CounterProposal, Hold } from "../../arbiter/index.js";
import { isoUtc } from "../../iso-time.js";

export function holdJson(h: Hold) {
  return {
    hold_id: h.id,
    agent_id: h.agentId,
    priority: h.priority,
    start: isoUtc(h.start),
    end: isoUtc(h.end),
    expires_at: isoUtc(h.expiresAt),
  };
}

export function bookingJson(b: Booking, now: number, auditRef?: string) {
  const details = b.details ?? {};
  return {
    booking_id: b.id,
    status: b.status,
    start: isoUtc(b.start),
    end: isoUtc(b.end),
    agent_id: b.agentId,
    priority: b.priority,
    committed_at: isoUtc(b.committedAt),
    frozen_at: isoUtc(b.frozenAt),
    frozen: now >= b.frozenAt,
    ...(b.holdId !== undefined && { hold_id: b.holdId }),
    ...(b.replaces !== undefined && { replaces: b.replaces }),
    ...(b.endedAt !== undefined && { ended_at: isoUtc(b.endedAt) }),
    ...(b.evictedBy !== undefined && { evicted_by_agent_id: b.evictedBy }),
    ...(b.pendingUntil !== undefined &&
      b.status === "pending" && { expires_at: isoUtc(b.pendingUntil) }),
    ...(b.remote !== undefined && {
      remote: {
        address: b.remote.address,
        booking_id: b.remote.bookingId,
        status: b.remote.status,
      },
    }),
    ...details,
    ...(auditRef !== undefined && { audit_ref: auditRef }),
  };
}

export function counterJson(c: CounterProposal) {
  return {
    counter_id: c.id,
    booking_id: c.bookingId,
    proposed_by: c.proposedBy,
    proposed: c.proposed.map((p) => ({ start: isoUtc(p.start), end: isoUtc(p.end) })),
    ...(c.note !== undefined && { note: c.note }),
    status: c.status,
    created_at: isoUtc(c.createdAt),
    ...(c.decidedAt !== undefined && { decided_at: isoUtc(c.decidedAt) }),
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
    ...(a.requiresAck === true && { requires_ack: true }),
    created_at: isoUtc(a.createdAt),
  };
}
