/**
 * The webhooks part as the rest of the node sees it: subscriptions, deliveries, polling,
 * and the dispatcher running in the background. Built once, in the context.
 */
import { createHash, randomUUID } from "node:crypto";
import type { LookupFunction } from "node:net";
import type { Store } from "../arbiter/index.js";
import type { Clock } from "../clock.js";
import { RateLimitedError } from "../errors.js";
import type { Logger } from "../logger.js";
import {
  type AuthorizeCallback,
  CALLBACKS_SUBSCRIPTION_ID,
  ensureCallbacksSubscription,
  isCallbacksSubscription,
} from "./callbacks.js";
import {
  type DispatcherOptions,
  defaultDispatcherOptions,
  WebhookDispatcher,
} from "./dispatcher.js";
import { AuditHeadWatch } from "./head-watch.js";
import { MemoryWebhookStore } from "./memory-webhook-store.js";
import { type EventsPage, waitForEvents } from "./polling.js";
import type { WebhookRedisClient } from "./redis/client.js";
import { RedisWebhookStore } from "./redis/redis-webhook-store.js";
import { AGENT_REVOKED, type DeliveryAttemptObserver, disableSubscription } from "./sender.js";
import { newSigningSecret } from "./signature.js";
import {
  checkSubscriptionUrl,
  createSubscription,
  rotateSecret,
  type Subscriber,
  type SubscriptionDeps,
} from "./subscriptions.js";
import { createWebhookTransport } from "./transport.js";
import type {
  DeliveryPage,
  DeliveryStatus,
  Subscription,
  SubscriptionRef,
  WebhookStore,
} from "./types.js";

/** How often a revocation asks again for a lease a sender holds. */
const LEASE_POLL_MS = 20;

export interface WebhooksDeps {
  store: Store;
  clock: Clock;
  logger: Logger;
  allowInsecure: boolean;
  /**
   * The node's shared Redis connection (carrying `webhookScripts()`), when the store is
   * Redis: webhook state lives there too. Its owner closes it.
   */
  redis: WebhookRedisClient | undefined;
  timeoutMs: number;
  leaseMs: number;
  /**
   * Makes the bearer token of each peer callback attempt (a request token signed by the
   * organization key, for POST `url` with exactly `body`). Without it no callback is
   * sent: callback events are skipped with a warning.
   */
  authorizeCallback?: AuthorizeCallback;
  /** Told each delivery attempt's result (metrics). */
  onDeliveryAttempt?: DeliveryAttemptObserver;
  /** Told how many long polls are open whenever that changes (metrics). */
  onLongPolls?: (open: number) => void;
}

/** Long polls one agent (or the admin, per user) may hold open at once in a process. */
export const MAX_LONG_POLLS_PER_AGENT = 4;

export interface WebhooksOverrides {
  webhookStore?: WebhookStore;
  /** Dispatcher settings for tests; false runs no dispatcher in this process. */
  dispatcher?: Partial<DispatcherOptions> | false;
  /** DNS lookup for subscription URLs and deliveries (tests inject names). */
  lookup?: LookupFunction;
}

export class Webhooks {
  private readonly stopping = new AbortController();
  /** Open long polls by agent id (the admin: `admin:<username>`). */
  private readonly polls = new Map<string, number>();
  private openPolls = 0;
  private readonly headWatch: AuditHeadWatch;

  private constructor(
    readonly webhookStore: WebhookStore,
    readonly dispatcher: WebhookDispatcher | undefined,
    private readonly subscriptionDeps: SubscriptionDeps,
    private readonly logger: Logger,
    private readonly leaseMs: number,
    private readonly onLongPolls: ((open: number) => void) | undefined,
  ) {
    this.headWatch = new AuditHeadWatch(subscriptionDeps.store);
  }

  static async create(deps: WebhooksDeps, overrides: WebhooksOverrides = {}): Promise<Webhooks> {
    const webhookStore =
      overrides.webhookStore ??
      (deps.store.kind === "redis" && deps.redis
        ? RedisWebhookStore.fromClient(deps.redis)
        : new MemoryWebhookStore(deps.store, () => deps.clock.now()));
    let dispatcher: WebhookDispatcher | undefined;
    if (overrides.dispatcher !== false) {
      const options: DispatcherOptions = {
        ...defaultDispatcherOptions(),
        timeoutMs: deps.timeoutMs,
        leaseMs: deps.leaseMs,
        ...overrides.dispatcher,
      };
      const transport = createWebhookTransport({
        allowInsecure: deps.allowInsecure,
        lookup: overrides.lookup,
      });
      dispatcher = new WebhookDispatcher({ ...deps, webhookStore, transport }, options);
      dispatcher.start();
    }
    return new Webhooks(
      webhookStore,
      dispatcher,
      {
        store: deps.store,
        webhookStore,
        clock: deps.clock,
        allowInsecure: deps.allowInsecure,
        lookup: overrides.lookup,
      },
      deps.logger,
      deps.leaseMs,
      deps.onLongPolls,
    );
  }

  /** Aborted when the node stops: long polls end early. */
  get shutdownSignal(): AbortSignal {
    return this.stopping.signal;
  }

  async subscribe(who: Subscriber, input: { url: string; events: string[] }) {
    const created = await createSubscription(this.subscriptionDeps, who, input);
    this.dispatcher?.watchChanged();
    return created;
  }

  /** An agent's own subscriptions, or all of the user's for the admin (agentId null). */
  async list(who: Subscriber): Promise<Subscription[]> {
    const all = (await this.webhookStore.listSubscriptions(who.username)).filter(
      (s) => !isCallbacksSubscription(s),
    );
    return who.agentId === null ? all : all.filter((s) => s.agentId === who.agentId);
  }

  /** The subscription, if `who` may manage it: an agent its own, the admin any (username null). */
  async find(
    id: string,
    who: { username: string | null; agentId: string | null },
  ): Promise<Subscription | null> {
    const username = who.username ?? (await this.webhookStore.ownerOf(id));
    if (!username) return null;
    const sub = await this.webhookStore.getSubscription(username, id);
    if (!sub || isCallbacksSubscription(sub)) return null;
    if (who.agentId !== null && sub.agentId !== who.agentId) return null;
    return sub;
  }

  /**
   * The user was deleted: its subscriptions, queued deliveries and outbox state go, so
   * nothing more is sent for it and a user created again under the name starts afresh.
   * Call it with Store.deleteUser.
   */
  async forgetUser(username: string): Promise<void> {
    await this.webhookStore.deleteUserSubscriptions(username);
    this.dispatcher?.watchChanged();
  }

  /**
   * The agent was revoked: its subscriptions are disabled (reason `agent_revoked`) and
   * what they had pending is dead-lettered; they stay listed, with their delivery log,
   * for the admin. The dispatcher also checks the agent before each attempt, should this
   * race with a delivery. Returns how many subscriptions were disabled.
   */
  /**
   * The user is about to be asked for a booking with a callback URL: its outbox is
   * watched for callbacks from now on (the subscription reads the chain from its start,
   * so an event written before this returns is not missed).
   */
  async watchCallbacks(username: string): Promise<void> {
    const deps = { webhookStore: this.webhookStore, store: this.subscriptionDeps.store };
    if (await ensureCallbacksSubscription(deps, username, this.subscriptionDeps.clock.now()))
      this.dispatcher?.watchChanged();
  }

  /**
   * The user-level subscription carrying the person's `webhook` notify channel (their
   * profile's `response_channel.notify`) at `url`: one per URL, created on first use so
   * that it delivers events after `fromSeq` (pass the seq just before the event that
   * needs delivering). Delivered, signed and retried like any subscription; the admin
   * lists it and rotates its secret through the webhook API.
   */
  async ensureNotifySubscription(
    username: string,
    url: string,
    events: string[],
    fromSeq: number,
  ): Promise<{ subscription: Subscription; created: boolean }> {
    const id = `whk_notify_${createHash("sha256").update(url).digest("base64url").slice(0, 24)}`;
    const existing = await this.webhookStore.getSubscription(username, id);
    if (existing) return { subscription: existing, created: false };
    const checked = await checkSubscriptionUrl(
      url,
      this.subscriptionDeps.allowInsecure,
      this.subscriptionDeps.lookup,
    );
    const now = this.subscriptionDeps.clock.now();
    const subscription: Subscription = {
      id,
      username,
      agentId: null,
      url: checked,
      events,
      secrets: [{ secret: newSigningSecret(), createdAt: now, expiresAt: null }],
      status: "active",
      fromSeq,
      createdAt: now,
    };
    await this.webhookStore.putSubscription(subscription);
    this.dispatcher?.watchChanged();
    return { subscription, created: true };
  }

  async forgetAgent(username: string, agentId: string): Promise<number> {
    const subs = (await this.webhookStore.listSubscriptions(username)).filter(
      (s) => s.agentId === agentId && s.status === "active",
    );
    for (const sub of subs) {
      const ref = { username, subscriptionId: sub.id };
      // Under the subscription's lease, like a sender: an attempt in flight finishes
      // first, so it cannot file its delivery as pending again after it was dead-lettered.
      await this.withLease(ref, () =>
        disableSubscription(
          { webhookStore: this.webhookStore, logger: this.logger },
          ref,
          AGENT_REVOKED,
        ),
      );
    }
    return subs.length;
  }

  /**
   * Runs `fn` holding the subscription's lease. A holder that died loses the lease after
   * `leaseMs`, so the wait is bounded; past it `fn` runs regardless.
   */
  private async withLease(ref: SubscriptionRef, fn: () => Promise<void>): Promise<void> {
    const owner = `admin-${randomUUID()}`;
    const ws = this.webhookStore;
    const giveUpAt = Date.now() + this.leaseMs + 1000;
    let held = await ws.acquireLease(ref, owner, this.leaseMs);
    while (!held && Date.now() < giveUpAt) {
      await new Promise((resolve) => setTimeout(resolve, LEASE_POLL_MS));
      held = await ws.acquireLease(ref, owner, this.leaseMs);
    }
    try {
      await fn();
    } finally {
      if (held) await ws.releaseLease(ref, owner);
    }
  }

  remove(sub: Subscription): Promise<boolean> {
    return this.webhookStore.deleteSubscription(sub.username, sub.id);
  }

  rotate(sub: Subscription) {
    return rotateSecret(this.subscriptionDeps, sub);
  }

  deliveries(
    sub: Subscription,
    opts: { beforeSeq?: number; limit: number },
  ): Promise<DeliveryPage> {
    return this.webhookStore.listDeliveries(
      { username: sub.username, subscriptionId: sub.id },
      opts,
    );
  }

  /**
   * The user's peer callbacks, newest first, for the admin: each delivery names its
   * `url`, its attempts and, once it gave up, why. With `status`, pages are read until
   * `limit` match (the log is bounded); `nextBeforeSeq` continues the listing.
   */
  async callbackDeliveries(
    username: string,
    opts: { status?: DeliveryStatus; beforeSeq?: number; limit: number },
  ): Promise<DeliveryPage> {
    const ref = { username, subscriptionId: CALLBACKS_SUBSCRIPTION_ID };
    if (opts.status === undefined) return this.webhookStore.listDeliveries(ref, opts);
    const found: DeliveryPage["deliveries"] = [];
    let beforeSeq = opts.beforeSeq;
    for (;;) {
      const page = await this.webhookStore.listDeliveries(ref, { beforeSeq, limit: 100 });
      for (const d of page.deliveries) {
        if (d.status !== opts.status) continue;
        found.push(d);
        if (found.length === opts.limit) return { deliveries: found, nextBeforeSeq: d.seq };
      }
      beforeSeq = page.nextBeforeSeq;
      if (beforeSeq === undefined) return { deliveries: found };
    }
  }

  /**
   * The subscriber's events after `after`, waiting up to `waitMs` for one. At most
   * MAX_LONG_POLLS_PER_AGENT waiting polls per agent at once: more are refused
   * (rate_limited) before they read anything.
   */
  async events(
    who: Subscriber,
    after: number,
    limit: number,
    waitMs: number,
    signal: AbortSignal,
  ): Promise<EventsPage> {
    const both = AbortSignal.any([signal, this.stopping.signal]);
    const { store } = this.subscriptionDeps;
    if (waitMs <= 0) return waitForEvents(store, this.headWatch, who, after, limit, 0, both);
    const key = who.agentId ?? `admin:${who.username}`;
    const open = this.polls.get(key) ?? 0;
    if (open >= MAX_LONG_POLLS_PER_AGENT)
      throw new RateLimitedError(
        `At most ${MAX_LONG_POLLS_PER_AGENT} long polls per agent at once; wait for one to end`,
        1,
      );
    this.polls.set(key, open + 1);
    this.onLongPolls?.(++this.openPolls);
    try {
      return await waitForEvents(store, this.headWatch, who, after, limit, waitMs, both);
    } finally {
      const left = (this.polls.get(key) ?? 1) - 1;
      if (left === 0) this.polls.delete(key);
      else this.polls.set(key, left);
      this.onLongPolls?.(--this.openPolls);
    }
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    await this.dispatcher?.stop();
    await this.webhookStore.close();
  }
}
