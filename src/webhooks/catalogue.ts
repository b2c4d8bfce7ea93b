/**
 * The events a subscriber can receive, and whose they are. An agent receives the events
 * of its own bookings, holds and counter-proposals; the admin, subscribing for a user,
 * may receive every type here.
 */
import type { AuditEvent } from "../arbiter/index.js";

export type Audience = "agent" | "user";

export interface EventTypeInfo {
  type: string;
  /** "agent": an agent may subscribe (for its own resources); "user": only the admin. */
  audience: Audience;
  description: string;
}

export const EVENT_CATALOGUE: readonly EventTypeInfo[] = [
  {
    type: "booking.committed",
    audience: "agent",
    description: "A booking was committed (a new one, or one that replaced another).",
  },
  {
    type: "booking.evicted",
    audience: "agent",
    description:
      "A higher-priority agent took the slot inside the bump window (reason priority_bump).",
  },
  {
    type: "booking.cancelled",
    audience: "agent",
    description: "A booking was cancelled, or replaced by an accepted counter-proposal.",
  },
  {
    type: "booking.requested",
    audience: "agent",
    description:
      "A booking request waits for the person's acknowledgement (a pending booking that blocks the slot).",
  },
  {
    type: "booking.confirmed",
    audience: "agent",
    description: "The person accepted a pending booking request: it is booked.",
  },
  {
    type: "booking.declined",
    audience: "agent",
    description: "The person declined a pending booking request.",
  },
  {
    type: "booking.expired",
    audience: "agent",
    description: "A pending booking request was not decided in time.",
  },
  {
    type: "booking.remote_updated",
    audience: "agent",
    description:
      "The node of the person booked elsewhere answered (its callback): the booking's remote status changed.",
  },
  {
    type: "hold.invalidated",
    audience: "agent",
    description: "A commit of equal or higher priority displaced the hold.",
  },
  {
    type: "counter.proposed",
    audience: "agent",
    description: "Alternative slots were proposed for a booking.",
  },
  {
    type: "counter.accepted",
    audience: "agent",
    description: "The booking's agent accepted a proposed slot.",
  },
  {
    type: "counter.rejected",
    audience: "agent",
    description: "The booking's agent rejected a counter-proposal.",
  },
  {
    type: "mention.created",
    audience: "agent",
    description: "The person asked this agent to do something (a mention, status sent).",
  },
  {
    type: "suggestion.accepted",
    audience: "agent",
    description:
      "The person accepted one slot of this agent's suggestion: it is booked as the agent (booking_id).",
  },
  {
    type: "suggestion.rejected",
    audience: "agent",
    description: "The person rejected this agent's suggestion (with their message, if any).",
  },
  { type: "mention.done", audience: "user", description: "An agent marked a mention done." },
  {
    type: "suggestion.created",
    audience: "user",
    description: "An agent proposed slots to the person (a suggestion, status open).",
  },
  { type: "hold.created", audience: "user", description: "An agent placed a hold." },
  {
    type: "hold.released",
    audience: "user",
    description: "A hold was released by its agent, or consumed by its commit.",
  },
  { type: "profile.updated", audience: "user", description: "The user's profile changed." },
  { type: "profile.deleted", audience: "user", description: "The user was removed." },
  { type: "rules.updated", audience: "user", description: "The user's booking rules changed." },
  { type: "agent.created", audience: "user", description: "An agent was added for the user." },
  { type: "agent.updated", audience: "user", description: "An agent's name or rank changed." },
  { type: "agent.revoked", audience: "user", description: "An agent and its key were revoked." },
];

const BY_TYPE = new Map(EVENT_CATALOGUE.map((info) => [info.type, info]));

export function eventTypeInfo(type: string): EventTypeInfo | undefined {
  return BY_TYPE.get(type);
}

/** The types a subscriber of this audience may ask for. */
export function typesFor(audience: Audience): string[] {
  return EVENT_CATALOGUE.filter((e) => audience === "user" || e.audience === "agent").map(
    (e) => e.type,
  );
}

/** Counter events name the booking, not its agent: the caller looks the owner up. */
export function needsBookingOwner(event: AuditEvent): string | undefined {
  return event.type.startsWith("counter.") ? str(event.data.booking_id) : undefined;
}

/**
 * Whether the event is about one of this agent's own bookings, holds or
 * counter-proposals. `bookingOwner` is the agent of the booking a counter event names.
 */
export function concernsAgent(event: AuditEvent, agentId: string, bookingOwner?: string): boolean {
  const data = event.data;
  switch (event.type) {
    case "hold.invalidated":
    case "hold.released":
      return str((data.hold as Record<string, unknown> | undefined)?.agent_id) === agentId;
    case "counter.proposed":
    case "counter.accepted":
    case "counter.rejected":
      return str(data.proposed_by) === agentId || bookingOwner === agentId;
    default:
      return str(data.agent_id) === agentId;
  }
}

/** Whether a subscription's `events` (possibly `["*"]`) include the type. */
export function subscribedTo(events: string[], type: string): boolean {
  return events.includes("*") || events.includes(type);
}

/**
 * Whether a subscriber sees the event: the admin (agentId null) sees every catalogued
 * event of the user; an agent, the agent-audience events about its own resources.
 */
export function visibleTo(event: AuditEvent, agentId: string | null, bookingOwner?: string) {
  const info = BY_TYPE.get(event.type);
  if (!info) return false;
  if (agentId === null) return true;
  return info.audience === "agent" && concernsAgent(event, agentId, bookingOwner);
}

function str(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}
