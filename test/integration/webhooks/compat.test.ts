/**
 * A real delivery, verified by the two libraries receivers use: Stripe's
 * `webhooks.constructEvent` (X-AgentDraft-Signature) and `standardwebhooks` (webhook-*
 * headers), with the same whsec_ secret, before and after a rotation.
 */
import { Webhook } from "standardwebhooks";
import Stripe from "stripe";
import request from "supertest";
import { afterEach, beforeEach, expect, it } from "vitest";
import { systemClock } from "../../../src/clock.js";
import type { TestNode } from "../../helpers/node.js";
import { type Receiver, startReceiver } from "../../helpers/webhooks/receiver.js";
import { createAgent, createWebhookTestNode, subscribe } from "../../helpers/webhooks/setup.js";

const stripe = new Stripe("sk_test_unused");
let node: TestNode;
let receiver: Receiver;

beforeEach(async () => {
  receiver = await startReceiver();
  // The libraries check the timestamp against the real clock.
  node = await createWebhookTestNode(
    {},
    { clock: systemClock, webhooks: { dispatcher: { pollMs: 5 } } },
  );
});
afterEach(async () => {
  await node.close();
  await receiver.close();
});

function standardHeaders(headers: Record<string, unknown>): Record<string, string> {
  const pick = (name: string) => headers[name] as string;
  return {
    "webhook-id": pick("webhook-id"),
    "webhook-timestamp": pick("webhook-timestamp"),
    "webhook-signature": pick("webhook-signature"),
  };
}

it("passes Stripe's constructEvent and the Standard Webhooks verifier", async () => {
  const agent = await createAgent(node, "A", 1);
  const sub = await subscribe(node, agent.auth, {
    url: receiver.url,
    events: ["booking.committed"],
  });
  // Far enough ahead for the profile's notice, and the clock is real here.
  const start = new Date(Date.now() + 3 * 86_400_000);
  start.setUTCMinutes(0, 0, 0);
  const res = await request(node.app)
    .post("/v1/bookings")
    .set(agent.auth)
    .send({ start: start.toISOString(), end: new Date(+start + 1800_000).toISOString() });
  expect(res.status).toBe(201);
  await receiver.waitFor(() => receiver.received.length === 1);
  const { body, headers } = receiver.received[0]!;

  const event = stripe.webhooks.constructEvent(
    body,
    headers["x-agentdraft-signature"] as string,
    sub.secret,
  ) as unknown as { type: string; data: { id: string; object: { booking_id: string } } };
  expect(event.type).toBe("booking.committed");
  expect(event.data.id).toBe(res.body.audit_ref);
  expect(event.data.object.booking_id).toBe(res.body.booking_id);

  const verified = new Webhook(sub.secret).verify(body, standardHeaders(headers)) as typeof event;
  expect(verified.data.id).toBe(res.body.audit_ref);
  expect(headers["webhook-id"]).toBe(res.body.audit_ref);

  expect(() =>
    stripe.webhooks.constructEvent(
      body.replace("committed", "cancelled"),
      headers["x-agentdraft-signature"] as string,
      sub.secret,
    ),
  ).toThrow(/No signatures found/);
  expect(() =>
    new Webhook(sub.secret).verify(body.replace("committed", "x"), standardHeaders(headers)),
  ).toThrow(/No matching signature/);
});

it("verifies with either secret during a rotation, in both libraries", async () => {
  const sub = await subscribe(node, node.admin, {
    url: receiver.url,
    events: ["booking.committed"],
    user_id: "jane",
  });
  const rotated = await request(node.app).post(`/v1/webhooks/${sub.id}/rotate`).set(node.admin);
  const agent = await createAgent(node, "A", 1);
  const start = new Date(Date.now() + 3 * 86_400_000);
  start.setUTCMinutes(0, 0, 0);
  await request(node.app)
    .post("/v1/bookings")
    .set(agent.auth)
    .send({ start: start.toISOString(), end: new Date(+start + 1800_000).toISOString() })
    .expect(201);
  await receiver.waitFor(() => receiver.received.length === 1);
  const { body, headers } = receiver.received[0]!;
  for (const secret of [sub.secret, rotated.body.secret]) {
    expect(
      stripe.webhooks.constructEvent(body, headers["x-agentdraft-signature"] as string, secret),
    ).toMatchObject({ type: "booking.committed" });
    expect(new Webhook(secret).verify(body, standardHeaders(headers))).toMatchObject({
      type: "booking.committed",
    });
  }
});
