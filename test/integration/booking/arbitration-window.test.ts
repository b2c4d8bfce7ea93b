/**
 * The arbitration window over HTTP at its default of 250 ms (PROTOCOL §10.3), on both
 * stores: a priority-1 agent exists that does not race but made a request (createAgents
 * warms every agent), so no racer outranks everyone or has only idle seniors, and every
 * racer's commit goes through the window.
 */
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { userKey } from "../../../src/arbiter/index.js";
import {
  type Answer,
  auditEvents,
  commit,
  createAgents,
  HOUR,
  interval,
  type ListeningNode,
  listBookings,
  MIN,
  NOW,
  putOpenProfile,
  sharedRedis,
  startListeningNode,
  stopSharedRedis,
} from "./harness.js";

const USER = "jane";
/** Monday 2026-11-23 10:00 UTC, two days after the clock's now. */
const SLOT = NOW + 2 * 24 * HOUR - 2 * HOUR;
const RANGE = { start: SLOT - 24 * HOUR, end: SLOT + 48 * HOUR };

afterAll(stopSharedRedis);

for (const kind of ["memory", "redis"] as const) {
  describe(`arbitration window at the default 250 ms, ${kind} store`, () => {
    let n: ListeningNode;
    beforeEach(async () => {
      n = await startListeningNode(kind);
      expect(n.node.cfg.booking.arbitrationWindowMs).toBe(250);
      await putOpenProfile(n.url, n.adminToken, USER);
    });
    afterEach(() => n.close());

    const evictions = async () =>
      (await auditEvents(n.url, n.adminToken, USER)).filter((e) => e.type === "booking.evicted");

    it("answers one 201, to the priority-2 agent, though it is sent last; no evictions", async () => {
      const [idle, ...racers] = await createAgents(
        n.url,
        n.adminToken,
        USER,
        [1, 2, 3, 4, 5, 6, 7, 8],
      );
      // Lowest rank first, priority 2 last: arrival order alone would give the slot to 8.
      const order = [...racers].reverse();
      const answers = await Promise.all(order.map((a) => commit(a, interval(SLOT))));
      const byAgent = new Map(order.map((a, i) => [a, answers[i]!]));
      const p2 = racers[0]!;
      expect(byAgent.get(p2)!.status, JSON.stringify(byAgent.get(p2)!.body)).toBe(201);
      expect(byAgent.get(p2)!.body).toMatchObject({ agent_id: p2.id, priority: 2 });
      for (const a of racers.slice(1)) {
        const lost = byAgent.get(a)!;
        expect(lost.status, `priority ${a.priority}`).toBe(409);
        expect(lost.body).toMatchObject({
          error: { code: "conflict" },
          winning_agent_id: p2.id,
          winning_agent_priority: 2,
          winner: { kind: "booking", id: byAgent.get(p2)!.body.booking_id },
        });
      }
      expect(await evictions()).toEqual([]);
      const booked = await listBookings(idle!, RANGE);
      expect(booked.map((b) => [b.booking_id, b.agent_id])).toEqual([
        [byAgent.get(p2)!.body.booking_id, p2.id],
      ]);
    });

    it("resolves a tie of equal priorities by arrival, without double booking", async () => {
      const [idle, a, b, c] = await createAgents(n.url, n.adminToken, USER, [1, 3, 3, 4]);
      const answers = await Promise.all([a!, b!, c!].map((x) => commit(x, interval(SLOT))));
      const created = answers.filter((x) => x.status === 201);
      expect(created, JSON.stringify(answers.map((x) => x.status))).toHaveLength(1);
      const winner = created[0]!.body;
      expect([a!.id, b!.id]).toContain(winner.agent_id);
      for (const x of answers.filter((y) => y !== created[0])) {
        expect(x.status).toBe(409);
        expect(x.body).toMatchObject({
          winning_agent_id: winner.agent_id,
          winning_agent_priority: 3,
          winner: { kind: "booking", id: winner.booking_id },
        });
      }
      expect(await evictions()).toEqual([]);
      expect((await listBookings(idle!, RANGE)).map((x) => x.booking_id)).toEqual([
        winner.booking_id,
      ]);
    });

    it("lets the earlier of two equal priorities win when it arrives first in the window", async () => {
      const [idle, first, second] = await createAgents(n.url, n.adminToken, USER, [1, 3, 3]);
      // The first commit opens the window and waits in it; the second arrives in the same window.
      const entered = waitForArbitrate(n);
      const early = commit(first!, interval(SLOT));
      await entered;
      const late = await commit(second!, interval(SLOT));
      const won = await early;
      expect(won.status, JSON.stringify(won.body)).toBe(201);
      expect(late.status).toBe(409);
      expect(late.body).toMatchObject({
        winning_agent_id: first!.id,
        winner: { id: won.body.booking_id },
      });
      expect(await evictions()).toEqual([]);
      expect((await listBookings(idle!, RANGE)).map((x) => x.booking_id)).toEqual([
        won.body.booking_id,
      ]);
    });

    it("settles a stream of commits longer than 20 windows: every request answered, one winner per slot", async () => {
      // The cap, with a 50 ms window: a stream of 20 default windows would take 5 s.
      await n.close();
      n = await startListeningNode(kind, { arbitrationWindowMs: "50" });
      await putOpenProfile(n.url, n.adminToken, USER);
      const [idle, ...racers] = await createAgents(n.url, n.adminToken, USER, [1, 2, 3, 4, 5]);
      const slots = [0, 1, 2, 3, 4, 5].map((i) => SLOT + i * 30 * MIN);
      // 60 commits 30 ms apart (each within the window of the one before): at least
      // 1.8 s, more than the cap of 20 × 50 ms. Each slot is asked for by priority 2
      // first, then 3, 4, 5, so wherever a window closes nobody may bump the winner.
      const sent: Promise<Answer & { index: number; answeredAfter: number }>[] = [];
      let sentCount = 0;
      for (let i = 0; i < 60; i++) {
        const agent = racers[Math.floor(i / slots.length) % racers.length]!;
        const slot = slots[i % slots.length]!;
        sent.push(
          commit(agent, interval(slot)).then((x) => ({
            ...x,
            index: i,
            answeredAfter: sentCount,
          })),
        );
        sentCount++;
        await new Promise((r) => setTimeout(r, 30));
      }
      const answers = await Promise.all(sent);
      // The cap closed the first window while the stream went on.
      expect(answers[0]!.answeredAfter).toBeLessThan(60);
      expect(answers.map((x) => x.status).filter((s) => s !== 201 && s !== 409)).toEqual([]);
      const created = answers.filter((x) => x.status === 201);
      expect(created.map((x) => x.body.start).sort()).toEqual(
        slots.map((s) => new Date(s).toISOString()),
      );
      for (const x of created) expect(x.body).toMatchObject({ priority: 2 });
      for (const x of answers.filter((y) => y.status === 409))
        expect(x.body).toMatchObject({ winning_agent_priority: 2 });
      expect(await evictions()).toEqual([]);
      const booked = await listBookings(idle!, RANGE);
      expect(booked.map((b) => b.booking_id).sort()).toEqual(
        created.map((x) => x.body.booking_id).sort(),
      );
    }, 30_000);
  });
}

/** Resolves once the node's store has been asked to arbitrate a commit (the next one). */
function waitForArbitrate(n: ListeningNode): Promise<void> {
  const store = n.node.ctx.store;
  const original = store.arbitrate.bind(store);
  return new Promise((resolve) => {
    store.arbitrate = (cmd, windowMs) => {
      store.arbitrate = original;
      const outcome = original(cmd, windowMs);
      // Memory: entered synchronously. Redis: entered once the enter script ran, which the
      // store does before it first sleeps; a short poll of the window's members shows it.
      void enteredWindow(n, cmd.username).then(resolve);
      return outcome;
    };
  });
}

async function enteredWindow(n: ListeningNode, username: string): Promise<void> {
  if (n.node.ctx.store.kind === "memory") return;
  const client = (await sharedRedis()).client!;
  for (;;) {
    if ((await client.zCard(userKey(username, "arb:pending"))) > 0) return;
    await new Promise((r) => setTimeout(r, 1));
  }
}
