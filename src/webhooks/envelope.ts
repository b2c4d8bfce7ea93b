/**
 * The webhook envelope `{type, created, data: {id, object}}` made from an audit event:
 * `data.id` is the event's id, so a receiver can deduplicate redeliveries, and `object`
 * is the resource in the `/v1` wire form (prefixed ids, ISO 8601 times).
 */

import type { AuditEvent } from "../arbiter/index.js";
import { isoUtc } from "../iso-time.js";

export interface WebhookEnvelope {
  type: string;
  /** Unix seconds of the change. */
  created: number;
  data: { id: string; object: Record<string, unknown> };
}

type Data = Record<string, unknown>;

const iso = (ms: unknown) => (typeof ms === "number" ? isoUtc(ms) : null);

function bookingObject(username: string, d: Data, status: string): Data {
  return {
    object: "booking",
    booking_id: d.booking_id,
    user_id: username,
    agent_id: d.agent_id,
    priority: d.priority,
    start: iso(d.start),
    end: iso(d.end),
    status,
  };
}

function holdObject(username: string, hold: Data, status: string): Data {
  return {
    object: "hold",
    hold_id: hold.hold_id,
    user_id: username,
    agent_id: hold.agent_id,
    priority: hold.priority,
    start: iso(hold.start),
    end: iso(hold.end),
    expires_at: iso(hold.expires_at),
    status,
  };
}

function counterObject(username: string, d: Data): Data {
  const proposed = Array.isArray(d.proposed) ? (d.proposed as Data[]) : [];
  return {
    object: "counter_proposal",
    counter_id: d.counter_id,
    booking_id: d.booking_id,
    user_id: username,
    proposed_by: d.proposed_by,
    proposed: proposed.map((p) => ({ start: iso(p.start), end: iso(p.end) })),
    ...(d.note != null && { note: d.note }),
    status: d.status,
    ...(d.accepted_index != null && { accepted_index: d.accepted_index }),
    ...(d.accepted_booking_id != null && { accepted_booking_id: d.accepted_booking_id }),
  };
}

/** The states of a pending booking's events. */
const REQUEST_STATUS: Record<string, string> = {
  "booking.requested": "pending",
  "booking.confirmed": "confirmed",
  "booking.declined": "declined",
  "booking.expired": "expired",
};

/**
 * A pending booking's event: the booking, then the event's particulars as written, with
 * `*_at` instants in ISO form.
 */
function requestObject(username: string, d: Data, status: string): Data {
  const { agent_id, booking_id, priority, start, end, ...rest } = d;
  const particulars = Object.entries(rest).map(([key, value]) => [
    key,
    key.endsWith("_at") && typeof value === "number" ? iso(value) : value,
  ]);
  return { ...bookingObject(username, d, status), ...Object.fromEntries(particulars) };
}

/** The resource an event is about, as a receiver sees it. */
export function eventObject(username: string, event: AuditEvent): Data {
  const d = event.data;
  switch (event.type) {
    case "booking.committed": {
      const details = d.details && typeof d.details === "object" ? (d.details as Data) : {};
      return {
        ...bookingObject(username, d, "committed"),
        committed_at: iso(d.committed_at),
        frozen_at: iso(d.frozen_at),
        ...(d.hold_id !== undefined && { hold_id: d.hold_id }),
        ...(d.replaces !== undefined && { replaces: d.replaces }),
        ...details,
      };
    }
    case "booking.evicted":
      return {
        ...bookingObject(username, d, "evicted"),
        reason: d.reason,
        evicted_by_agent_id: d.evicted_by_agent_id,
        evicted_by_booking_id: d.evicted_by_booking_id,
      };
    case "booking.cancelled":
      return {
        ...bookingObject(username, d, "cancelled"),
        reason: d.reason,
        ...(d.replaced_by !== undefined && { replaced_by: d.replaced_by }),
      };
    case "booking.requested":
    case "booking.confirmed":
    case "booking.declined":
    case "booking.expired":
      return requestObject(username, d, REQUEST_STATUS[event.type]!);
    case "hold.created":
      return holdObject(username, d, "held");
    case "hold.invalidated":
      return {
        ...holdObject(username, (d.hold ?? {}) as Data, "invalidated"),
        reason: d.reason,
        by_agent_id: d.by_agent_id,
        booking_id: d.booking_id,
      };
    case "hold.released":
      return {
        ...holdObject(username, (d.hold ?? {}) as Data, "released"),
        reason: d.reason,
        ...(d.booking_id !== undefined && { booking_id: d.booking_id }),
      };
    case "counter.proposed":
    case "counter.accepted":
    case "counter.rejected":
      return counterObject(username, d);
    default:
      // Profile, rules, agent and future events: their audit data is already wire-shaped.
      return { object: event.type.split(".")[0], user_id: username, ...d };
  }
}

export function envelopeOf(username: string, event: AuditEvent): WebhookEnvelope {
  return {
    type: event.type,
    created: Math.floor(event.at / 1000),
    data: { id: event.id, object: eventObject(username, event) },
  };
}
