/**
 * Webhook state in Redis, shared by every node process. The outbox is read through a
 * consumer group (outbox-group.ts). Deliveries wait in per-subscription queues; a global
 * schedule says which subscription has something due, and a lease lets one sender at a
 * time work on a subscription, which keeps its deliveries in seq order.
 */
import type { AuditEvent, RedisTarget } from "../../arbiter/index.js";
import type {
  Delivery,
  DeliveryPage,
  Subscription,
  SubscriptionRef,
  WebhookStore,
} from "../types.js";
import { connectWebhookClient, type WebhookRedisClient } from "./client.js";
import {
  DUE_KEY,
  dueMember,
  entryId,
  parseDueMember,
  queueKeys,
  SUBSCRIPTION_INDEX_KEY,
  subscriptionsKey,
  WATCHED_USERS_KEY,
} from "./keys.js";
import { OutboxGroup } from "./outbox-group.js";
import { unsealedSince } from "./unsealed-heads.js";

export interface RedisWebhookStoreOptions {
  /** Deliveries kept per subscription for the API (pending ones are always kept). */
  retention?: number;
}

export class RedisWebhookStore implements WebhookStore {
  readonly kind = "redis" as const;
  private readonly outbox: OutboxGroup;

  private constructor(
    private readonly client: WebhookRedisClient,
    private readonly retention: number,
    /** False when the node's shared connection was lent: its owner closes it. */
    private readonly ownsClient: boolean,
  ) {
    this.outbox = new OutboxGroup(client);
  }

  /** A store on a connection of its own (a Redis URL, or a cluster), closed with the store. */
  static async connect(target: RedisTarget | string, opts: RedisWebhookStoreOptions = {}) {
    const client = await connectWebhookClient(target);
    return new RedisWebhookStore(client, opts.retention ?? 1000, true);
  }

  /** A store on the node's shared connection, which must carry `webhookScripts()`. */
  static fromClient(client: WebhookRedisClient, opts: RedisWebhookStoreOptions = {}) {
    return new RedisWebhookStore(client, opts.retention ?? 1000, false);
  }

  /**
   * The user's keys and the global ones (watched users, subscription index) are in
   * different cluster slots, so they are written in steps, the subscription itself last:
   * a crash before it leaves at most a watch and an index entry naming no subscription,
   * which readers take as absent. The user is watched again after the write, because a
   * concurrent removal of its last subscription may have dropped the first watch.
   */
  async putSubscription(sub: Subscription): Promise<void> {
    await this.outbox.create(sub.username, entryId(sub.fromSeq));
    await this.client.sAdd(WATCHED_USERS_KEY, sub.username);
    // The callbacks subscription has the same id for every user, and no route names it.
    if (sub.kind !== "callbacks")
      await this.client.hSet(SUBSCRIPTION_INDEX_KEY, sub.id, sub.username);
    await this.client.hSet(subscriptionsKey(sub.username), sub.id, JSON.stringify(sub));
    await this.client.sAdd(WATCHED_USERS_KEY, sub.username);
  }

  async getSubscription(username: string, id: string): Promise<Subscription | null> {
    const raw = await this.client.hGet(subscriptionsKey(username), id);
    return raw ? JSON.parse(raw) : null;
  }

  async ownerOf(id: string): Promise<string | null> {
    return (await this.client.hGet(SUBSCRIPTION_INDEX_KEY, id)) ?? null;
  }

  async listSubscriptions(username: string): Promise<Subscription[]> {
    const all = (await this.client.hVals(subscriptionsKey(username))).map(
      (raw) => JSON.parse(raw) as Subscription,
    );
    return all.sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1));
  }

  async updateSubscription(sub: Subscription): Promise<boolean> {
    const updated = await this.client.updateSubscription(
      [subscriptionsKey(sub.username)],
      [sub.id, JSON.stringify(sub)],
    );
    return Number(updated) === 1;
  }

  async deleteUserSubscriptions(username: string): Promise<number> {
    // Unwatched first: dispatchers stop reading the user's outbox at their next refresh.
    await this.client.sRem(WATCHED_USERS_KEY, username);
    const ids = await this.client.hKeys(subscriptionsKey(username));
    const queues = ids.flatMap((id) => Object.values(queueKeys(username, id)));
    // The user's keys share its slot; the index and the schedule are global.
    await this.client.del([subscriptionsKey(username), ...queues]);
    if (ids.length > 0) {
      await this.client.hDel(SUBSCRIPTION_INDEX_KEY, ids);
      await this.client.zRem(
        DUE_KEY,
        ids.map((id) => dueMember(username, id)),
      );
    }
    await this.outbox.destroy(username);
    return ids.length;
  }

  async deleteSubscription(username: string, id: string): Promise<boolean> {
    const keys = queueKeys(username, id);
    const [removed] = await this.client
      .multi()
      .hDel(subscriptionsKey(username), id)
      .del([keys.deliveries, keys.ready, keys.retry, keys.log])
      .exec();
    await this.client.hDel(SUBSCRIPTION_INDEX_KEY, id);
    await this.client.zRem(DUE_KEY, dueMember(username, id));
    await this.unwatchIfUnsubscribed(username);
    return Number(removed) === 1;
  }

  /**
   * A user with no subscription left is no longer watched, so the set of watched outboxes
   * shrinks. Removed first, then the subscriptions are looked at again: one written
   * meanwhile either is seen here (and the watch put back) or watches the user itself.
   */
  private async unwatchIfUnsubscribed(username: string): Promise<void> {
    const key = subscriptionsKey(username);
    if ((await this.client.hLen(key)) > 0) return;
    await this.client.sRem(WATCHED_USERS_KEY, username);
    if ((await this.client.hLen(key)) > 0) await this.client.sAdd(WATCHED_USERS_KEY, username);
  }

  async watchedUsers(): Promise<string[]> {
    return this.client.sMembers(WATCHED_USERS_KEY);
  }

  claimNewEvents(consumer: string, usernames: string[], count: number) {
    return this.outbox.claimNew(consumer, usernames, count);
  }

  claimAbandonedEvents(
    consumer: string,
    username: string,
    minIdleMs: number,
    count: number,
  ): Promise<AuditEvent[]> {
    return this.outbox.claimAbandoned(consumer, username, minIdleMs, count);
  }

  unsealedSince(usernames: string[]): Promise<Map<string, number>> {
    return unsealedSince(this.client, usernames);
  }

  forgetIdleConsumers(username: string, idleMs: number): Promise<void> {
    return this.outbox.forgetIdle(username, idleMs);
  }

  persistedBelow(username: string): Promise<number | null> {
    return this.outbox.persistedBelow(username);
  }

  /** Creates the consumer group, reading after `fromId`, unless it exists. */

  async persistDeliveries(
    username: string,
    deliveries: Delivery[],
    ackSeqs: number[],
    now: number,
  ) {
    const bySubscription = new Map<string, Delivery[]>();
    for (const d of deliveries) {
      const list = bySubscription.get(d.subscriptionId) ?? [];
      list.push(d);
      bySubscription.set(d.subscriptionId, list);
    }
    for (const [subscriptionId, list] of bySubscription) {
      const k = queueKeys(username, subscriptionId);
      const created = await this.client.persistDeliveries(
        [subscriptionsKey(username), k.deliveries, k.ready, k.retry, k.log],
        [
          subscriptionId,
          String(this.retention),
          ...list.flatMap((d) => [String(d.seq), JSON.stringify(d)]),
        ],
      );
      if (Number(created) < 0) continue;
      // Scheduled after the deliveries exist and before the ack, even when they existed
      // already: a crash in between leaves the entry pending, to be claimed and persisted
      // again (a no-op) by another consumer, which schedules them then.
      await this.client.zAdd(
        DUE_KEY,
        { score: now, value: dueMember(username, subscriptionId) },
        { comparison: "LT" },
      );
    }
    await this.outbox.ack(username, ackSeqs);
  }

  async dueSubscriptions(now: number, limit: number): Promise<SubscriptionRef[]> {
    const members = await this.client.zRangeByScore(DUE_KEY, "-inf", now, {
      LIMIT: { offset: 0, count: limit },
    });
    return members.map(parseDueMember);
  }

  async acquireLease(ref: SubscriptionRef, owner: string, ms: number): Promise<boolean> {
    const key = queueKeys(ref.username, ref.subscriptionId).lease;
    return (
      (await this.client.set(key, owner, {
        condition: "NX",
        expiration: { type: "PX", value: ms },
      })) === "OK"
    );
  }

  async renewLease(ref: SubscriptionRef, owner: string, ms: number): Promise<boolean> {
    const key = queueKeys(ref.username, ref.subscriptionId).lease;
    return Number(await this.client.renewLease([key], [owner, String(ms)])) === 1;
  }

  async releaseLease(ref: SubscriptionRef, owner: string): Promise<void> {
    await this.client.releaseLease([queueKeys(ref.username, ref.subscriptionId).lease], [owner]);
  }

  private queueScriptKeys(ref: SubscriptionRef): string[] {
    const k = queueKeys(ref.username, ref.subscriptionId);
    return [subscriptionsKey(ref.username), k.deliveries, k.ready, k.retry];
  }

  async takeReady(ref: SubscriptionRef, now: number, limit: number): Promise<Delivery[]> {
    const raws = (await this.client.takeReady(this.queueScriptKeys(ref), [
      ref.subscriptionId,
      String(now),
      String(limit),
    ])) as string[];
    return raws.map((raw) => JSON.parse(raw) as Delivery);
  }

  async listPending(ref: SubscriptionRef): Promise<Delivery[]> {
    const k = queueKeys(ref.username, ref.subscriptionId);
    const [ready, retry] = await Promise.all([
      this.client.zRange(k.ready, 0, -1),
      this.client.zRange(k.retry, 0, -1),
    ]);
    const seqs = [...ready, ...retry].sort((a, b) => Number(a) - Number(b));
    return this.deliveriesAt(k.deliveries, seqs);
  }

  private async deliveriesAt(key: string, seqs: string[]): Promise<Delivery[]> {
    if (seqs.length === 0) return [];
    const raws = await this.client.hmGet(key, seqs);
    return raws.filter((r): r is string => typeof r === "string").map((r) => JSON.parse(r));
  }

  async saveDelivery(ref: SubscriptionRef, delivery: Delivery): Promise<void> {
    await this.client.saveDelivery(this.queueScriptKeys(ref), [
      ref.subscriptionId,
      String(delivery.seq),
      JSON.stringify(delivery),
      delivery.status === "pending" ? String(delivery.nextAttemptAt ?? 0) : "",
    ]);
  }

  async reschedule(ref: SubscriptionRef, _now: number, retryReadyAt: number): Promise<void> {
    const member = dueMember(ref.username, ref.subscriptionId);
    const k = queueKeys(ref.username, ref.subscriptionId);
    // Removed first, then the queue is looked at: a delivery persisted meanwhile either is
    // seen here or re-adds the member itself, so no wake-up is lost.
    await this.client.zRem(DUE_KEY, member);
    const [ready, retry] = await Promise.all([
      this.client.zRange(k.ready, 0, 0),
      this.client.zRangeWithScores(k.retry, 0, 0),
    ]);
    const at = ready.length > 0 ? retryReadyAt : retry[0]?.score;
    if (at !== undefined)
      await this.client.zAdd(DUE_KEY, { score: at, value: member }, { comparison: "LT" });
  }

  async listDeliveries(
    ref: SubscriptionRef,
    opts: { beforeSeq?: number; limit: number },
  ): Promise<DeliveryPage> {
    const k = queueKeys(ref.username, ref.subscriptionId);
    const max = opts.beforeSeq === undefined ? "+inf" : `(${opts.beforeSeq}`;
    const seqs = await this.client.zRange(k.log, max, "-inf", {
      BY: "SCORE",
      REV: true,
      LIMIT: { offset: 0, count: opts.limit + 1 },
    });
    const page = seqs.slice(0, opts.limit);
    const deliveries = await this.deliveriesAt(k.deliveries, page);
    return {
      deliveries,
      ...(seqs.length > opts.limit && { nextBeforeSeq: Number(page.at(-1)) }),
    };
  }

  async close(): Promise<void> {
    if (this.ownsClient && this.client.isOpen) await this.client.close();
  }
}
