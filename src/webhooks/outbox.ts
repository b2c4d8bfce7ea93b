/**
 * From outbox events to deliveries: each event goes to every active subscription that
 * asked for its type and may see it, as one delivery per subscription; a peer callback
 * goes to the user's callbacks subscription, as a delivery to its own URL.
 */
import type { AuditEvent, Store } from "../arbiter/index.js";
import type { Logger } from "../logger.js";
import {
  callbackDelivery,
  callbackUrlOf,
  ensureCallbacksSubscription,
  isCallbacksSubscription,
} from "./callbacks.js";
import { needsBookingOwner, subscribedTo, visibleTo } from "./catalogue.js";
import { envelopeOf } from "./envelope.js";
import type { Delivery, WebhookStore } from "./types.js";

/** Looks up the agents of the bookings that counter events name, once per booking. */
export function bookingOwnerLookup(store: Store, username: string) {
  const owners = new Map<string, Promise<string | undefined>>();
  return (event: AuditEvent): Promise<string | undefined> => {
    const bookingId = needsBookingOwner(event);
    if (bookingId === undefined) return Promise.resolve(undefined);
    let owner = owners.get(bookingId);
    if (!owner) {
      owner = store.getBooking(username, bookingId).then((b) => b?.agentId);
      owners.set(bookingId, owner);
    }
    return owner;
  };
}

export interface OutboxDeps {
  store: Store;
  webhookStore: WebhookStore;
  logger: Logger;
  /** Whether this node sends peer callbacks (it was given `authorizeCallback`). */
  callbacks: boolean;
}

/** The deliveries `events` make for the user's subscriptions, persisted; then the events are acknowledged. */
export async function persistOutboxEvents(
  deps: OutboxDeps,
  username: string,
  events: AuditEvent[],
  now: number,
): Promise<number> {
  const subscriptions = (await deps.webhookStore.listSubscriptions(username)).filter(
    (s) => s.status === "active" && !isCallbacksSubscription(s),
  );
  const ownerOf = bookingOwnerLookup(deps.store, username);
  const deliveries: Delivery[] = [];
  let callbacksReady: boolean | undefined;
  for (const event of events) {
    const callbackUrl = callbackUrlOf(event);
    if (callbackUrl !== undefined && !deps.callbacks)
      deps.logger.warn(
        { username, event: event.id, type: event.type },
        "peer callback skipped: this node has no authorizeCallback",
      );
    else if (callbackUrl !== undefined) {
      // Before its first delivery is persisted: persisting needs the subscription.
      callbacksReady ??= await ensureCallbacksSubscription(deps, username, now);
      if (callbacksReady) deliveries.push(callbackDelivery(username, event, callbackUrl, now));
    }
    const wanting = subscriptions.filter(
      (s) => event.seq > s.fromSeq && subscribedTo(s.events, event.type),
    );
    if (wanting.length === 0) continue;
    const owner = await ownerOf(event);
    let body: string | undefined;
    for (const sub of wanting) {
      if (!visibleTo(event, sub.agentId, owner)) continue;
      body ??= JSON.stringify(envelopeOf(username, event));
      deliveries.push({
        subscriptionId: sub.id,
        username,
        seq: event.seq,
        eventId: event.id,
        type: event.type,
        body,
        status: "pending",
        attempts: [],
        nextAttemptAt: now,
        createdAt: now,
      });
    }
  }
  await deps.webhookStore.persistDeliveries(
    username,
    deliveries,
    events.map((e) => e.seq),
    now,
  );
  return deliveries.length;
}
