/**
 * Signing a delivery, at send time, with every live secret of the subscription:
 * - `X-AgentDraft-Signature: t=<unix>,v1=<hex>[,v1=<hex>]`, Stripe's scheme: HMAC-SHA256
 *   keyed with the whole `whsec_…` string, over `<t>.<raw body>`;
 * - Standard Webhooks: `webhook-id`, `webhook-timestamp`, `webhook-signature: v1,<base64>`
 *   (space-separated during rotation), keyed with the base64-decoded part after `whsec_`,
 *   over `<id>.<t>.<raw body>`.
 * So one secret verifies with either library.
 */
import { createHmac, randomBytes } from "node:crypto";

export const SECRET_PREFIX = "whsec_";
export const SIGNATURE_HEADER = "x-agentdraft-signature";

export function newSigningSecret(): string {
  return `${SECRET_PREFIX}${randomBytes(32).toString("base64")}`;
}

export function stripeStyleSignature(secrets: string[], timestamp: number, body: string): string {
  const signed = `${timestamp}.${body}`;
  const v1 = secrets.map((s) => `v1=${createHmac("sha256", s).update(signed).digest("hex")}`);
  return [`t=${timestamp}`, ...v1].join(",");
}

export function standardWebhookSignature(
  secrets: string[],
  messageId: string,
  timestamp: number,
  body: string,
): string {
  const signed = `${messageId}.${timestamp}.${body}`;
  return secrets
    .map((s) => {
      const key = Buffer.from(s.slice(SECRET_PREFIX.length), "base64");
      return `v1,${createHmac("sha256", key).update(signed).digest("base64")}`;
    })
    .join(" ");
}

/** Every header of a delivery. `messageId` is the event id, the same on each attempt. */
export function deliveryHeaders(
  secrets: string[],
  messageId: string,
  timestamp: number,
  body: string,
): Record<string, string> {
  return {
    "content-type": "application/json",
    [SIGNATURE_HEADER]: stripeStyleSignature(secrets, timestamp, body),
    "webhook-id": messageId,
    "webhook-timestamp": String(timestamp),
    "webhook-signature": standardWebhookSignature(secrets, messageId, timestamp, body),
  };
}
