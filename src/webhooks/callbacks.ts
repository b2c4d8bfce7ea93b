/**
 * Peer callbacks (DESIGN "Federation" → "Callbacks"): when a booking asked for from
 * another node with a `callback_url` is confirmed, declined, expires or is cancelled, the
 * node POSTs the outcome to that URL. They leave through the outbox like webhooks: each
 * user has one internal subscription, "callbacks", created on first need, whose
 * deliveries each carry their own URL; so they are persisted, leased, retried on the same
 * backoff and dead-lettered the same way, by whichever node process takes them. Each
 * attempt carries a request token made for it (they live 60 s) instead of webhook
 * signatures. The wire format is in docs/callbacks.md.
 */
import type { AuditEvent, Store } from "../arbiter/index.js";
import { isoUtc } from "../iso-time.js";
import type { Delivery, Subscription, WebhookStore } from "./types.js";

/** The events that call a peer back, when their data names a `callback_url`. */
export const CALLBACK_EVENT_TYPES: readonly string[] = [
  "booking.confirmed",
  "booking.declined",
  "booking.expired",
  "booking.cancelled",
];

/** The id of every user's callbacks subscription (never indexed: it is not addressable). */
export const CALLBACKS_SUBSCRIPTION_ID = "callbacks";

/** Carries the event id on every attempt, so the peer deduplicates redeliveries. */
export const EVENT_ID_HEADER = "calendario-event-id";

/**
 * Makes the bearer token of one callback attempt: a request token for `POST url` whose
 * `bh` covers exactly `body`. Called anew for every attempt.
 */
export type AuthorizeCallback = (url: string, body: string) => Promise<string>;

/** What a callback tells the peer; absent fields were not in the event. */
export interface CallbackBody {
  type: string;
  event_id: string;
  booking_id: string;
  status: "confirmed" | "declined" | "expired" | "cancelled";
  /** When it happened, RFC 3339 UTC. */
  occurred_at: string;
  start_time?: string;
  duration_minutes?: number;
  meeting_url?: string;
  confirmation_message?: string;
  reason?: string;
  message?: string;
  suggested_times?: string[];
  fallback_meeting_url?: string;
}

const STATUS: Record<string, CallbackBody["status"]> = {
  "booking.confirmed": "confirmed",
  "booking.declined": "declined",
  "booking.expired": "expired",
  "booking.cancelled": "cancelled",
};

/** Fields copied as they are when the event's data has them as strings. */
const TEXT_FIELDS = [
  "meeting_url",
  "confirmation_message",
  "reason",
  "message",
  "fallback_meeting_url",
] as const;

/** The URL to call back for this event; undefined when it is not a callback. */
export function callbackUrlOf(event: AuditEvent): string | undefined {
  if (!CALLBACK_EVENT_TYPES.includes(event.type)) return undefined;
  const url = event.data.callback_url;
  return typeof url === "string" && url !== "" ? url : undefined;
}

const instant = (value: unknown): string | undefined =>
  typeof value === "number" ? isoUtc(value) : typeof value === "string" ? value : undefined;

/** The callback's body, from its event; the slot is `start`/`end` (ms) or `start_time`/`duration_minutes`. */
export function callbackBody(event: AuditEvent): CallbackBody {
  const d = event.data;
  const body: CallbackBody = {
    type: event.type,
    event_id: event.id,
    booking_id: String(d.booking_id ?? event.resource),
    status: STATUS[event.type]!,
    occurred_at: isoUtc(event.at),
  };
  const start = instant(d.start) ?? instant(d.start_time);
  if (start !== undefined) body.start_time = start;
  if (typeof d.duration_minutes === "number") body.duration_minutes = d.duration_minutes;
  else if (typeof d.start === "number" && typeof d.end === "number")
    body.duration_minutes = Math.round((d.end - d.start) / 60_000);
  for (const field of TEXT_FIELDS) {
    const value = d[field];
    if (typeof value === "string") body[field] = value;
  }
  if (Array.isArray(d.suggested_times))
    body.suggested_times = d.suggested_times
      .map(instant)
      .filter((t): t is string => t !== undefined);
  return body;
}

/** The delivery of a callback event, to the user's callbacks subscription. */
export function callbackDelivery(
  username: string,
  event: AuditEvent,
  url: string,
  now: number,
): Delivery {
  return {
    subscriptionId: CALLBACKS_SUBSCRIPTION_ID,
    username,
    seq: event.seq,
    eventId: event.id,
    type: event.type,
    url,
    body: JSON.stringify(callbackBody(event)),
    status: "pending",
    attempts: [],
    nextAttemptAt: now,
    createdAt: now,
  };
}

export function isCallbacksSubscription(sub: Subscription): boolean {
  return sub.kind === "callbacks";
}

/**
 * A user's callbacks subscription. It reads the user's chain from its start: created
 * after callback events were written (by the sweep, or on first need), it still finds them.
 */
export function callbacksSubscription(username: string, now: number): Subscription {
  return {
    id: CALLBACKS_SUBSCRIPTION_ID,
    username,
    agentId: null,
    url: "",
    events: [...CALLBACK_EVENT_TYPES],
    secrets: [],
    status: "active",
    fromSeq: 0,
    createdAt: now,
    kind: "callbacks",
  };
}

/**
 * Creates the user's callbacks subscription unless it exists, which watches the user's
 * outbox; two processes creating it at once write the same thing. False when the user
 * is gone: what was just created for it is forgotten again, as Webhooks.forgetUser does,
 * so a deleted user is not watched again.
 */
export async function ensureCallbacksSubscription(
  deps: { webhookStore: WebhookStore; store: Pick<Store, "getUser"> },
  username: string,
  now: number,
): Promise<boolean> {
  const ws = deps.webhookStore;
  if (await ws.getSubscription(username, CALLBACKS_SUBSCRIPTION_ID)) return true;
  await ws.putSubscription(callbacksSubscription(username, now));
  // Checked after the write: a deletion that came first is seen here, and one that comes
  // later is followed by its own forgetUser.
  if (await deps.store.getUser(username)) return true;
  await ws.deleteUserSubscriptions(username);
  return false;
}

export function callbackHeaders(eventId: string, token: string): Record<string, string> {
  return {
    "content-type": "application/json",
    authorization: `Bearer ${token}`,
    [EVENT_ID_HEADER]: eventId,
  };
}
