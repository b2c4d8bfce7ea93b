/**
 * One pass over a subscription's due deliveries, under its lease: each is signed at send
 * time, POSTed, and its outcome saved before the next, in seq order. A 2xx is success;
 * 410 disables the subscription; anything else is retried on the backoff schedule until
 * the delivery is dead-lettered. The callbacks subscription's deliveries go to their own
 * URLs, each attempt with a fresh token (callbacks.ts).
 */
import type { Store } from "../arbiter/index.js";
import type { Clock } from "../clock.js";
import { checkOutboundUrl } from "../federation/index.js";
import type { Logger } from "../logger.js";
import { parseRetryAfter, type RetryPolicy, retryDelayMs } from "./backoff.js";
import { type AuthorizeCallback, callbackHeaders, isCallbacksSubscription } from "./callbacks.js";
import { deliveryHeaders } from "./signature.js";
import { PostError, type PostFailure, type WebhookTransport } from "./transport.js";
import type { Delivery, Subscription, SubscriptionRef, WebhookStore } from "./types.js";

export interface SenderDeps {
  /** To check, before each attempt, that an agent's subscription still has its agent. */
  store: Pick<Store, "getAgent">;
  webhookStore: WebhookStore;
  transport: WebhookTransport;
  clock: Clock;
  logger: Logger;
  allowInsecure: boolean;
  /** Makes each peer callback attempt's token; without it callbacks fail and are retried. */
  authorizeCallback?: AuthorizeCallback;
  /** Told each delivery attempt's result (metrics). */
  onDeliveryAttempt?: DeliveryAttemptObserver;
}

/** `webhook` to a subscriber, `callback` to a peer node; the attempt's result. */
export type DeliveryAttemptObserver = (
  kind: "webhook" | "callback",
  result: "succeeded" | "retrying" | "dead_lettered",
) => void;

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
      const outcome = isCallbacksSubscription(sub)
        ? await attemptCallback(deps, settings, ref, delivery)
        : await attempt(deps, settings, sub, delivery);
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

/** What one POST came to. */
interface PostOutcome {
  statusCode: number | null;
  error: string | null;
  retryAfterMs?: number;
  /** Trying again cannot help: the delivery is dead-lettered at once. */
  final?: boolean;
}

/** POSTs once; "aborted" when the node is shutting down (the attempt does not count). */
async function postOnce(
  deps: SenderDeps,
  settings: SenderSettings,
  url: string,
  headers: Record<string, string>,
  body: string,
): Promise<PostOutcome | "aborted"> {
  try {
    const res = await deps.transport.post(url, headers, body, settings.timeoutMs);
    const ok = res.statusCode >= 200 && res.statusCode <= 299;
    return {
      statusCode: res.statusCode,
      error: ok ? null : `HTTP ${res.statusCode}`,
      retryAfterMs: parseRetryAfter(res.retryAfter, deps.clock.now()),
    };
  } catch (err) {
    if (err instanceof PostError && err.reason === "aborted") return "aborted";
    return {
      statusCode: null,
      error: err instanceof PostError ? `${err.reason}: ${err.message}` : String(err),
      final: err instanceof PostError && REFUSED_TARGETS.has(err.reason),
    };
  }
}

/** Refusals of the target itself (a private address, plain http): the same on any retry. */
const REFUSED_TARGETS = new Set<PostFailure>(["forbidden_address", "insecure_url"]);

/** Records an attempt's outcome on the delivery and saves it: succeeded, retried, or dead-lettered. */
async function recordAttempt(
  deps: SenderDeps,
  settings: SenderSettings,
  ref: SubscriptionRef,
  delivery: Delivery,
  started: { at: number; perf: number },
  outcome: PostOutcome,
  kind: "webhook" | "callback",
): Promise<void> {
  const { statusCode, error } = outcome;
  const now = deps.clock.now();
  delivery.attempts.push({
    at: started.at,
    durationMs: Math.round(performance.now() - started.perf),
    statusCode,
    error,
  });
  const log = { subscription: ref.subscriptionId, event: delivery.eventId, statusCode, error };
  if (error === null) {
    delivery.status = "succeeded";
    delivery.nextAttemptAt = null;
  } else {
    const delay = outcome.final
      ? undefined
      : retryDelayMs(
          settings.retry,
          delivery.attempts.length,
          settings.random,
          outcome.retryAfterMs,
        );
    if (delay === undefined) {
      delivery.status = "dead_lettered";
      delivery.nextAttemptAt = null;
      deps.logger.warn(log, "webhook delivery dead-lettered");
    } else {
      delivery.nextAttemptAt = now + delay;
      deps.logger.info({ ...log, retryInMs: delay }, "webhook delivery failed");
    }
  }
  deps.onDeliveryAttempt?.(
    kind,
    delivery.status === "succeeded"
      ? "succeeded"
      : delivery.status === "dead_lettered"
        ? "dead_lettered"
        : "retrying",
  );
  await deps.webhookStore.saveDelivery(ref, delivery);
}

async function attempt(
  deps: SenderDeps,
  settings: SenderSettings,
  sub: Subscription,
  delivery: Delivery,
): Promise<"done" | "gone" | "aborted"> {
  const started = { at: deps.clock.now(), perf: performance.now() };
  const headers = deliveryHeaders(
    liveSecrets(sub, started.at),
    delivery.eventId,
    Math.floor(started.at / 1000),
    delivery.body,
  );
  const outcome = await postOnce(deps, settings, sub.url, headers, delivery.body);
  if (outcome === "aborted") return "aborted";
  const gone = outcome.statusCode === 410;
  const ref = { username: sub.username, subscriptionId: sub.id };
  await recordAttempt(
    deps,
    settings,
    ref,
    delivery,
    started,
    { ...outcome, final: gone },
    "webhook",
  );
  return gone ? "gone" : "done";
}

/**
 * A peer callback: POSTed to its own URL with a token made for this attempt. A URL that
 * may never be posted to is dead-lettered before a token is made or a connection tried;
 * 410 dead-letters the one callback, never the user's callbacks subscription.
 */
async function attemptCallback(
  deps: SenderDeps,
  settings: SenderSettings,
  ref: SubscriptionRef,
  delivery: Delivery,
): Promise<"done" | "aborted"> {
  const url = delivery.url ?? "";
  const checked = checkOutboundUrl(url, { allowInsecure: deps.allowInsecure });
  if (!checked.ok) {
    delivery.status = "dead_lettered";
    delivery.nextAttemptAt = null;
    delivery.deadLetterReason = `callback URL refused: ${checked.message}`;
    deps.logger.warn(
      { event: delivery.eventId, reason: delivery.deadLetterReason },
      "peer callback dead-lettered",
    );
    deps.onDeliveryAttempt?.("callback", "dead_lettered");
    await deps.webhookStore.saveDelivery(ref, delivery);
    return "done";
  }
  const started = { at: deps.clock.now(), perf: performance.now() };
  let outcome: PostOutcome | "aborted";
  try {
    if (!deps.authorizeCallback) throw new Error("this node process has no authorizeCallback");
    const token = await deps.authorizeCallback(url, delivery.body);
    outcome = await postOnce(
      deps,
      settings,
      url,
      callbackHeaders(delivery.eventId, token),
      delivery.body,
    );
  } catch (err) {
    // No token now (a key store briefly away): retried like a failed POST.
    outcome = {
      statusCode: null,
      error: `authorization: ${err instanceof Error ? err.message : String(err)}`,
    };
  }
  if (outcome === "aborted") return "aborted";
  await recordAttempt(
    deps,
    settings,
    ref,
    delivery,
    started,
    {
      ...outcome,
      final: outcome.final || outcome.statusCode === 410,
    },
    "callback",
  );
  return "done";
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
