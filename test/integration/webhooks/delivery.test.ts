/**
 * Delivery in one process on the embedded store, with a manual clock: the dispatcher's
 * schedule is read off `next_attempt_at` and checked by moving the clock.
 */
import { setTimeout as sleep } from "node:timers/promises";
import request from "supertest";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ManualClock } from "../../../src/clock.js";
import { parseSignatureHeader, verifyWebhookSignature } from "../../../src/webhooks/index.js";
import type { TestNode } from "../../helpers/node.js";
import { answer, type Receiver, startReceiver } from "../../helpers/webhooks/receiver.js";
import {
  commit,
  createAgent,
  createWebhookTestNode,
  slot,
  subscribe,
  type TestAgent,
} from "../../helpers/webhooks/setup.js";

let node: TestNode;
let clock: ManualClock;
let receiver: Receiver;
let agent: TestAgent;

beforeEach(async () => {
  receiver = await startReceiver();
  node = await createWebhookTestNode(
    {},
    { webhooks: { dispatcher: { pollMs: 2, timeoutMs: 300, random: () => 0.5 } } },
  );
  clock = node.clock as ManualClock;
  agent = await createAgent(node, "A", 2);
});

afterEach(async () => {
  await node.close();
  await receiver.close();
});

interface DeliveryJson {
  event_id: string;
  status: string;
  attempt_count: number;
  attempts: { at: string; status_code: number | null; error: string | null }[];
  next_attempt_at: string | null;
  last_error: string | null;
}

async function deliveries(subId: string, query = ""): Promise<DeliveryJson[]> {
  const res = await request(node.app)
    .get(`/v1/webhooks/${subId}/deliveries${query}`)
    .set(node.admin);
  expect(res.status).toBe(200);
  return res.body.deliveries;
}

async function waitForDelivery(
  subId: string,
  predicate: (d: DeliveryJson) => boolean,
): Promise<DeliveryJson> {
  for (let i = 0; i < 500; i++) {
    const found = (await deliveries(subId)).find(predicate);
    if (found) return found;
    await sleep(10);
  }
  throw new Error("delivery did not reach the expected state");
}

const at = (ms: number) => new Date(ms).toISOString();

/**
 * A positive signal for a negative check: a second subscription, to its own receiver, of
 * every event of jane. The dispatcher persists an event's deliveries for all subscriptions
 * in one step before it sends any, so once the sentinel has the event, any delivery of
 * it to another subscription exists too.
 */
async function startSentinel() {
  const sentinel = await startReceiver();
  await subscribe(node, node.admin, { url: sentinel.url, events: ["*"], user_id: "jane" });
  return {
    /** Resolves once the sentinel received the event `eventId`. */
    async saw(eventId: string) {
      await sentinel.waitFor(() => sentinel.received.some((r) => r.eventId === eventId));
    },
    close: () => sentinel.close(),
  };
}

/** Moves the clock to 1 ms before `dueAt`, checks nothing is sent, then to `dueAt`. */
async function stepTo(dueAt: number, expectedRequests: number) {
  clock.set(dueAt - 1);
  await sleep(60);
  expect(receiver.received).toHaveLength(expectedRequests - 1);
  clock.set(dueAt);
  await receiver.waitFor(() => receiver.received.length === expectedRequests);
}

describe("retries", () => {
  it("follows the backoff schedule through a failure, a timeout and a 500 to success", async () => {
    receiver.setHandler((_req, res, index) => {
      if (index === 0)
        res.socket?.destroy(); // the connection fails
      else if (index === 1)
        return; // never answers: a timeout
      else if (index === 2) res.writeHead(500).end();
      else res.writeHead(200).end();
    });
    const sub = await subscribe(node, agent.auth, {
      url: receiver.url,
      events: ["booking.committed"],
    });
    const t0 = clock.now();
    const booking = await commit(node, agent, 1);

    await receiver.waitFor(() => receiver.received.length === 1);
    let d = await waitForDelivery(sub.id, (x) => x.attempt_count === 1);
    expect(d.next_attempt_at).toBe(at(t0 + 30_000));
    expect(d.attempts[0]).toMatchObject({ at: at(t0), status_code: null });
    expect(d.attempts[0]!.error).toMatch(/^network: /);

    await stepTo(t0 + 30_000, 2);
    d = await waitForDelivery(sub.id, (x) => x.attempt_count === 2);
    expect(d.attempts[1]!.error).toMatch(/^timeout: /);
    expect(d.next_attempt_at).toBe(at(t0 + 30_000 + 60_000));

    await stepTo(t0 + 90_000, 3);
    d = await waitForDelivery(sub.id, (x) => x.attempt_count === 3);
    expect(d.attempts[2]).toMatchObject({ status_code: 500, error: "HTTP 500" });
    expect(d.next_attempt_at).toBe(at(t0 + 90_000 + 120_000));

    await stepTo(t0 + 210_000, 4);
    d = await waitForDelivery(sub.id, (x) => x.status === "succeeded");
    expect(d).toMatchObject({
      event_id: booking.audit_ref,
      attempt_count: 4,
      next_attempt_at: null,
      last_error: null,
    });
    expect(d.attempts.map((a) => [a.at, a.status_code])).toEqual([
      [at(t0), null],
      [at(t0 + 30_000), null],
      [at(t0 + 90_000), 500],
      [at(t0 + 210_000), 200],
    ]);
    // Every attempt: the same event and bytes, signed afresh when sent.
    const bodies = new Set(receiver.received.map((r) => r.body));
    expect(bodies.size).toBe(1);
    expect(receiver.received.map((r) => r.eventId)).toEqual(Array(4).fill(booking.audit_ref));
    const stamps = receiver.received.map(
      (r) => parseSignatureHeader(r.headers["x-agentdraft-signature"] as string).timestamp,
    );
    expect(stamps).toEqual([t0, t0 + 30_000, t0 + 90_000, t0 + 210_000].map((t) => t / 1000));
    const last = receiver.received[3]!;
    verifyWebhookSignature(
      last.body,
      last.headers["x-agentdraft-signature"] as string,
      sub.secret,
      {
        now: (t0 + 210_000) / 1000,
      },
    );
    await sleep(50);
    expect(receiver.received).toHaveLength(4);
  });

  it("honours Retry-After", async () => {
    receiver.setHandler((_req, res, index) => {
      if (index === 0) res.writeHead(503, { "retry-after": "120" }).end();
      else res.writeHead(200).end();
    });
    const sub = await subscribe(node, agent.auth, {
      url: receiver.url,
      events: ["booking.committed"],
    });
    const t0 = clock.now();
    await commit(node, agent, 1);
    const d = await waitForDelivery(sub.id, (x) => x.attempt_count === 1);
    expect(d.next_attempt_at).toBe(at(t0 + 120_000));
    await stepTo(t0 + 120_000, 2);
    await waitForDelivery(sub.id, (x) => x.status === "succeeded");
  });

  it("dead-letters after 14 attempts over about a day, visible through the API", async () => {
    receiver.setHandler(answer(500));
    const sub = await subscribe(node, agent.auth, {
      url: receiver.url,
      events: ["booking.committed"],
    });
    await commit(node, agent, 1);
    for (let n = 1; n < 14; n++) {
      const d = await waitForDelivery(sub.id, (x) => x.attempt_count === n);
      clock.set(Date.parse(d.next_attempt_at!));
    }
    const dead = await waitForDelivery(sub.id, (x) => x.status === "dead_lettered");
    expect(dead.attempt_count).toBe(14);
    expect(dead.next_attempt_at).toBeNull();
    expect(dead.last_error).toBe("HTTP 500");
    const span = Date.parse(dead.attempts[13]!.at) - Date.parse(dead.attempts[0]!.at);
    expect(span / 3600_000).toBeCloseTo(26.5, 1);
    expect(await deliveries(sub.id, "?status=dead_lettered")).toHaveLength(1);
    expect(await deliveries(sub.id, "?status=pending")).toHaveLength(0);
  });

  it("disables the subscription on 410 and dead-letters what was pending", async () => {
    receiver.setHandler((_req, res, index) => res.writeHead(index === 0 ? 500 : 410).end());
    const sub = await subscribe(node, agent.auth, {
      url: receiver.url,
      events: ["booking.committed"],
    });
    const first = await commit(node, agent, 1);
    await waitForDelivery(sub.id, (x) => x.attempt_count === 1);
    const second = await commit(node, agent, 2);
    await waitForDelivery(sub.id, (x) => x.event_id === second.audit_ref && x.attempt_count === 1);
    const shown = await request(node.app).get(`/v1/webhooks/${sub.id}`).set(agent.auth);
    expect(shown.body).toMatchObject({
      status: "disabled",
      disabled_reason: "the endpoint answered 410 Gone",
    });
    const [gone, retrying] = await deliveries(sub.id);
    expect(gone).toMatchObject({
      event_id: second.audit_ref,
      status: "dead_lettered",
      last_error: "HTTP 410",
    });
    // The one waiting for its retry is dead-lettered too, with the reason.
    expect(retrying).toMatchObject({
      event_id: first.audit_ref,
      status: "dead_lettered",
      attempt_count: 1,
      next_attempt_at: null,
      last_error: "subscription disabled: the endpoint answered 410 Gone",
    });
    const sentinel = await startSentinel();
    try {
      const third = await commit(node, agent, 3);
      clock.advance(3600_000);
      await sentinel.saw(third.audit_ref);
    } finally {
      await sentinel.close();
    }
    expect(receiver.received).toHaveLength(2);
    expect(await deliveries(sub.id)).toHaveLength(2);
  });
});

describe("what is delivered", () => {
  it("gives an agent its own events in order, and the admin all of them", async () => {
    const strong = await createAgent(node, "Strong", 1);
    const admin = await startReceiver();
    try {
      await subscribe(node, agent.auth, {
        url: receiver.url,
        events: ["booking.committed", "booking.evicted", "hold.invalidated"],
      });
      await subscribe(node, node.admin, { url: admin.url, events: ["*"], user_id: "jane" });
      const held = await request(node.app).post("/v1/holds").set(agent.auth).send(slot(0));
      expect(held.status).toBe(201);
      await commit(node, strong, 0); // displaces the hold
      const own = await commit(node, agent, 4);
      clock.advance(1_000);
      await commit(node, strong, 4); // evicts it, inside the bump window
      await receiver.waitFor(() => receiver.received.length === 3);
      const types = receiver.received.map((r) => JSON.parse(r.body).type);
      expect(types).toEqual(["hold.invalidated", "booking.committed", "booking.evicted"]);
      const evicted = JSON.parse(receiver.received[2]!.body).data.object;
      expect(evicted).toMatchObject({
        booking_id: own.booking_id,
        agent_id: agent.id,
        reason: "priority_bump",
        evicted_by_agent_id: strong.id,
      });
      await admin.waitFor(() => admin.received.length === 6);
      expect(admin.received.map((r) => JSON.parse(r.body).type)).toEqual([
        "hold.created",
        "hold.invalidated",
        "booking.committed",
        "booking.committed",
        "booking.evicted",
        "booking.committed",
      ]);
      // The admin's subscription saw every event, the last commit's included: the agent's
      // deliveries of them were persisted with the admin's, so nothing more is on its way.
      expect(receiver.received).toHaveLength(3);
    } finally {
      await admin.close();
    }
  });

  it("delivers only events after the subscription, and none after its deletion", async () => {
    await commit(node, agent, 1);
    const sub = await subscribe(node, agent.auth, {
      url: receiver.url,
      events: ["booking.committed"],
    });
    const after = await commit(node, agent, 2);
    await receiver.waitFor(() => receiver.received.length === 1);
    expect(receiver.received[0]!.eventId).toBe(after.audit_ref);
    await request(node.app).delete(`/v1/webhooks/${sub.id}`).set(agent.auth).expect(204);
    const sentinel = await startSentinel();
    try {
      const third = await commit(node, agent, 3);
      await sentinel.saw(third.audit_ref);
    } finally {
      await sentinel.close();
    }
    expect(receiver.received).toHaveLength(1);
  });

  it("signs with both secrets for 24 h after a rotation, then with the new one", async () => {
    const sub = await subscribe(node, agent.auth, {
      url: receiver.url,
      events: ["booking.committed"],
    });
    const rotated = await request(node.app).post(`/v1/webhooks/${sub.id}/rotate`).set(agent.auth);
    await commit(node, agent, 1);
    await receiver.waitFor(() => receiver.received.length === 1);
    const first = receiver.received[0]!;
    const header = first.headers["x-agentdraft-signature"] as string;
    expect(parseSignatureHeader(header).v1).toHaveLength(2);
    expect((first.headers["webhook-signature"] as string).split(" ")).toHaveLength(2);
    const now = clock.now() / 1000;
    for (const secret of [sub.secret, rotated.body.secret])
      verifyWebhookSignature(first.body, header, secret, { now });

    clock.advance(24 * 3600_000 + 1);
    await commit(node, agent, 60);
    await receiver.waitFor(() => receiver.received.length === 2);
    const second = receiver.received[1]!;
    const header2 = second.headers["x-agentdraft-signature"] as string;
    expect(parseSignatureHeader(header2).v1).toHaveLength(1);
    verifyWebhookSignature(second.body, header2, rotated.body.secret, { now: clock.now() / 1000 });
    expect(() =>
      verifyWebhookSignature(second.body, header2, sub.secret, { now: clock.now() / 1000 }),
    ).toThrow();
  });
});

describe("stopping", () => {
  it("stops with a delivery in flight: the attempt is dropped, the delivery stays due", async () => {
    await node.close();
    node = await createWebhookTestNode(
      {},
      { webhooks: { dispatcher: { pollMs: 2, timeoutMs: 10_000, stopGraceMs: 100 } } },
    );
    agent = await createAgent(node, "A", 2);
    receiver.setHandler(() => {}); // never answers
    const sub = await subscribe(node, agent.auth, {
      url: receiver.url,
      events: ["booking.committed"],
    });
    await commit(node, agent, 1);
    await receiver.waitFor(() => receiver.received.length === 1);
    const pending = node.ctx.webhooks.webhookStore;
    const started = Date.now();
    await node.ctx.webhooks.stop();
    expect(Date.now() - started).toBeLessThan(2_000);
    const [delivery] = await pending.listPending({ username: "jane", subscriptionId: sub.id });
    expect(delivery).toMatchObject({ status: "pending", attempts: [] });
  });
});
