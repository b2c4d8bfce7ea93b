/**
 * What both stores put in audit events beyond the arbiter's own decisions (which the
 * Lua scripts and memory/calendar.ts build), so the two chains hold the same data.
 */
import { randomToken } from "./ids.js";
import type { CounterProposal } from "./store.js";
import type { Agent } from "./types.js";

/** Event ids of one atomic step share a random prefix and end in a counter. */
export function newEventPrefix(): string {
  return `evt_${randomToken(9)}_`;
}

/** The audit data of an agent change: never its key. */
export function agentData(agent: Agent): Record<string, unknown> {
  return {
    agent_id: agent.id,
    did: agent.did ?? null,
    name: agent.name,
    priority: agent.priority,
    scopes: agent.scopes,
    // Only when set: the events of agents without it keep their earlier shape.
    ...(agent.requiresAck === true && { requires_ack: true }),
  };
}

export function counterData(c: CounterProposal): Record<string, unknown> {
  return {
    accepted_booking_id: c.acceptedBookingId ?? null,
    accepted_index: c.acceptedIndex ?? null,
    booking_id: c.bookingId,
    counter_id: c.id,
    note: c.note ?? null,
    proposed: c.proposed.map((p) => ({ end: p.end, start: p.start })),
    proposed_by: c.proposedBy,
    status: c.status,
  };
}
