import { readFileSync } from "node:fs";
import { Webhook } from "standardwebhooks";
import Stripe from "stripe";
import { describe, expect, it } from "vitest";
import {
  deliveryHeaders,
  newSigningSecret,
  standardWebhookSignature,
  stripeStyleSignature,
} from "../../../src/webhooks/index.js";

interface Vector {
  name: string;
  secrets: string[];
  id: string;
  timestamp: number;
  body: string;
  x_agentdraft_signature: string;
  webhook_signature: string;
}

const { vectors } = JSON.parse(
  readFileSync(new URL("../../fixtures/vectors/webhooks/signatures.json", import.meta.url), "utf8"),
) as { vectors: Vector[] };
const stripe = new Stripe("sk_test_unused");

describe("signature known-answer vectors", () => {
  it.each(vectors.map((v) => [v.name, v] as const))("%s: X-AgentDraft-Signature", (_n, v) => {
    expect(stripeStyleSignature(v.secrets, v.timestamp, v.body)).toBe(v.x_agentdraft_signature);
  });

  it.each(vectors.map((v) => [v.name, v] as const))("%s: webhook-signature", (_n, v) => {
    expect(standardWebhookSignature(v.secrets, v.id, v.timestamp, v.body)).toBe(
      v.webhook_signature,
    );
  });

  it.each(vectors.map((v) => [v.name, v] as const))("%s: agrees with both libraries", (_n, v) => {
    v.secrets.forEach((secret, i) => {
      const stripeHeader = stripe.webhooks.generateTestHeaderString({
        payload: v.body,
        secret,
        timestamp: v.timestamp,
      });
      expect(v.x_agentdraft_signature.split(",")[i + 1]).toBe(stripeHeader.split(",")[1]);
      const standard = new Webhook(secret).sign(v.id, new Date(v.timestamp * 1000), v.body);
      expect(v.webhook_signature.split(" ")[i]).toBe(standard);
    });
  });
});

describe("delivery headers", () => {
  it("carries both schemes and the event id, for every live secret", () => {
    const v = vectors[1]!;
    expect(deliveryHeaders(v.secrets, v.id, v.timestamp, v.body)).toEqual({
      "content-type": "application/json",
      "x-agentdraft-signature": v.x_agentdraft_signature,
      "webhook-id": v.id,
      "webhook-timestamp": String(v.timestamp),
      "webhook-signature": v.webhook_signature,
    });
  });

  it("makes secrets that both libraries take: whsec_ and 32 random bytes in base64", () => {
    const secret = newSigningSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(secret.slice(6), "base64")).toHaveLength(32);
    expect(newSigningSecret()).not.toBe(secret);
    const body = '{"type":"booking.committed"}';
    const t = Math.floor(Date.now() / 1000);
    const headers = deliveryHeaders([secret], "evt_x_1", t, body);
    expect(() =>
      stripe.webhooks.constructEvent(body, headers["x-agentdraft-signature"]!, secret),
    ).not.toThrow();
    expect(new Webhook(secret).verify(body, headers)).toEqual({ type: "booking.committed" });
  });
});
