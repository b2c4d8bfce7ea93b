/**
 * One pass over a subscription's due deliveries, under its lease: each is signed at send
 * time, POSTed, and its outcome saved before the next, in seq order. A 2xx is success;
 * 410 disables the subscription; anything else is retried on the backoff schedule until
 * the delivery is dead-lettered.
 */
import type { Store } from "../arbiter/index.js";
import type { Clock } from "../clock.js";
import type { Logger } from "../logger.js";
import { parseRetryAfter, type RetryPolicy, retryDelayMs } from "./backoff.js";
import { deliveryHeaders } from "./signature.js";
import { PostError, type WebhookTransport } from "./transport.js";
import type { Delivery, Subscription, SubscriptionRef, WebhookStore } from "./types.js";

export interface SenderDeps {
  /** To check, before each attempt, that an agent's subscription still has its agent. */
  store: Pick<Store, "getAgent">;
  webhookStore: WebhookStore;
  transport: WebhookTransport;
  clock: Clock;
  logger: Logger;
}

export interface SenderSettings {
  /** This process's name in leases. */
  owner: string;
  leaseMs: number;
  timeoutMs: number;
  batchSize: number;
  retry: RetryPolicy;
  random: () => number;
}

/** The disabled reason of the subscriptions of an agent that was revoked. */
export const AGENT_REVOKED = "agent_revoked";

/** How soon to look again at deliveries waiting for earlier events to be persisted. */
const WAIT_FOR_EARLIER_MS = 50;

/** The secrets that sign now: the current one, and a rotated-out one within its 24 h. */
export function liveSecrets(sub: Subscription, now: number): string[] {
  return sub.secrets.filter((s) => s.expiresAt === null || s.expiresAt > now).map((s) => s.secret);
}

/** One pass; the caller holds the subscription's lease, which the pass renews and releases. */
export async function runSubscriptionPass(
  deps: SenderDeps,
  settings: SenderSettings,
  ref: SubscriptionRef,
  stopping: () => boolean,
): Promise<void> {
  const ws = deps.webhookStore;
  let leaseLost = false;
  const renew = setInterval(() => {
    ws.renewLease(ref, settings.owner, settings.leaseMs).then(
      (held) => {
        if (!held) leaseLost = true;
      },
      () => {},
    );
  }, settings.leaseMs / 3);
  try {
    const sub = await ws.getSubscription(ref.username, ref.subscriptionId);
    if (sub?.status !== "active") {
      if (sub) await deadLetterPending(deps, ref, "subscription disabled");
      await ws.reschedule(ref, deps.clock.now(), deps.clock.now());
      return;
    }
    // A delivery is sent only once every earlier event is persisted (another consumer may
    // still be persisting events it took just before), and the bound is read before the
    // queue, so the queue read holds every earlier delivery that is due.
    const persistedBelow = await ws.persistedBelow(ref.username);
    const ready = await ws.takeReady(ref, deps.clock.now(), settings.batchSize);
    let waiting = false;
    for (const delivery of ready) {
      if (stopping() || leaseLost) break;
      if (persistedBelow !== null && delivery.seq >= persistedBelow) {
        waiting = true;
        break;
      }
      // Checked before every attempt: the agent may be revoked while a pass is under way,
      // and the revocation's own cleanup may not have reached this subscription yet.
      if (sub.agentId !== null && !(await deps.store.getAgent(sub.username, sub.agentId))) {
        await disableSubscription(deps, ref, AGENT_REVOKED);
        break;
      }
      const outcome = await attempt(deps, settings, sub, delivery);
      if (outcome === "aborted") break;
      if (outcome === "gone") {
        await disableSubscription(deps, ref, "the endpoint answered 410 Gone");
        break;
      }
    }
    const now = deps.clock.now();
    await ws.reschedule(ref, now, waiting ? now + WAIT_FOR_EARLIER_MS : now);
  } finally {
    clearInterval(renew);
    await ws.releaseLease(ref, settings.owner).catch(() => {});
  }
}

async function attempt(
  deps: SenderDeps,
  settings: SenderSettings,
  sub: Subscription,
  delivery: Delivery,
): Promise<"done" | "gone" | "aborted"> {
  const startedAt = deps.clock.now();
  const timestamp = Math.floor(startedAt / 1000);
  const headers = deliveryHeaders(
    liveSecrets(sub, startedAt),
    delivery.eventId,
    timestamp,
    delivery.body,
  );
  const started = performance.now();
  let statusCode: number | null = null;
  let error: string | null = null;
  let retryAfterMs: number | undefined;
  try {
    const res = await deps.transport.post(sub.url, headers, delivery.body, settings.timeoutMs);
    statusCode = res.statusCode;
    retryAfterMs = parseRetryAfter(res.retryAfter, deps.clock.now());
    if (statusCode < 200 || statusCode > 299) error = `HTTP ${statusCode}`;
  } catch (err) {
    // Shutting down: the attempt is not counted, and the delivery stays due for another sender.
    if (err instanceof PostError && err.reason === "aborted") return "aborted";
    error = err instanceof PostError ? `${err.reason}: ${err.message}` : String(err);
  }
  const now = deps.clock.now();
  delivery.attempts.push({
    at: startedAt,
    durationMs: Math.round(performance.now() - started),
    statusCode,
    error,
  });
  const log = { subscription: sub.id, event: delivery.eventId, statusCode, error };
  if (error === null) {
    delivery.status = "succeeded";
    delivery.nextAttemptAt = null;
  } else {
    const delay =
      statusCode === 410
        ? undefined
        : retryDelayMs(settings.retry, delivery.attempts.length, settings.random, retryAfterMs);
    if (delay === undefined) {
      delivery.status = "dead_lettered";
      delivery.nextAttemptAt = null;
      deps.logger.warn(log, "webhook delivery dead-lettered");
    } else {
      delivery.nextAttemptAt = now + delay;
      deps.logger.info({ ...log, retryInMs: delay }, "webhook delivery failed");
    }
  }
  await deps.webhookStore.saveDelivery(
    { username: sub.username, subscriptionId: sub.id },
    delivery,
  );
  return statusCode === 410 ? "gone" : "done";
}

/** Disables a subscription and dead-letters what it had pending; nothing if it is gone. */
export async function disableSubscription(
  deps: Pick<SenderDeps, "webhookStore" | "logger">,
  ref: SubscriptionRef,
  reason: string,
): Promise<void> {
  const sub = await deps.webhookStore.getSubscription(ref.username, ref.subscriptionId);
  if (!sub) return;
  const disabled: Subscription = { ...sub, status: "disabled", disabledReason: reason };
  if (!(await deps.webhookStore.updateSubscription(disabled))) return;
  deps.logger.warn({ subscription: sub.id, reason }, "webhook subscription disabled");
  await deadLetterPending(deps, ref, `subscription disabled: ${reason}`);
}

async function deadLetterPending(
  deps: Pick<SenderDeps, "webhookStore">,
  ref: SubscriptionRef,
  why: string,
) {
  for (const delivery of await deps.webhookStore.listPending(ref)) {
    delivery.status = "dead_lettered";
    delivery.nextAttemptAt = null;
    delivery.deadLetterReason = why;
    await deps.webhookStore.saveDelivery(ref, delivery);
  }
}
