/**
 * Webhooks when an agent is revoked or a user deleted, on both stores, with the
 * dispatcher running and receivers on loopback: nothing is delivered for a revoked agent
 * or a deleted user, and a user created again under the same name gets its new events.
 * Every "nothing arrived" is asserted after a positive signal that the dispatcher went
 * past it: another receiver got the event it was sent with.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  type Agent,
  type CommitCommand,
  type CounterProposal,
  hashAgentKey,
  type Store,
} from "../../../src/arbiter/index.js";
import type { Webhooks } from "../../../src/webhooks/index.js";
import { answer, type Receiver, startReceiver } from "../../helpers/webhooks/receiver.js";
import {
  BASE,
  HOUR,
  startStoreWebhooks,
  userRecord,
  webhookStoreKinds,
} from "../../helpers/webhooks/stores.js";

function agent(username: string, id: string, priority: number): Agent {
  return { id, username, name: id, priority, scopes: [], createdAt: Date.now() };
}

let n = 0;
function commitOf(username: string, a: Agent, slot: number): CommitCommand {
  n += 1;
  return {
    username,
    agentId: a.id,
    priority: a.priority,
    start: BASE + slot * HOUR,
    end: BASE + slot * HOUR + 30 * 60_000,
    bookingId: `bkg_life${n}`,
    bumpWindowMs: 0,
    dayKey: "d",
    maxPerDay: 0,
    fingerprint: `f${n}`,
    actor: a.id,
  };
}

async function committed(store: Store, cmd: CommitCommand) {
  const out = await store.commit(cmd);
  if (out.status !== "committed") throw new Error(`not committed: ${out.status}`);
  return out;
}

const { kinds, server } = webhookStoreKinds();

for (const kind of kinds) {
  describe(`webhook lifecycle: ${kind.name} store`, () => {
    let store: Store;
    let webhooks: Webhooks;
    const receivers: Receiver[] = [];
    const receiver = async (handler = answer(200)) => {
      const r = await startReceiver(handler);
      receivers.push(r);
      return r;
    };

    beforeEach(async () => {
      const opened = await kind.open();
      store = opened.store;
      webhooks = await startStoreWebhooks(store, opened.redisUrl, {
        pollMs: 5,
        watchRefreshMs: 20,
      });
      await store.putUser(userRecord("jane"), "admin");
    });
    afterEach(async () => {
      await webhooks.stop();
      await store.close();
      await Promise.all(receivers.splice(0).map((r) => r.close()));
    });

    /** A counter-proposal by `by` on `booking`: both its agent and `by` want the event. */
    async function propose(bookingId: string, by: Agent) {
      n += 1;
      const counter: CounterProposal = {
        id: `ctr_life${n}`,
        bookingId,
        proposedBy: by.id,
        proposed: [{ start: BASE + 100 * HOUR, end: BASE + 101 * HOUR }],
        status: "open",
        createdAt: Date.now(),
      };
      await store.putCounter("jane", counter, "counter.proposed", by.id);
      const events = await store.readAudit("jane", { resource: bookingId });
      return events.at(-1)!.id;
    }

    async function twoAgents() {
      const kept = agent("jane", "agt_kept", 1);
      const revoked = agent("jane", "agt_revoked", 2);
      await store.createAgent(kept, hashAgentKey("key_kept"), "admin");
      await store.createAgent(revoked, hashAgentKey("key_revoked"), "admin");
      return { kept, revoked };
    }

    it("sends nothing more to a revoked agent's subscriptions, and dead-letters what was pending", async () => {
      const { kept, revoked } = await twoAgents();
      const keptHooks = await receiver();
      const revokedHooks = await receiver(answer(503));
      await webhooks.subscribe(
        { username: "jane", agentId: kept.id },
        { url: keptHooks.url, events: ["counter.proposed"] },
      );
      const { subscription } = await webhooks.subscribe(
        { username: "jane", agentId: revoked.id },
        { url: revokedHooks.url, events: ["counter.proposed", "booking.committed"] },
      );
      const booking = (await committed(store, commitOf("jane", revoked, 0))).booking;
      // Its first attempt fails: the delivery waits for a retry when the agent is revoked.
      await revokedHooks.waitFor(() => revokedHooks.received.length === 1);

      expect(await store.deleteAgent("jane", revoked.id, "admin")).toBe(true);
      expect(await webhooks.forgetAgent("jane", revoked.id)).toBe(1);
      const eventId = await propose(booking.id, kept);

      await keptHooks.waitFor(() => keptHooks.acceptedIds().includes(eventId));
      expect(revokedHooks.received).toHaveLength(1);
      expect(await webhooks.webhookStore.getSubscription("jane", subscription.id)).toMatchObject({
        status: "disabled",
        disabledReason: "agent_revoked",
      });
      const ref = { username: "jane", subscriptionId: subscription.id };
      expect(await webhooks.webhookStore.listPending(ref)).toEqual([]);
      const log = await webhooks.webhookStore.listDeliveries(ref, { limit: 10 });
      expect(log.deliveries.map((d) => [d.type, d.status, d.deadLetterReason])).toEqual([
        ["booking.committed", "dead_lettered", "subscription disabled: agent_revoked"],
      ]);
    });

    it("skips a subscription whose agent is gone even when the revocation's cleanup did not run", async () => {
      const { kept, revoked } = await twoAgents();
      const keptHooks = await receiver();
      const revokedHooks = await receiver();
      await webhooks.subscribe(
        { username: "jane", agentId: kept.id },
        { url: keptHooks.url, events: ["counter.proposed"] },
      );
      const { subscription } = await webhooks.subscribe(
        { username: "jane", agentId: revoked.id },
        { url: revokedHooks.url, events: ["counter.proposed"] },
      );
      const booking = (await committed(store, commitOf("jane", revoked, 0))).booking;
      await store.deleteAgent("jane", revoked.id, "admin");
      const eventId = await propose(booking.id, kept);

      await keptHooks.waitFor(() => keptHooks.acceptedIds().includes(eventId));
      // The dispatcher finds the agent gone when it comes to the delivery, and disables.
      for (let i = 0; i < 500; i++) {
        const sub = await webhooks.webhookStore.getSubscription("jane", subscription.id);
        if (sub?.status === "disabled") break;
        await new Promise((r) => setTimeout(r, 10));
      }
      expect(await webhooks.webhookStore.getSubscription("jane", subscription.id)).toMatchObject({
        status: "disabled",
        disabledReason: "agent_revoked",
      });
      expect(revokedHooks.received).toEqual([]);
    });

    it("forgets a deleted user's webhooks, and delivers a re-created user's new chain from seq 1", async () => {
      const a = agent("jane", "agt_a", 1);
      await store.createAgent(a, hashAgentKey("key_a"), "admin");
      const oldHooks = await receiver();
      const { subscription: old } = await webhooks.subscribe(
        { username: "jane", agentId: null },
        { url: oldHooks.url, events: ["booking.committed"] },
      );
      for (let i = 0; i < 3; i++) {
        const out = await committed(store, commitOf("jane", a, i));
        await oldHooks.waitFor(() => oldHooks.acceptedIds().includes(out.auditRef));
      }

      expect(await store.deleteUser("jane", "admin")).toBe(true);
      await webhooks.forgetUser("jane");
      const ws = webhooks.webhookStore;
      expect(await ws.listSubscriptions("jane")).toEqual([]);
      expect(await ws.ownerOf(old.id)).toBeNull();
      expect(await ws.watchedUsers()).not.toContain("jane");

      // Another user's delivery: the dispatcher has run its loops since the deletion.
      await store.putUser(userRecord("bob"), "admin");
      const bobAgent = agent("bob", "agt_bob", 1);
      await store.createAgent(bobAgent, hashAgentKey("key_bob"), "admin");
      const bobHooks = await receiver();
      await webhooks.subscribe(
        { username: "bob", agentId: null },
        { url: bobHooks.url, events: ["booking.committed"] },
      );
      const bobs = await committed(store, commitOf("bob", bobAgent, 0));
      await bobHooks.waitFor(() => bobHooks.acceptedIds().includes(bobs.auditRef));
      expect(await ws.watchedUsers()).not.toContain("jane");
      const redis = server();
      if (redis && kind.name === "redis") {
        // Nothing of jane's but her archived chain: the dispatcher recreated no state.
        const left = await redis.client!.keys("cal:{jane}:*");
        expect(left.filter((k) => !k.includes(":archive")).sort()).toEqual([]);
      }

      // The name is used again: a new chain, seq from 1, to a new subscription.
      await store.putUser(userRecord("jane"), "admin");
      const again = agent("jane", "agt_again", 1);
      await store.createAgent(again, hashAgentKey("key_again"), "admin");
      const newHooks = await receiver();
      await webhooks.subscribe(
        { username: "jane", agentId: null },
        { url: newHooks.url, events: ["booking.committed"] },
      );
      const fresh = await committed(store, commitOf("jane", again, 0));
      const seq = (await store.readAudit("jane", { resource: fresh.booking.id }))[0]!.seq;
      expect(seq).toBe(3); // profile.updated, agent.created, booking.committed
      await newHooks.waitFor(() => newHooks.acceptedIds().includes(fresh.auditRef));
      expect(newHooks.acceptedIds()).toEqual([fresh.auditRef]);
      expect(oldHooks.received).toHaveLength(3);
    });
  });
}
