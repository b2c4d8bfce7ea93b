/**
 * Peer callbacks through the outbox, on both stores, with the dispatcher running and
 * receivers on loopback. The callback events are appended to the chain through the
 * store's own audit append (helpers/webhooks/audit-events.ts), as the pending bookings
 * will write them. Every "nothing was posted" is asserted after a positive signal: a later
 * callback, or a webhook of the same event, arrived.
 */
import net, { type LookupFunction } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type Agent, hashAgentKey, type Store } from "../../../src/arbiter/index.js";
import { ensureCallbacksSubscription } from "../../../src/webhooks/callbacks.js";
import type { DispatcherOptions } from "../../../src/webhooks/dispatcher.js";
import {
  type AuthorizeCallback,
  DEFAULT_RETRY_POLICY,
  RedisWebhookStore,
  type Webhooks,
} from "../../../src/webhooks/index.js";
import { appendAuditEvent } from "../../helpers/webhooks/audit-events.js";
import {
  type ReceivedRequest,
  type Receiver,
  startReceiver,
} from "../../helpers/webhooks/receiver.js";
import {
  BASE,
  HOUR,
  startStoreWebhooks,
  takeAsDeadConsumer,
  userRecord,
  webhookStoreKinds,
} from "../../helpers/webhooks/stores.js";

const iso = (ms: number) => new Date(ms).toISOString();

const JANE = userRecord("jane");

/** Hands out `tok-1`, `tok-2`, … and remembers what each was made for. */
function tokenIssuer() {
  const calls: { url: string; body: string; token: string }[] = [];
  const authorize: AuthorizeCallback = async (url, body) => {
    const token = `tok-${calls.length + 1}`;
    calls.push({ url, body, token });
    return token;
  };
  return { calls, authorize };
}

const bodyOf = (r: ReceivedRequest) => JSON.parse(r.body) as Record<string, unknown>;
const eventIdOf = (r: ReceivedRequest) => r.headers["calendario-event-id"];

async function until<T>(read: () => Promise<T>, ok: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const value = await read();
    if (ok(value)) return value;
    if (Date.now() > deadline) throw new Error(`condition not met; last: ${JSON.stringify(value)}`);
    await sleep(10);
  }
}

const { kinds, server } = webhookStoreKinds();

for (const kind of kinds) {
  describe(`peer callbacks: ${kind.name} store`, () => {
    let store: Store;
    let redisUrl: string | undefined;
    const running: Webhooks[] = [];
    const receivers: Receiver[] = [];
    const receiver = async () => {
      const r = await startReceiver();
      receivers.push(r);
      return r;
    };

    async function startWebhooks(
      opts: {
        authorizeCallback?: AuthorizeCallback;
        allowInsecure?: boolean;
        lookup?: LookupFunction;
        dispatcher?: Partial<DispatcherOptions> | false;
      } = {},
    ): Promise<Webhooks> {
      const webhooks = await startStoreWebhooks(
        store,
        redisUrl,
        opts.dispatcher === false
          ? false
          : {
              pollMs: 5,
              watchRefreshMs: 20,
              callbackSweepMs: 20,
              retry: { ...DEFAULT_RETRY_POLICY, baseDelayMs: 20, jitter: 0 },
              ...opts.dispatcher,
            },
        opts,
      );
      running.push(webhooks);
      return webhooks;
    }

    /** A booking's event as the pending bookings write it. */
    function callbackEvent(type: string, bookingId: string, extra: Record<string, unknown> = {}) {
      return appendAuditEvent(store, "jane", type, {
        booking_id: bookingId,
        start: BASE,
        end: BASE + 30 * 60_000,
        ...extra,
      });
    }

    beforeEach(async () => {
      const opened = await kind.open();
      store = opened.store;
      redisUrl = opened.redisUrl;
      await store.putUser(JANE, "admin");
    });
    afterEach(async () => {
      for (const webhooks of running.splice(0)) await webhooks.stop();
      await store.close();
      await Promise.all(receivers.splice(0).map((r) => r.close()));
    });

    it("posts each decided booking's callback once, with the body and a token made for it", async () => {
      const peer = await receiver();
      const issuer = tokenIssuer();
      const webhooks = await startWebhooks({ authorizeCallback: issuer.authorize });
      const url = peer.url;
      const events = [
        await callbackEvent("booking.confirmed", "bkg_cb1", {
          callback_url: url,
          meeting_url: "https://meet.example/jane",
          confirmation_message: "See you then",
        }),
        await callbackEvent("booking.declined", "bkg_cb2", {
          callback_url: url,
          reason: "declined",
          message: "Busy that week",
          suggested_times: [BASE + HOUR, BASE + 2 * HOUR],
        }),
        await callbackEvent("booking.expired", "bkg_cb3", { callback_url: url }),
        await callbackEvent("booking.cancelled", "bkg_cb4", {
          callback_url: url,
          reason: "cancelled",
        }),
      ];
      await peer.waitFor(() => peer.received.length === 4);

      const common = (i: number) => ({
        event_id: events[i]!.id,
        occurred_at: iso(events[i]!.at),
        start_time: iso(BASE),
        duration_minutes: 30,
      });
      expect(peer.received.map(bodyOf)).toEqual([
        {
          type: "booking.confirmed",
          booking_id: "bkg_cb1",
          status: "confirmed",
          ...common(0),
          meeting_url: "https://meet.example/jane",
          confirmation_message: "See you then",
        },
        {
          type: "booking.declined",
          booking_id: "bkg_cb2",
          status: "declined",
          ...common(1),
          reason: "declined",
          message: "Busy that week",
          suggested_times: [iso(BASE + HOUR), iso(BASE + 2 * HOUR)],
        },
        { type: "booking.expired", booking_id: "bkg_cb3", status: "expired", ...common(2) },
        {
          type: "booking.cancelled",
          booking_id: "bkg_cb4",
          status: "cancelled",
          ...common(3),
          reason: "cancelled",
        },
      ]);
      // One token per POST, made for its URL and its exact bytes.
      expect(issuer.calls).toHaveLength(4);
      peer.received.forEach((r, i) => {
        expect(r.headers.authorization).toBe(`Bearer ${issuer.calls[i]!.token}`);
        expect(issuer.calls[i]).toMatchObject({ url, body: r.body });
        expect(eventIdOf(r)).toBe(events[i]!.id);
        expect(r.headers["content-type"]).toBe("application/json");
        expect(r.headers["x-agentdraft-signature"]).toBeUndefined();
      });

      // The admin sees them; the webhook API does not.
      const page = await until(
        () => webhooks.callbackDeliveries("jane", { limit: 10 }),
        (p) => p.deliveries.length === 4 && p.deliveries.every((d) => d.status === "succeeded"),
      );
      expect(page.deliveries.map((d) => [d.eventId, d.url])).toEqual(
        events.map((e) => [e.id, url]).reverse(),
      );
      expect(await webhooks.list({ username: "jane", agentId: null })).toEqual([]);
      expect(await webhooks.find("callbacks", { username: "jane", agentId: null })).toBeNull();
      expect(await webhooks.find("callbacks", { username: null, agentId: null })).toBeNull();
    });

    it("retries a 503 with the same event id and a fresh token", async () => {
      const peer = await receiver();
      peer.setHandler((_req, res, index) => {
        res.writeHead(index === 0 ? 503 : 200).end();
      });
      const issuer = tokenIssuer();
      const webhooks = await startWebhooks({ authorizeCallback: issuer.authorize });
      const event = await callbackEvent("booking.confirmed", "bkg_retry", {
        callback_url: peer.url,
      });
      await peer.waitFor(() => peer.received.length === 2);

      const [first, second] = peer.received;
      expect(eventIdOf(first!)).toBe(event.id);
      expect(eventIdOf(second!)).toBe(event.id);
      expect(second!.body).toBe(first!.body);
      expect(first!.headers.authorization).toBe("Bearer tok-1");
      expect(second!.headers.authorization).toBe("Bearer tok-2");
      expect(issuer.calls.map((c) => c.body)).toEqual([first!.body, first!.body]);

      const [delivery] = (
        await until(
          () => webhooks.callbackDeliveries("jane", { limit: 1 }),
          (p) => p.deliveries[0]?.status === "succeeded",
        )
      ).deliveries;
      expect(delivery!.attempts.map((a) => a.statusCode)).toEqual([503, 200]);
      expect(delivery!.attempts[0]!.error).toBe("HTTP 503");
    });

    it("posts nothing for an event without callback_url, nor for booking.requested", async () => {
      const peer = await receiver();
      const issuer = tokenIssuer();
      await startWebhooks({ authorizeCallback: issuer.authorize });
      await callbackEvent("booking.confirmed", "bkg_local");
      await callbackEvent("booking.requested", "bkg_asked", { callback_url: peer.url });
      await callbackEvent("booking.committed", "bkg_other", { callback_url: peer.url });
      // The positive signal: a later callback of the same user, sent in event order.
      const signal = await callbackEvent("booking.expired", "bkg_signal", {
        callback_url: peer.url,
      });
      await peer.waitFor(() => peer.received.length >= 1);
      expect(peer.received.map(eventIdOf)).toEqual([signal.id]);
      expect(issuer.calls).toHaveLength(1);
    });

    it("without authorizeCallback skips callbacks; local agents get the events as webhooks", async () => {
      const peer = await receiver();
      const hook = await receiver();
      const agent: Agent = {
        id: "agt_cb",
        username: "jane",
        name: "cb",
        priority: 1,
        scopes: [],
        createdAt: Date.now(),
      };
      await store.createAgent(agent, hashAgentKey("key-cb"), "admin");
      const webhooks = await startWebhooks();
      await webhooks.subscribe(
        { username: "jane", agentId: agent.id },
        { url: hook.url, events: ["booking.requested", "booking.confirmed"] },
      );
      await callbackEvent("booking.requested", "bkg_ack", {
        agent_id: agent.id,
        callback_url: peer.url,
        expires_at: BASE - HOUR,
      });
      const confirmed = await callbackEvent("booking.confirmed", "bkg_ack", {
        agent_id: agent.id,
        callback_url: peer.url,
      });
      await hook.waitFor(() => hook.received.some((r) => r.eventId === confirmed.id));
      expect(hook.received.map((r) => JSON.parse(r.body).data.object)).toEqual([
        expect.objectContaining({
          object: "booking",
          booking_id: "bkg_ack",
          agent_id: agent.id,
          status: "pending",
          start: iso(BASE),
          expires_at: iso(BASE - HOUR),
        }),
        expect.objectContaining({ booking_id: "bkg_ack", status: "confirmed" }),
      ]);
      expect(peer.received).toEqual([]);
      expect((await webhooks.callbackDeliveries("jane", { limit: 10 })).deliveries).toEqual([]);
    });

    it("dead-letters a callback to a private address without connecting, with insecure off", async () => {
      let connections = 0;
      const target = net.createServer((socket) => {
        connections += 1;
        socket.destroy();
      });
      await new Promise<void>((resolve) => target.listen(0, "127.0.0.1", resolve));
      const { port } = target.address() as net.AddressInfo;
      // Every name resolves to loopback.
      const lookup = ((_host: string, _opts: unknown, cb: (...a: unknown[]) => void) =>
        cb(null, [{ address: "127.0.0.1", family: 4 }])) as unknown as LookupFunction;
      const issuer = tokenIssuer();
      try {
        const webhooks = await startWebhooks({
          authorizeCallback: issuer.authorize,
          allowInsecure: false,
          lookup,
        });
        const named = `https://peer.example:${port}/callback`;
        await callbackEvent("booking.confirmed", "bkg_p1", { callback_url: named });
        await callbackEvent("booking.confirmed", "bkg_p2", {
          callback_url: `https://127.0.0.1:${port}/callback`,
        });
        await callbackEvent("booking.confirmed", "bkg_p3", {
          callback_url: `http://peer.example:${port}/callback`,
        });
        const { deliveries } = await until(
          () => webhooks.callbackDeliveries("jane", { status: "dead_lettered", limit: 10 }),
          (p) => p.deliveries.length === 3,
        );
        const [insecure, literal, resolved] = deliveries;
        expect(resolved!.attempts).toHaveLength(1);
        expect(resolved!.attempts[0]!.error).toMatch(/^forbidden_address: /);
        expect(literal!.attempts).toEqual([]);
        expect(literal!.deadLetterReason).toMatch(/^callback URL refused: .*not a public address/);
        expect(insecure!.attempts).toEqual([]);
        expect(insecure!.deadLetterReason).toMatch(/^callback URL refused: .*not an https URL/);
        expect(connections).toBe(0);
        // Only the URL that passed the first check got a token; none was ever sent.
        expect(issuer.calls.map((c) => c.url)).toEqual([named]);
      } finally {
        await new Promise<void>((resolve) => target.close(() => resolve()));
      }
    });

    if (kind.name !== "redis") return;

    it("two node processes on one Redis deliver each callback once", async () => {
      const peer = await receiver();
      const issuer = tokenIssuer();
      await startWebhooks({ authorizeCallback: issuer.authorize });
      await startWebhooks({ authorizeCallback: issuer.authorize });
      const ids: string[] = [];
      for (let i = 0; i < 10; i++)
        ids.push(
          (await callbackEvent("booking.confirmed", `bkg_two${i}`, { callback_url: peer.url })).id,
        );
      await peer.waitFor(() => peer.received.length >= 10);
      // A last one, after all the others: any duplicate would have gone out before it.
      ids.push((await callbackEvent("booking.expired", "bkg_last", { callback_url: peer.url })).id);
      await peer.waitFor(() => peer.received.some((r) => eventIdOf(r) === ids.at(-1)));
      expect(peer.received.map(eventIdOf)).toEqual(ids);
      expect(issuer.calls).toHaveLength(11);
    });

    it("reclaims the callback events a dead process took and delivers them", async () => {
      const peer = await receiver();
      const ws = await RedisWebhookStore.connect(redisUrl!);
      try {
        await ensureCallbacksSubscription({ webhookStore: ws, store }, "jane", Date.now());
      } finally {
        await ws.close();
      }
      const event = await callbackEvent("booking.declined", "bkg_dead", {
        callback_url: peer.url,
      });
      // A process reads it from the group, then dies without persisting or acknowledging.
      const taken = await takeAsDeadConsumer(server()!.client!, "jane");
      expect(taken).not.toBeNull();
      const started = Date.now();
      const issuer = tokenIssuer();
      await startWebhooks({ authorizeCallback: issuer.authorize, dispatcher: { leaseMs: 600 } });
      await peer.waitFor(() => peer.received.length === 1);
      expect(eventIdOf(peer.received[0]!)).toBe(event.id);
      expect(Date.now() - started).toBeGreaterThanOrEqual(500);
    });
  });
}
