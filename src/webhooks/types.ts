/**
 * Webhook subscriptions and deliveries, and the WebhookStore that keeps them. Times are
 * epoch milliseconds. The outbox is the users' audit chains: a delivery is made from an
 * audit event, once per subscription that wants it.
 */
import type { AuditEvent } from "../arbiter/index.js";

export interface SigningSecret {
  /** `whsec_` + base64 of 32 random bytes. Kept in clear: HMAC needs it. */
  secret: string;
  createdAt: number;
  /** null for the current secret; a rotated-out secret signs until then. */
  expiresAt: number | null;
}

export interface Subscription {
  id: string;
  username: string;
  /** The agent that subscribed (its own bookings and holds); null: the admin, for all of the user's events. */
  agentId: string | null;
  url: string;
  /** Event types, or `["*"]` for every type the subscriber may see. */
  events: string[];
  /** Newest first. */
  secrets: SigningSecret[];
  status: "active" | "disabled";
  disabledReason?: string;
  /** Only events after this audit seq are delivered: the user's chain head when subscribed. */
  fromSeq: number;
  createdAt: number;
  /**
   * "callbacks": the user's internal subscription carrying peer callbacks (callbacks.ts),
   * whose deliveries each name their own URL. Never listed, counted or managed through
   * the webhook API. Absent for webhook subscriptions.
   */
  kind?: "callbacks";
}

export interface DeliveryAttempt {
  at: number;
  durationMs: number;
  /** The receiver's HTTP status; null when there was none (timeout, network error). */
  statusCode: number | null;
  error: string | null;
}

export type DeliveryStatus = "pending" | "succeeded" | "dead_lettered";

export interface Delivery {
  subscriptionId: string;
  username: string;
  /** The audit event's seq: orders deliveries within a subscription. */
  seq: number;
  eventId: string;
  type: string;
  /** The envelope, fixed when the event leaves the outbox: the same bytes on every attempt. */
  body: string;
  /** A peer callback's URL (the event's `callback_url`); webhooks post to their subscription's. */
  url?: string;
  status: DeliveryStatus;
  attempts: DeliveryAttempt[];
  /** When the next attempt is due; null once the delivery has succeeded or is dead-lettered. */
  nextAttemptAt: number | null;
  /** Why it was dead-lettered without a last attempt of its own (the subscription was disabled). */
  deadLetterReason?: string;
  createdAt: number;
}

export interface SubscriptionRef {
  username: string;
  subscriptionId: string;
}

export interface OutboxBatch {
  username: string;
  events: AuditEvent[];
}

export interface DeliveryPage {
  /** Newest first. */
  deliveries: Delivery[];
  /** Pass as `beforeSeq` for the next page; undefined on the last page. */
  nextBeforeSeq?: number;
}

/**
 * Where webhook state lives. Two implementations: Redis (shared by every node process;
 * the outbox is read through a consumer group) and memory (this process only).
 */
export interface WebhookStore {
  readonly kind: "memory" | "redis";

  /** Creates or replaces a subscription; the user's outbox is watched from then on. */
  putSubscription(sub: Subscription): Promise<void>;
  getSubscription(username: string, id: string): Promise<Subscription | null>;
  /** The user owning a subscription id, for routes that name only the id. */
  ownerOf(id: string): Promise<string | null>;
  listSubscriptions(username: string): Promise<Subscription[]>;
  /**
   * Replaces a subscription that exists (a status change): never creates one, so a
   * subscription deleted meanwhile stays deleted. False when there was none.
   */
  updateSubscription(sub: Subscription): Promise<boolean>;
  /**
   * Removes the subscription with its queue and delivery log; a user left with no
   * subscription is no longer watched. False when there was none.
   */
  deleteSubscription(username: string, id: string): Promise<boolean>;
  /**
   * Forgets a deleted user: every subscription with its queue and delivery log, and the
   * user's place among the watched outboxes (a new chain under the name is read from its
   * start). Returns how many subscriptions there were.
   */
  deleteUserSubscriptions(username: string): Promise<number>;

  /** Users whose outbox is consumed: those who have (or had) a subscription. */
  watchedUsers(): Promise<string[]>;
  /** New outbox events for this consumer; each is handed to one consumer only. */
  claimNewEvents(consumer: string, usernames: string[], count: number): Promise<OutboxBatch[]>;
  /** Events another consumer took and did not acknowledge within `minIdleMs` (it died). */
  claimAbandonedEvents(
    consumer: string,
    username: string,
    minIdleMs: number,
    count: number,
  ): Promise<AuditEvent[]>;
  /**
   * Of these users, those whose audit chain has events appended but not sealed yet, each
   * with the time (`at`) of the oldest. The outbox reads sealed events only, so the
   * dispatcher seals chains a dead process left pending. Memory: always empty (its chain
   * is sealed as it is appended, in this process).
   */
  unsealedSince(usernames: string[]): Promise<Map<string, number>>;
  /** Removes consumers idle for `idleMs` with nothing pending (processes long gone). */
  forgetIdleConsumers(username: string, idleMs: number): Promise<void>;
  /**
   * Persists deliveries (a delivery that already exists is left as it is), schedules
   * their subscriptions, then acknowledges the events `ackSeqs`.
   */
  persistDeliveries(
    username: string,
    deliveries: Delivery[],
    ackSeqs: number[],
    now: number,
  ): Promise<void>;
  /**
   * A seq below which every outbox event of the user has been persisted (by any consumer);
   * null when there is no such bound to respect.
   */
  persistedBelow(username: string): Promise<number | null>;

  /** Subscriptions with a delivery due at `now`, earliest first. */
  dueSubscriptions(now: number, limit: number): Promise<SubscriptionRef[]>;
  /** One sender per subscription at a time: true when `owner` now holds it. */
  acquireLease(ref: SubscriptionRef, owner: string, ms: number): Promise<boolean>;
  renewLease(ref: SubscriptionRef, owner: string, ms: number): Promise<boolean>;
  releaseLease(ref: SubscriptionRef, owner: string): Promise<void>;
  /** Due deliveries in seq order: retries whose time has come join the new ones. */
  takeReady(ref: SubscriptionRef, now: number, limit: number): Promise<Delivery[]>;
  /** Pending deliveries (ready or waiting for a retry), in seq order. */
  listPending(ref: SubscriptionRef): Promise<Delivery[]>;
  /** Saves a delivery after an attempt; a pending one waits for `nextAttemptAt`. */
  saveDelivery(ref: SubscriptionRef, delivery: Delivery): Promise<void>;
  /** Re-files the subscription in the schedule after a pass: at once, at its next retry, or not at all. */
  reschedule(ref: SubscriptionRef, now: number, retryReadyAt: number): Promise<void>;
  listDeliveries(
    ref: SubscriptionRef,
    opts: { beforeSeq?: number; limit: number },
  ): Promise<DeliveryPage>;

  close(): Promise<void>;
}
