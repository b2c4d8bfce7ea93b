/**
 * From outbox events to deliveries: each event goes to every active subscription that
 * asked for its type and may see it, as one delivery per subscription.
 */
import type { AuditEvent, Store } from "../arbiter/index.js";
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

/** The deliveries `events` make for the user's subscriptions, persisted; then the events are acknowledged. */
export async function persistOutboxEvents(
  deps: { store: Store; webhookStore: WebhookStore },
  username: string,
  events: AuditEvent[],
  now: number,
): Promise<number> {
  const subscriptions = (await deps.webhookStore.listSubscriptions(username)).filter(
    (s) => s.status === "active",
  );
  const ownerOf = bookingOwnerLookup(deps.store, username);
  const deliveries: Delivery[] = [];
  for (const event of events) {
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
