/**
 * The webhook dispatcher of one node process: two loops. The outbox loop takes new events
 * of the watched users (and those a dead consumer left behind) and persists their
 * deliveries; the send loop runs passes over subscriptions with deliveries due, several at
 * a time. Both stop on stop(): no new work, in-flight POSTs get a grace period, then are
 * aborted (an aborted attempt is not counted; the delivery stays due).
 */

import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import type { Store } from "../arbiter/index.js";
import type { Clock } from "../clock.js";
import { StoreUnavailableError } from "../errors.js";
import type { Logger } from "../logger.js";
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from "./backoff.js";
import { type AuthorizeCallback, ensureCallbacksSubscription } from "./callbacks.js";
import { type OutboxDeps, persistOutboxEvents } from "./outbox.js";
import { rotatingShare } from "./rotating-share.js";
import { type DeliveryAttemptObserver, runSubscriptionPass } from "./sender.js";
import type { WebhookTransport } from "./transport.js";
import type { SubscriptionRef, WebhookStore } from "./types.js";

export interface DispatcherOptions {
  /** This process's consumer and lease name; unique per process. */
  consumer: string;
  /** Idle wait of both loops when there is nothing to do. */
  pollMs: number;
  /**
   * A subscription's lease; also how long an outbox entry may stay unacknowledged before
   * another consumer reclaims it.
   */
  leaseMs: number;
  timeoutMs: number;
  /** Subscriptions delivered to in parallel by this process. */
  concurrency: number;
  /** Outbox entries per read, deliveries per pass. */
  batchSize: number;
  /** How often the list of watched users is read again. */
  watchRefreshMs: number;
  /**
   * With callbacks: how often the store's users are compared with the watched ones, and
   * each user not watched yet gets its callbacks subscription.
   */
  callbackSweepMs: number;
  retry: RetryPolicy;
  random: () => number;
  /** On stop, how long in-flight deliveries may finish before they are aborted. */
  stopGraceMs: number;
  /**
   * How long a watched user's audit events may stay unsealed before the outbox loop seals
   * them itself (their writer died before its seal), and how often it looks.
   */
  sealGraceMs: number;
  /**
   * Watched users whose chains one such look reads at most; the next look goes on where
   * it stopped, so the cost stays bounded with many users (each is looked at every
   * users / this many seconds).
   */
  sealCheckUsers: number;
}

export interface DispatcherDeps {
  store: Store;
  webhookStore: WebhookStore;
  transport: WebhookTransport;
  clock: Clock;
  logger: Logger;
  allowInsecure: boolean;
  /** Given: peer callbacks are sent, and every user's outbox is watched for them. */
  authorizeCallback?: AuthorizeCallback;
  /** Told each delivery attempt's result (metrics). */
  onDeliveryAttempt?: DeliveryAttemptObserver;
}

export function defaultDispatcherOptions(): DispatcherOptions {
  return {
    consumer: `${hostname()}:${process.pid}:${randomBytes(4).toString("hex")}`,
    pollMs: 100,
    leaseMs: 30_000,
    timeoutMs: 10_000,
    concurrency: 16,
    batchSize: 100,
    watchRefreshMs: 1_000,
    // Off: a user's outbox is watched for callbacks once it is asked for a booking with
    // a callback URL (Webhooks.watchCallbacks). A sweep watches every user's outbox.
    callbackSweepMs: 0,
    retry: DEFAULT_RETRY_POLICY,
    random: Math.random,
    stopGraceMs: 5_000,
    // A live writer seals within milliseconds of its answer.
    sealGraceMs: 1_000,
    // About 4 ms of Redis CPU per look (2 µs a user): ≤ 1 % of one Redis, however many users.
    sealCheckUsers: 2_000,
  };
}

const ERROR_PAUSE_MS = 1_000;

/** A Redis outage is logged once by the store's health watch, not at every retry. */
function logLoopFailure(logger: Logger, err: unknown, msg: string): void {
  if (err instanceof StoreUnavailableError) logger.debug({ err }, msg);
  else logger.warn({ err }, msg);
}
const CANDIDATES_PER_SLOT = 8;
/** Consumers of processes gone this long, with nothing pending, leave the groups. */
const CONSUMER_PRUNE_EVERY_MS = 3600_000;

const refKey = (ref: SubscriptionRef) => `${ref.username}/${ref.subscriptionId}`;

/** An interruptible pause: wake() ends the current one, or the next if none is running. */
class Pause {
  private wakeUp: (() => void) | undefined;
  private woken = false;

  wait(ms: number): Promise<void> {
    if (this.woken) {
      this.woken = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakeUp = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakeUp = done;
    });
  }

  wake(): void {
    if (this.wakeUp) this.wakeUp();
    else this.woken = true;
  }
}

export class WebhookDispatcher {
  private stopping = false;
  private loops: Promise<void>[] = [];
  private readonly active = new Map<string, Promise<void>>();
  private readonly outboxPause = new Pause();
  private readonly sendPause = new Pause();
  private refreshWatched = true;
  /** Where the next look for unsealed chains starts in the watched users. */
  private sealCheckCursor = 0;

  private readonly outboxDeps: OutboxDeps;

  constructor(
    private readonly deps: DispatcherDeps,
    readonly options: DispatcherOptions,
  ) {
    this.outboxDeps = { ...deps, callbacks: deps.authorizeCallback !== undefined };
  }

  start(): void {
    if (this.loops.length > 0) return;
    this.loops = [this.outboxLoop(), this.sendLoop()];
  }

  /** A subscription was created here: watch its user without waiting for the next refresh. */
  watchChanged(): void {
    this.refreshWatched = true;
    this.outboxPause.wake();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.outboxPause.wake();
    this.sendPause.wake();
    await Promise.all(this.loops);
    const passes = Promise.all(this.active.values());
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.options.stopGraceMs);
    });
    await Promise.race([passes, grace]);
    clearTimeout(timer);
    await this.deps.transport.close();
    await passes;
  }

  private async outboxLoop(): Promise<void> {
    const { webhookStore: ws, clock, logger } = this.deps;
    const o = this.options;
    let users: string[] = [];
    let refreshedAt = 0;
    let reclaimedAt = 0;
    let prunedAt = Date.now();
    let sweptAt = 0;
    let sealCheckedAt = 0;
    while (!this.stopping) {
      try {
        if (
          this.outboxDeps.callbacks &&
          o.callbackSweepMs > 0 &&
          Date.now() - sweptAt >= o.callbackSweepMs
        ) {
          sweptAt = Date.now();
          if (await this.watchEveryUser()) this.refreshWatched = true;
        }
        if (this.refreshWatched || Date.now() - refreshedAt >= o.watchRefreshMs) {
          this.refreshWatched = false;
          users = await ws.watchedUsers();
          refreshedAt = Date.now();
        }
        if (Date.now() - sealCheckedAt >= o.sealGraceMs) {
          sealCheckedAt = Date.now();
          await this.sealOverdue(users);
        }
        let taken = 0;
        for (const batch of await ws.claimNewEvents(o.consumer, users, o.batchSize)) {
          await persistOutboxEvents(this.outboxDeps, batch.username, batch.events, clock.now());
          taken += batch.events.length;
        }
        if (Date.now() - reclaimedAt >= o.leaseMs / 2) {
          reclaimedAt = Date.now();
          const prune = Date.now() - prunedAt >= CONSUMER_PRUNE_EVERY_MS;
          if (prune) prunedAt = Date.now();
          for (const username of users) {
            if (prune) await ws.forgetIdleConsumers(username, CONSUMER_PRUNE_EVERY_MS);
            const events = await ws.claimAbandonedEvents(
              o.consumer,
              username,
              o.leaseMs,
              o.batchSize,
            );
            if (events.length === 0) continue;
            logger.info(
              { username, events: events.length },
              "reclaimed unacknowledged outbox events",
            );
            await persistOutboxEvents(this.outboxDeps, username, events, clock.now());
            taken += events.length;
          }
        }
        if (taken > 0) this.sendPause.wake();
        else await this.outboxPause.wait(o.pollMs);
      } catch (err) {
        logLoopFailure(logger, err, "webhook outbox loop failed; retrying");
        await this.outboxPause.wait(ERROR_PAUSE_MS);
      }
    }
  }

  /**
   * A commit answers before its audit events are sealed, and the outbox reads sealed
   * events only: events whose writer died in between would wait for the user's next write
   * or read. Those pending longer than the grace period are sealed here, by reading the
   * chain's head as any reader does (the store seals first). Sealing is a compare-and-set,
   * so a writer sealing the same events at the same time is harmless.
   */
  private async sealOverdue(users: string[]): Promise<void> {
    const { store, webhookStore: ws, logger } = this.deps;
    const { sealCheckUsers } = this.options;
    const { share, next } = rotatingShare(users, this.sealCheckCursor, sealCheckUsers);
    this.sealCheckCursor = next;
    for (const [username, at] of await ws.unsealedSince(share)) {
      if (this.stopping) return;
      const now = await store.now(username);
      // Ahead of the user's clock (a test clock): sealed at once, which is harmless.
      if (at <= now && now - at < this.options.sealGraceMs) continue;
      await store.auditHead(username);
      logger.info({ username }, "sealed audit events their writer left pending");
    }
  }

  /**
   * Any user may be asked for a booking with a callback, so with callbacks every user's
   * outbox is watched: a user not watched yet gets its callbacks subscription, which
   * reads the chain from its start. True when a user was added.
   */
  private async watchEveryUser(): Promise<boolean> {
    const { store, webhookStore: ws, clock } = this.deps;
    const watched = new Set(await ws.watchedUsers());
    let added = false;
    for (const username of await store.listUsernames()) {
      if (watched.has(username) || this.stopping) continue;
      if (await ensureCallbacksSubscription(this.deps, username, clock.now())) added = true;
    }
    return added;
  }

  private async sendLoop(): Promise<void> {
    const { webhookStore: ws, clock, logger } = this.deps;
    const o = this.options;
    while (!this.stopping) {
      try {
        if (this.active.size < o.concurrency) {
          // More candidates than free slots: other processes hold the first ones' leases.
          const due = await ws.dueSubscriptions(clock.now(), o.concurrency * CANDIDATES_PER_SLOT);
          for (const ref of due) {
            if (this.active.size >= o.concurrency || this.stopping) break;
            if (this.active.has(refKey(ref))) continue;
            if (await ws.acquireLease(ref, o.consumer, o.leaseMs)) this.startPass(ref);
          }
        }
        await this.sendPause.wait(o.pollMs);
      } catch (err) {
        logLoopFailure(logger, err, "webhook send loop failed; retrying");
        await this.sendPause.wait(ERROR_PAUSE_MS);
      }
    }
  }

  /** Runs a pass over a subscription whose lease this process has just taken. */
  private startPass(ref: SubscriptionRef): void {
    const key = refKey(ref);
    const settings = {
      owner: this.options.consumer,
      leaseMs: this.options.leaseMs,
      timeoutMs: this.options.timeoutMs,
      batchSize: this.options.batchSize,
      retry: this.options.retry,
      random: this.options.random,
    };
    const pass = runSubscriptionPass(this.deps, settings, ref, () => this.stopping).then(
      () => {
        this.active.delete(key);
        // The pass may have left more due at once (a full batch).
        this.sendPause.wake();
      },
      (err) => {
        this.active.delete(key);
        this.deps.logger.warn({ err, subscription: ref.subscriptionId }, "webhook pass failed");
      },
    );
    this.active.set(key, pass);
  }
}
