/**
 * Mentions and suggestions over HTTP on both stores: the person asks an agent, the agent
 * reads and marks it done, proposes slots; the person accepts one (booked as the agent)
 * or rejects; the agent hears each through /v1/events.
 */
import request from "supertest";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../../src/clock.js";
import { ConflictError } from "../../../src/errors.js";
import {
  acceptSuggestion,
  createMention,
  listSuggestions,
  rejectSuggestion,
} from "../../../src/people/index.js";
import { createTestNode, sampleProfileInput, type TestNode } from "../../helpers/node.js";
import { stopSharedRedis, storeOfKind } from "../../helpers/store-kinds.js";

const JANE = { kind: "person", username: "jane" } as const;
const SLOT_A = { start: "2026-11-23T15:00:00Z", end: "2026-11-23T15:30:00Z" };
const SLOT_B = { start: "2026-11-23T16:00:00Z", end: "2026-11-23T16:30:00Z" };

let node: TestNode;

async function agent(name: string, priority: number, extra: Record<string, unknown> = {}) {
  const res = await request(node.app)
    .post("/admin/v1/users/jane/agents")
    .set(node.admin)
    .send({ name, priority, ...extra });
  expect(res.status).toBe(201);
  return { id: res.body.agent_id as string, auth: { Authorization: `Bearer ${res.body.api_key}` } };
}

async function events(auth: Record<string, string>) {
  const res = await request(node.app).get("/v1/events").set(auth);
  expect(res.status).toBe(200);
  return res.body.events as { type: string; data: { object: Record<string, unknown> } }[];
}

async function suggest(auth: Record<string, string>, body: Record<string, unknown>) {
  const res = await request(node.app).post("/v1/suggestions").set(auth).send(body);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { suggestion_id: string; status: string };
}

afterAll(stopSharedRedis);

for (const kind of ["memory", "redis"] as const) {
  describe(`mentions and suggestions, ${kind} store`, () => {
    beforeEach(async () => {
      const clock = new ManualClock(Date.parse("2026-11-21T12:00:00Z"));
      const store = await storeOfKind(kind, clock);
      node = await createTestNode({ arbitrationWindowMs: "0" }, { clock, ...(store && { store }) });
      for (const username of ["jane", "sam"]) {
        const profile = sampleProfileInput(username, {
          scheduling: [{ type: "weekly", days: ["monday"], hours: ["09:00-17:00"] }],
        });
        const put = await request(node.app)
          .put(`/admin/v1/users/${username}`)
          .set(node.admin)
          .send(profile);
        expect(put.status).toBe(201);
      }
    });
    afterEach(() => node.close());

    it("delivers a mention to its agent only, lists it by status, and marks it done", async () => {
      const a = await agent("Scout", 2);
      const b = await agent("Other", 3);
      const mention = await createMention(node.ctx.people, JANE, {
        agentId: a.id,
        text: "Find 30 minutes with <ana@globex.example> next week",
      });
      expect(mention.status).toBe("sent");
      const created = (await events(a.auth)).find((e) => e.type === "mention.created");
      expect(created?.data.object).toEqual({
        object: "mention",
        user_id: "jane",
        mention_id: mention.id,
        agent_id: a.id,
        text: "Find 30 minutes with <ana@globex.example> next week",
        status: "sent",
        created_at: "2026-11-21T12:00:00.000Z",
        done_at: null,
      });
      expect((await events(b.auth)).map((e) => e.type)).not.toContain("mention.created");
      const sent = await request(node.app).get("/v1/mentions?status=sent").set(a.auth);
      expect(sent.body.mentions).toEqual([
        expect.objectContaining({ mention_id: mention.id, status: "sent" }),
      ]);
      expect((await request(node.app).get("/v1/mentions").set(b.auth)).body.mentions).toEqual([]);

      const foreign = await request(node.app)
        .patch("/v1/mentions")
        .set(b.auth)
        .send({ mention_ids: [mention.id], status: "done" });
      expect(foreign.status).toBe(404);
      expect(foreign.body.error.code).toBe("mention_not_found");
      const done = await request(node.app)
        .patch("/v1/mentions")
        .set(a.auth)
        .send({ mention_ids: [mention.id], status: "done" });
      expect(done.status).toBe(200);
      expect(done.body.mentions).toEqual([
        expect.objectContaining({
          mention_id: mention.id,
          status: "done",
          done_at: expect.any(String),
        }),
      ]);
      expect(
        (await request(node.app).get("/v1/mentions?status=sent").set(a.auth)).body.mentions,
      ).toEqual([]);
      expect(
        (await request(node.app).get("/v1/mentions?status=done").set(a.auth)).body.mentions,
      ).toHaveLength(1);
      const again = await request(node.app)
        .patch("/v1/mentions")
        .set(a.auth)
        .send({ mention_ids: [mention.id], status: "done" });
      expect(again.body.mentions[0].done_at).toBe(done.body.mentions[0].done_at);
    });

    it("refuses a blank or long mention, another user's agent, and bad requests", async () => {
      const a = await agent("Scout", 2);
      const samAgent = await request(node.app)
        .post("/admin/v1/users/sam/agents")
        .set(node.admin)
        .send({ name: "Sam's", priority: 1 });
      await expect(
        createMention(node.ctx.people, JANE, { agentId: a.id, text: "   " }),
      ).rejects.toMatchObject({ code: "invalid_request" });
      await expect(
        createMention(node.ctx.people, JANE, { agentId: a.id, text: "x".repeat(2001) }),
      ).rejects.toMatchObject({ code: "invalid_request" });
      await expect(
        createMention(node.ctx.people, JANE, { agentId: samAgent.body.agent_id, text: "hi" }),
      ).rejects.toMatchObject({ code: "agent_not_found" });
      const admin = await request(node.app)
        .post("/admin/v1/users/jane/mentions")
        .set(node.admin)
        .send({ agent_id: a.id, text: "From the admin" });
      expect(admin.status).toBe(201);
      expect(admin.body.status).toBe("sent");
      expect((await request(node.app).get("/v1/mentions?status=maybe").set(a.auth)).status).toBe(
        400,
      );
      const bad = await request(node.app)
        .patch("/v1/mentions")
        .set(a.auth)
        .send({ mention_ids: [admin.body.mention_id], status: "sent" });
      expect(bad.status).toBe(400);
      expect((await request(node.app).get("/v1/mentions").set(a.auth)).body.mentions).toHaveLength(
        1,
      );
    });

    it("books the accepted slot as the agent and tells it; a second accept is refused", async () => {
      const a = await agent("Scout", 2);
      const mention = await createMention(node.ctx.people, JANE, { agentId: a.id, text: "Intro" });
      const s = await suggest(a.auth, {
        mention_id: mention.id,
        slots: [SLOT_A, SLOT_B],
        note: "Intro with Ana",
      });
      expect(s.status).toBe("open");
      expect((await listSuggestions(node.ctx.people, JANE)).map((x) => x.id)).toEqual([
        s.suggestion_id,
      ]);
      const out = await acceptSuggestion(node.ctx.people, JANE, {
        suggestionId: s.suggestion_id,
        slotIndex: 1,
      });
      if (out.outcome !== "accepted") throw new Error(out.outcome);
      expect(out.booking).toMatchObject({
        agentId: a.id,
        status: "committed",
        start: Date.parse(SLOT_B.start),
      });
      const told = (await events(a.auth)).find((e) => e.type === "suggestion.accepted");
      expect(told?.data.object).toMatchObject({
        suggestion_id: s.suggestion_id,
        booking_id: out.booking.id,
        accepted_index: 1,
        status: "accepted",
      });
      const mine = await request(node.app).get("/v1/suggestions?status=accepted").set(a.auth);
      expect(mine.body.suggestions).toEqual([
        expect.objectContaining({ suggestion_id: s.suggestion_id, booking_id: out.booking.id }),
      ]);
      await expect(
        acceptSuggestion(node.ctx.people, JANE, { suggestionId: s.suggestion_id, slotIndex: 0 }),
      ).rejects.toBeInstanceOf(ConflictError);
      await expect(
        rejectSuggestion(node.ctx.people, JANE, { suggestionId: s.suggestion_id }),
      ).rejects.toBeInstanceOf(ConflictError);
    });

    it("lets exactly one of two accepts at once book", async () => {
      const a = await agent("Scout", 2);
      const s = await suggest(a.auth, { slots: [SLOT_A, SLOT_B] });
      const outs = await Promise.allSettled([
        acceptSuggestion(node.ctx.people, JANE, { suggestionId: s.suggestion_id, slotIndex: 0 }),
        acceptSuggestion(node.ctx.people, JANE, { suggestionId: s.suggestion_id, slotIndex: 1 }),
      ]);
      const won = outs.filter((o) => o.status === "fulfilled" && o.value.outcome === "accepted");
      expect(won).toHaveLength(1);
      expect(outs.filter((o) => o.status === "rejected")).toHaveLength(1);
      const bookings = await request(node.app)
        .get("/v1/bookings?range_start=2026-11-23T00:00:00Z&range_end=2026-11-24T00:00:00Z")
        .set(a.auth);
      expect(bookings.body.bookings).toHaveLength(1);
    });

    it("keeps the suggestion open when its slot was taken, and tells the agent of a rejection", async () => {
      const a = await agent("Scout", 3);
      const boss = await agent("Boss", 1);
      const s = await suggest(a.auth, { slots: [SLOT_A] });
      expect(
        (await request(node.app).post("/v1/bookings").set(boss.auth).send(SLOT_A)).status,
      ).toBe(201);
      const lost = await acceptSuggestion(node.ctx.people, JANE, {
        suggestionId: s.suggestion_id,
        slotIndex: 0,
      });
      expect(lost.outcome).toBe("conflict");
      expect((await listSuggestions(node.ctx.people, JANE))[0]!.status).toBe("open");
      await expect(
        acceptSuggestion(node.ctx.people, JANE, { suggestionId: s.suggestion_id, slotIndex: 5 }),
      ).rejects.toMatchObject({ code: "invalid_request" });
      const rejected = await rejectSuggestion(node.ctx.people, JANE, {
        suggestionId: s.suggestion_id,
        message: "Not this week",
      });
      expect(rejected.status).toBe("rejected");
      const told = (await events(a.auth)).find((e) => e.type === "suggestion.rejected");
      expect(told?.data.object).toMatchObject({
        suggestion_id: s.suggestion_id,
        status: "rejected",
        message: "Not this week",
      });
      await expect(
        acceptSuggestion(
          node.ctx.people,
          { kind: "person", username: "sam" },
          {
            suggestionId: s.suggestion_id,
            slotIndex: 0,
          },
        ),
      ).rejects.toMatchObject({ code: "suggestion_not_found" });
    });

    it("books at once for an agent that needs acknowledgement: accepting is the acknowledgement", async () => {
      const a = await agent("Careful", 2, { requires_ack: true });
      const s = await suggest(a.auth, { slots: [SLOT_A] });
      const out = await acceptSuggestion(node.ctx.people, JANE, {
        suggestionId: s.suggestion_id,
        slotIndex: 0,
      });
      if (out.outcome !== "accepted") throw new Error(out.outcome);
      expect(out.booking.status).toBe("committed");
    });

    it("refuses bad suggestions, changing nothing", async () => {
      const a = await agent("Scout", 2);
      const b = await agent("Other", 3);
      const theirs = await createMention(node.ctx.people, JANE, { agentId: b.id, text: "B's" });
      for (const [body, status] of [
        [{ slots: [] }, 400],
        [{ slots: Array(6).fill(SLOT_A) }, 400],
        [{ slots: [{ start: SLOT_A.end, end: SLOT_A.start }] }, 400],
        [{ slots: [SLOT_A], with: "not an address" }, 400],
        [{ slots: [SLOT_A], mention_id: theirs.id }, 404],
      ] as const) {
        const res = await request(node.app).post("/v1/suggestions").set(a.auth).send(body);
        expect(res.status, JSON.stringify(body)).toBe(status);
      }
      expect((await request(node.app).get("/v1/suggestions").set(a.auth)).body.suggestions).toEqual(
        [],
      );
    });
  });
}
