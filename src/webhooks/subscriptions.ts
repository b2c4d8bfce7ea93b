/**
 * Creating and rotating subscriptions. A subscription URL must be https and resolve only
 * to public addresses (CALENDARIO_ALLOW_INSECURE lifts both); the addresses are checked
 * again on every delivery, since DNS can change.
 */
import dns, { type LookupAddress } from "node:dns";
import net, { type LookupFunction } from "node:net";
import { newId, type Store } from "../arbiter/index.js";
import type { Clock } from "../clock.js";
import { ConflictError, InvalidRequestError } from "../errors.js";
import {
  checkOutboundUrl,
  isPublicUnicastAddress,
  type OutboundUrlProblem,
} from "../federation/index.js";
import { isCallbacksSubscription } from "./callbacks.js";
import { type Audience, eventTypeInfo } from "./catalogue.js";
import { newSigningSecret } from "./signature.js";
import type { Subscription, WebhookStore } from "./types.js";

export const MAX_SUBSCRIPTIONS_PER_USER = 50;
/** After a rotation the previous secret signs too, for this long. */
export const ROTATION_OVERLAP_MS = 24 * 3600_000;

export interface SubscriptionDeps {
  store: Store;
  webhookStore: WebhookStore;
  clock: Clock;
  allowInsecure: boolean;
  lookup?: LookupFunction;
}

/** Who subscribes: an agent (its own resources) or the admin for a user (agentId null). */
export interface Subscriber {
  username: string;
  agentId: string | null;
}

const badUrl = (message: string) =>
  new InvalidRequestError(`url ${message}`, [{ pointer: "/url", message }], "invalid_webhook_url");

function lookupAll(lookup: LookupFunction, host: string): Promise<LookupAddress[]> {
  return new Promise((resolve, reject) => {
    lookup(host, { all: true }, (err, addresses) => {
      if (err) reject(err);
      else resolve(addresses as unknown as LookupAddress[]);
    });
  });
}

const OUTBOUND_URL_MESSAGES: Record<OutboundUrlProblem, string> = {
  invalid_url: "is not a valid URL",
  insecure_url: "must be an https URL",
  credentials: "must not carry credentials",
  forbidden_address: "must not be a private, loopback or link-local address",
};

/** The URL as it will be posted to, or a 400 naming what is wrong with it. */
export async function checkSubscriptionUrl(
  raw: string,
  allowInsecure: boolean,
  lookup: LookupFunction = dns.lookup as unknown as LookupFunction,
): Promise<string> {
  const checked = checkOutboundUrl(raw, { allowInsecure });
  if (!checked.ok) throw badUrl(OUTBOUND_URL_MESSAGES[checked.problem]);
  const { url } = checked;
  if (allowInsecure) return url.href;
  const host = url.hostname.replace(/^\[|\]$/g, "");
  let addresses: string[];
  if (net.isIP(host)) addresses = [host];
  else {
    try {
      addresses = (await lookupAll(lookup, host)).map((a) => a.address);
    } catch {
      throw badUrl(`host ${host} does not resolve`);
    }
  }
  const refused = addresses.find((a) => !isPublicUnicastAddress(a));
  if (refused || addresses.length === 0)
    throw badUrl(`must not resolve to a private, loopback or link-local address (${refused})`);
  return url.href;
}

/** The requested types, checked against the catalogue and what this subscriber may see. */
export function checkEventTypes(events: string[], audience: Audience): string[] {
  events.forEach((type, i) => {
    if (type === "*") return;
    const info = eventTypeInfo(type);
    const pointer = `/events/${i}`;
    if (!info)
      throw new InvalidRequestError(
        `Unknown event type "${type}"`,
        [{ pointer, message: "is not in the catalogue (GET /v1/webhooks/events)" }],
        "unknown_event_type",
      );
    if (audience === "agent" && info.audience !== "agent")
      throw new InvalidRequestError(
        `An agent cannot subscribe to "${type}"`,
        [{ pointer, message: "is for the admin's subscriptions only" }],
        "unknown_event_type",
      );
  });
  return events.includes("*") ? ["*"] : events;
}

export async function createSubscription(
  deps: SubscriptionDeps,
  who: Subscriber,
  input: { url: string; events: string[] },
): Promise<{ subscription: Subscription; secret: string }> {
  const events = checkEventTypes(input.events, who.agentId === null ? "user" : "agent");
  const url = await checkSubscriptionUrl(input.url, deps.allowInsecure, deps.lookup);
  const existing = (await deps.webhookStore.listSubscriptions(who.username)).filter(
    (s) => !isCallbacksSubscription(s),
  );
  if (existing.length >= MAX_SUBSCRIPTIONS_PER_USER)
    throw new ConflictError(`A user has at most ${MAX_SUBSCRIPTIONS_PER_USER} subscriptions`);
  const secret = newSigningSecret();
  const now = deps.clock.now();
  const subscription: Subscription = {
    id: newId("whk"),
    username: who.username,
    agentId: who.agentId,
    url,
    events,
    secrets: [{ secret, createdAt: now, expiresAt: null }],
    status: "active",
    fromSeq: (await deps.store.auditHead(who.username)).seq,
    createdAt: now,
  };
  await deps.webhookStore.putSubscription(subscription);
  return { subscription, secret };
}

/** A new current secret; the previous one keeps signing for 24 h, older ones stop. */
export async function rotateSecret(
  deps: SubscriptionDeps,
  sub: Subscription,
): Promise<{ subscription: Subscription; secret: string; previousExpiresAt: number }> {
  const now = deps.clock.now();
  const secret = newSigningSecret();
  const previous = sub.secrets.find((s) => s.expiresAt === null);
  const previousExpiresAt = now + ROTATION_OVERLAP_MS;
  const subscription: Subscription = {
    ...sub,
    secrets: [
      { secret, createdAt: now, expiresAt: null },
      ...(previous ? [{ ...previous, expiresAt: previousExpiresAt }] : []),
    ],
  };
  await deps.webhookStore.putSubscription(subscription);
  return { subscription, secret, previousExpiresAt };
}
