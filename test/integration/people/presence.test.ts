/**
 * Presence over HTTP on both stores: an agent says what it does, it fades after the TTL,
 * holds and commits mark it acting, the person's watcher sees changes.
 */
import request from "supertest";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../../src/clock.js";
import { type PresenceView, watchPresence } from "../../../src/people/index.js";
import { createTestNode, sampleProfileInput, type TestNode } from "../../helpers/node.js";
import { stopSharedRedis, storeOfKind } from "../../helpers/store-kinds.js";

const MONDAY_10 = "2026-11-23T15:00:00Z";
const MONDAY_1030 = "2026-11-23T15:30:00Z";

let node: TestNode;
let clock: ManualClock;

async function agent(name: string, priority: number) {
  const res = await request(node.app)
    .post("/admin/v1/users/jane/agents")
    .set(node.admin)
    .send({ name, priority });
  expect(res.status).toBe(201);
  return { id: res.body.agent_id as string, auth: { Authorization: `Bearer ${res.body.api_key}` } };
}

async function presenceOf(auth: Record<string, string>) {
  const res = await request(node.app).get("/v1/presence").set(auth);
  expect(res.status).toBe(200);
  return res.body as { user_id: string; presence: Record<string, unknown>[] };
}

afterAll(stopSharedRedis);

for (const kind of ["memory", "redis"] as const) {
  describe(`presence, ${kind} store`, () => {
    beforeEach(async () => {
      clock = new ManualClock(Date.parse("2026-11-21T12:00:00Z"));
      const store = await storeOfKind(kind, clock);
      node = await createTestNode(
        { arbitrationWindowMs: "0", presenceTtlSeconds: "60" },
        { clock, ...(store && { store }) },
      );
      const profile = sampleProfileInput("jane", {
        scheduling: [{ type: "weekly", days: ["monday"], hours: ["09:00-17:00"] }],
      });
      expect(
        (await request(node.app).put("/admin/v1/users/jane").set(node.admin).send(profile)).status,
      ).toBe(201);
    });
    afterEach(() => node.close());

    it("shows what an agent says it does to its user's agents, until the TTL passes", async () => {
      const a = await agent("Scout", 2);
      const b = await agent("Other", 3);
      const set = await request(node.app)
        .post("/v1/presence")
        .set(a.auth)
        .send({ status: "reading", note: "Reading Jane's <week>" });
      expect(set.status).toBe(200);
      expect(set.body).toEqual({
        agent_id: a.id,
        name: "Scout",
        status: "reading",
        note: "Reading Jane's <week>",
        updated_at: "2026-11-21T12:00:00.000Z",
        expires_at: "2026-11-21T12:01:00.000Z",
      });
      expect((await presenceOf(b.auth)).presence).toEqual([set.body]);

      clock.advance(30_000);
      await request(node.app).post("/v1/presence").set(a.auth).send({ status: "thinking" });
      clock.advance(45_000);
      // Refreshed at +30 s: still there at +75 s, without the old note.
      expect((await presenceOf(a.auth)).presence).toEqual([
        expect.objectContaining({ status: "thinking", expires_at: "2026-11-21T12:01:30.000Z" }),
      ]);
      expect((await presenceOf(a.auth)).presence[0]).not.toHaveProperty("note");
      clock.advance(15_000);
      expect((await presenceOf(a.auth)).presence).toEqual([]);
    });

    it("marks an agent acting when it holds or commits", async () => {
      const a = await agent("Booker", 2);
      await request(node.app).post("/v1/presence").set(a.auth).send({ status: "thinking" });
      const hold = await request(node.app)
        .post("/v1/holds")
        .set(a.auth)
        .send({ start: MONDAY_10, end: MONDAY_1030 });
      expect(hold.status).toBe(201);
      expect((await presenceOf(a.auth)).presence).toEqual([
        expect.objectContaining({ agent_id: a.id, status: "acting" }),
      ]);
      await request(node.app).post("/v1/presence").set(a.auth).send({ status: "completed" });
      // Long enough for the presence (and the hold) to be gone: the commit alone marks it.
      clock.advance(120_000);
      expect((await presenceOf(a.auth)).presence).toEqual([]);
      const committed = await request(node.app)
        .post("/v1/bookings")
        .set(a.auth)
        .send({ start: MONDAY_10, end: MONDAY_1030 });
      expect(committed.status).toBe(201);
      expect((await presenceOf(a.auth)).presence).toEqual([
        expect.objectContaining({ agent_id: a.id, status: "acting" }),
      ]);
    });

    it("refuses a bad status, a long note and an unknown member, changing nothing", async () => {
      const a = await agent("Scout", 2);
      for (const body of [
        { status: "sleeping" },
        { status: "reading", note: "x".repeat(281) },
        { status: "reading", mood: "happy" },
        {},
      ]) {
        const res = await request(node.app).post("/v1/presence").set(a.auth).send(body);
        expect(res.status).toBe(400);
        expect(res.body.error.code).toBe("invalid_request");
      }
      expect((await presenceOf(a.auth)).presence).toEqual([]);
      expect(
        (await request(node.app).post("/v1/presence").send({ status: "reading" })).status,
      ).toBe(401);
      const admin = await request(node.app).get("/v1/presence").set(node.admin);
      expect(admin.status).toBe(403);
    });

    it("leaves a revoked agent's presence out", async () => {
      const a = await agent("Gone", 2);
      const b = await agent("Stays", 3);
      await request(node.app).post("/v1/presence").set(a.auth).send({ status: "acting" });
      await request(node.app).delete(`/admin/v1/users/jane/agents/${a.id}`).set(node.admin);
      expect((await presenceOf(b.auth)).presence).toEqual([]);
    });

    it("tells the person's watcher of a change at once, and of fading within a poll", async () => {
      const a = await agent("Scout", 2);
      const seen: PresenceView[][] = [];
      const abort = new AbortController();
      watchPresence(node.ctx.people, { kind: "person", username: "jane" }, (p) => seen.push(p), {
        signal: abort.signal,
        pollMs: 50,
      });
      try {
        await expect.poll(() => seen.length).toBe(1);
        expect(seen[0]).toEqual([]);
        await request(node.app).post("/v1/presence").set(a.auth).send({ status: "reading" });
        await expect.poll(() => seen.length).toBe(2);
        expect(seen[1]).toEqual([expect.objectContaining({ agentId: a.id, status: "reading" })]);
        clock.advance(61_000);
        await expect.poll(() => seen.length, { timeout: 5000 }).toBe(3);
        expect(seen[2]).toEqual([]);
      } finally {
        abort.abort();
      }
    });
  });
}
