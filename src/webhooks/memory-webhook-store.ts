/**
 * Webhook state in this process, for the embedded store. The outbox is read with a
 * cursor per user: one dispatcher reads it, so nothing is shared and nothing is reclaimed.
 */
import type { AuditEvent, Store } from "../arbiter/index.js";
import type {
  Delivery,
  DeliveryPage,
  OutboxBatch,
  Subscription,
  SubscriptionRef,
  WebhookStore,
} from "./types.js";

interface Queue {
  deliveries: Map<number, Delivery>;
  /** seqs due now. */
  ready: Set<number>;
  /** seq → when its retry is due. */
  retry: Map<number, number>;
}

const refKey = (ref: SubscriptionRef) => `${ref.username}/${ref.subscriptionId}`;

export class MemoryWebhookStore implements WebhookStore {
  readonly kind = "memory" as const;
  private readonly subscriptions = new Map<string, Map<string, Subscription>>();
  private readonly owners = new Map<string, string>();
  private readonly watched = new Set<string>();
  /** The last seq persisted, per user. */
  private readonly cursors = new Map<string, number>();
  private readonly queues = new Map<string, Queue>();
  private readonly due = new Map<string, { ref: SubscriptionRef; at: number }>();
  private readonly leases = new Map<string, { owner: string; until: number }>();

  constructor(
    private readonly store: Store,
    private readonly now: () => number,
    private readonly retention = 1000,
  ) {}

  async putSubscription(sub: Subscription): Promise<void> {
    let subs = this.subscriptions.get(sub.username);
    if (!subs) {
      subs = new Map();
      this.subscriptions.set(sub.username, subs);
    }
    subs.set(sub.id, structuredClone(sub));
    // The callbacks subscription has the same id for every user, and no route names it.
    if (sub.kind !== "callbacks") this.owners.set(sub.id, sub.username);
    if (!this.watched.has(sub.username)) {
      this.watched.add(sub.username);
      if (!this.cursors.has(sub.username)) this.cursors.set(sub.username, sub.fromSeq);
    }
  }

  async getSubscription(username: string, id: string): Promise<Subscription | null> {
    return structuredClone(this.subscriptions.get(username)?.get(id) ?? null);
  }

  async ownerOf(id: string): Promise<string | null> {
    return this.owners.get(id) ?? null;
  }

  async listSubscriptions(username: string): Promise<Subscription[]> {
    return [...(this.subscriptions.get(username)?.values() ?? [])]
      .map((s) => structuredClone(s))
      .sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1));
  }

  async updateSubscription(sub: Subscription): Promise<boolean> {
    const subs = this.subscriptions.get(sub.username);
    if (!subs?.has(sub.id)) return false;
    subs.set(sub.id, structuredClone(sub));
    return true;
  }

  async deleteUserSubscriptions(username: string): Promise<number> {
    // Unwatched first, so no outbox read after this point advances its cursor.
    this.watched.delete(username);
    this.cursors.delete(username);
    const subs = this.subscriptions.get(username);
    this.subscriptions.delete(username);
    for (const id of subs?.keys() ?? []) {
      this.owners.delete(id);
      const key = refKey({ username, subscriptionId: id });
      this.queues.delete(key);
      this.due.delete(key);
      this.leases.delete(key);
    }
    return subs?.size ?? 0;
  }

  async deleteSubscription(username: string, id: string): Promise<boolean> {
    if (!this.subscriptions.get(username)?.delete(id)) return false;
    this.owners.delete(id);
    const key = refKey({ username, subscriptionId: id });
    this.queues.delete(key);
    this.due.delete(key);
    // A user with no subscription left is no longer watched; its cursor stays, as the
    // Redis consumer group does.
    if (this.subscriptions.get(username)?.size === 0) this.watched.delete(username);
    return true;
  }

  async watchedUsers(): Promise<string[]> {
    return [...this.watched];
  }

  async claimNewEvents(_consumer: string, usernames: string[], count: number) {
    const batches: OutboxBatch[] = [];
    for (const username of usernames) {
      // A list read before the user was deleted may still name it.
      if (!this.watched.has(username)) continue;
      const afterSeq = this.cursors.get(username) ?? 0;
      // The head is cheap to read; reading the chain is not.
      if ((await this.store.auditHead(username)).seq <= afterSeq) continue;
      const events = await this.store.readAudit(username, { afterSeq, limit: count });
      if (events.length > 0) batches.push({ username, events });
    }
    return batches;
  }

  async claimAbandonedEvents(): Promise<AuditEvent[]> {
    return [];
  }

  async unsealedSince(): Promise<Map<string, number>> {
    return new Map();
  }

  async forgetIdleConsumers(): Promise<void> {}

  async persistDeliveries(
    username: string,
    deliveries: Delivery[],
    ackSeqs: number[],
    now: number,
  ) {
    for (const d of deliveries) {
      const ref = { username, subscriptionId: d.subscriptionId };
      if (!this.subscriptions.get(username)?.has(d.subscriptionId)) continue;
      const queue = this.queue(ref);
      if (queue.deliveries.has(d.seq)) continue;
      queue.deliveries.set(d.seq, structuredClone(d));
      queue.ready.add(d.seq);
      this.trim(queue);
      this.scheduleAt(ref, now);
    }
    // A user deleted while its events were read has no cursor to advance: its next
    // chain starts at seq 1 and must be read from there.
    if (!this.watched.has(username)) return;
    const last = Math.max(this.cursors.get(username) ?? 0, ...ackSeqs);
    this.cursors.set(username, last);
  }

  /** One consumer persists events in order, batch after batch: nothing to wait for. */
  async persistedBelow(): Promise<number | null> {
    return null;
  }

  async dueSubscriptions(now: number, limit: number): Promise<SubscriptionRef[]> {
    return [...this.due.values()]
      .filter((d) => d.at <= now)
      .sort((a, b) => a.at - b.at)
      .slice(0, limit)
      .map((d) => ({ ...d.ref }));
  }

  async acquireLease(ref: SubscriptionRef, owner: string, ms: number): Promise<boolean> {
    const lease = this.leases.get(refKey(ref));
    const now = this.now();
    if (lease && lease.until > now && lease.owner !== owner) return false;
    this.leases.set(refKey(ref), { owner, until: now + ms });
    return true;
  }

  async renewLease(ref: SubscriptionRef, owner: string, ms: number): Promise<boolean> {
    const lease = this.leases.get(refKey(ref));
    if (lease?.owner !== owner) return false;
    lease.until = this.now() + ms;
    return true;
  }

  async releaseLease(ref: SubscriptionRef, owner: string): Promise<void> {
    if (this.leases.get(refKey(ref))?.owner === owner) this.leases.delete(refKey(ref));
  }

  async takeReady(ref: SubscriptionRef, now: number, limit: number): Promise<Delivery[]> {
    const queue = this.queues.get(refKey(ref));
    if (!queue) return [];
    for (const [seq, at] of queue.retry)
      if (at <= now) {
        queue.retry.delete(seq);
        queue.ready.add(seq);
      }
    return [...queue.ready]
      .sort((a, b) => a - b)
      .slice(0, limit)
      .map((seq) => structuredClone(queue.deliveries.get(seq)!));
  }

  async listPending(ref: SubscriptionRef): Promise<Delivery[]> {
    const queue = this.queues.get(refKey(ref));
    if (!queue) return [];
    return [...queue.ready, ...queue.retry.keys()]
      .sort((a, b) => a - b)
      .map((seq) => structuredClone(queue.deliveries.get(seq)!));
  }

  async saveDelivery(ref: SubscriptionRef, delivery: Delivery): Promise<void> {
    const queue = this.queues.get(refKey(ref));
    if (!queue || !this.subscriptions.get(ref.username)?.has(ref.subscriptionId)) return;
    queue.deliveries.set(delivery.seq, structuredClone(delivery));
    queue.ready.delete(delivery.seq);
    queue.retry.delete(delivery.seq);
    if (delivery.status === "pending")
      queue.retry.set(delivery.seq, delivery.nextAttemptAt ?? this.now());
  }

  async reschedule(ref: SubscriptionRef, _now: number, retryReadyAt: number): Promise<void> {
    const key = refKey(ref);
    this.due.delete(key);
    const queue = this.queues.get(key);
    if (!queue) return;
    if (queue.ready.size > 0) this.scheduleAt(ref, retryReadyAt);
    else if (queue.retry.size > 0) this.scheduleAt(ref, Math.min(...queue.retry.values()));
  }

  async listDeliveries(
    ref: SubscriptionRef,
    opts: { beforeSeq?: number; limit: number },
  ): Promise<DeliveryPage> {
    const queue = this.queues.get(refKey(ref));
    const seqs = [...(queue?.deliveries.keys() ?? [])]
      .filter((seq) => opts.beforeSeq === undefined || seq < opts.beforeSeq)
      .sort((a, b) => b - a);
    const page = seqs.slice(0, opts.limit);
    return {
      deliveries: page.map((seq) => structuredClone(queue!.deliveries.get(seq)!)),
      ...(seqs.length > opts.limit && { nextBeforeSeq: page.at(-1) }),
    };
  }

  async close(): Promise<void> {}

  private queue(ref: SubscriptionRef): Queue {
    let queue = this.queues.get(refKey(ref));
    if (!queue) {
      queue = { deliveries: new Map(), ready: new Set(), retry: new Map() };
      this.queues.set(refKey(ref), queue);
    }
    return queue;
  }

  private scheduleAt(ref: SubscriptionRef, at: number): void {
    const current = this.due.get(refKey(ref));
    if (!current || at < current.at) this.due.set(refKey(ref), { ref: { ...ref }, at });
  }

  /** Keeps the newest `retention` deliveries, and every pending one. */
  private trim(queue: Queue): void {
    let excess = queue.deliveries.size - this.retention;
    for (const seq of queue.deliveries.keys()) {
      if (excess <= 0) break;
      if (queue.ready.has(seq) || queue.retry.has(seq)) continue;
      queue.deliveries.delete(seq);
      excess -= 1;
    }
  }
}
