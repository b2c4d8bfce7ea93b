import request from "supertest";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ManualClock } from "../../../src/clock.js";
import { ManualClock as Clock } from "../../../src/clock.js";
import { createTestNode, sampleProfileInput, type TestNode } from "../../helpers/node.js";
import { stopSharedRedis, storeOfKind } from "../../helpers/store-kinds.js";

let node: TestNode;
let clock: ManualClock;

// 2026-11-21 is a Saturday; the profile below is open Mon–Fri 09:00–17:00 New York.
const MONDAY_10 = "2026-11-23T15:00:00Z"; // 10:00 EST
const MONDAY_1030 = "2026-11-23T15:30:00Z";
const MONDAY_11 = "2026-11-23T16:00:00Z";

async function createAgent(name: string, priority: number) {
  const res = await request(node.app)
    .post("/admin/v1/users/jane/agents")
    .set(node.admin)
    .send({ name, priority });
  expect(res.status).toBe(201);
  return { id: res.body.agent_id as string, auth: { Authorization: `Bearer ${res.body.api_key}` } };
}

afterAll(stopSharedRedis);

for (const kind of ["memory", "redis"] as const) {
  describe(`/v1 over HTTP, ${kind} store`, () => {
    beforeEach(async () => {
      clock = new Clock(Date.parse("2026-11-21T12:00:00Z"));
      const store = await storeOfKind(kind, clock);
      node = await createTestNode({ arbitrationWindowMs: "0" }, { clock, ...(store && { store }) });
      const profile = sampleProfileInput("jane", {
        scheduling: [
          {
            type: "weekly",
            days: ["monday", "tuesday", "wednesday", "thursday", "friday"],
            hours: ["09:00-17:00"],
          },
        ],
        blackouts: ["2026-11-26"],
        min_notice_hours: 2,
        max_bookings_per_day: 3,
      });
      expect(
        (await request(node.app).put("/admin/v1/users/jane").set(node.admin).send(profile)).status,
      ).toBe(201);
    });
    afterEach(() => node.close());

    describe("agents (admin)", () => {
      it("creates an agent whose key is shown once and authenticates it", async () => {
        const agent = await createAgent("Scheduler", 2);
        const list = await request(node.app).get("/admin/v1/users/jane/agents").set(node.admin);
        expect(list.body.agents).toEqual([
          expect.objectContaining({ agent_id: agent.id, priority: 2 }),
        ]);
        expect(JSON.stringify(list.body)).not.toContain("cal_agent_");
        const ok = await request(node.app).get("/v1/bookings").set(agent.auth);
        expect(ok.status).toBe(200);
      });

      it("changes an agent's priority and revokes its key", async () => {
        const agent = await createAgent("Bot", 5);
        const patched = await request(node.app)
          .patch(`/admin/v1/users/jane/agents/${agent.id}`)
          .set(node.admin)
          .send({ priority: 1 });
        expect(patched.body.priority).toBe(1);
        expect(
          (
            await request(node.app)
              .delete(`/admin/v1/users/jane/agents/${agent.id}`)
              .set(node.admin)
          ).status,
        ).toBe(204);
        const denied = await request(node.app).get("/v1/bookings").set(agent.auth);
        expect(denied.status).toBe(401);
        expect(denied.body.error.code).toBe("invalid_api_key");
      });

      it("refuses a bad agent body and an unknown user", async () => {
        const bad = await request(node.app)
          .post("/admin/v1/users/jane/agents")
          .set(node.admin)
          .send({ name: "x", priority: 0 });
        expect(bad.status).toBe(400);
        expect(bad.body.error.details[0].pointer).toBe("/priority");
        const none = await request(node.app)
          .post("/admin/v1/users/nobody/agents")
          .set(node.admin)
          .send({ name: "x", priority: 1 });
        expect(none.status).toBe(404);
      });
    });

    describe("/v1 authentication", () => {
      it("answers 401 without a key and with an unknown key", async () => {
        expect((await request(node.app).get("/v1/bookings")).status).toBe(401);
        const res = await request(node.app)
          .get("/v1/bookings")
          .set("Authorization", "Bearer cal_agent_nope");
        expect(res.status).toBe(401);
      });
    });

    describe("holds and commits over HTTP", () => {
      it("holds, then commits with the hold, and answers in the AgentDraft shape", async () => {
        const a = await createAgent("A", 2);
        const hold = await request(node.app)
          .post("/v1/holds")
          .set(a.auth)
          .send({ start: MONDAY_10, end: MONDAY_1030 });
        expect(hold.status).toBe(201);
        expect(hold.body).toMatchObject({
          hold_id: expect.stringMatching(/^hld_/),
          start: "2026-11-23T15:00:00.000Z",
        });
        expect(Date.parse(hold.body.expires_at) - clock.now()).toBe(30_000);
        const booking = await request(node.app)
          .post("/v1/bookings")
          .set(a.auth)
          .send({ start: MONDAY_10, end: MONDAY_1030, hold_id: hold.body.hold_id, title: "Intro" });
        expect(booking.status).toBe(201);
        expect(booking.body).toMatchObject({
          booking_id: expect.stringMatching(/^bkg_/),
          status: "committed",
          agent_id: a.id,
          priority: 2,
          title: "Intro",
          audit_ref: expect.stringMatching(/^evt_/),
        });
        expect(Date.parse(booking.body.frozen_at) - Date.parse(booking.body.committed_at)).toBe(
          30_000,
        );
      });

      it("answers a losing commit with 409 naming the winner and suggesting times", async () => {
        const high = await createAgent("High", 1);
        const low = await createAgent("Low", 3);
        await request(node.app)
          .post("/v1/holds")
          .set(high.auth)
          .send({ start: MONDAY_10, end: MONDAY_1030 });
        const lost = await request(node.app)
          .post("/v1/bookings")
          .set(low.auth)
          .send({ start: MONDAY_10, end: MONDAY_1030 });
        expect(lost.status).toBe(409);
        expect(lost.body).toMatchObject({
          error: { code: "conflict" },
          winning_agent_id: high.id,
          winning_agent_priority: 1,
          winner: { kind: "hold", frozen: false, start: "2026-11-23T15:00:00.000Z" },
          audit_ref: expect.stringMatching(/^evt_/),
        });
        expect(lost.body.suggested_times.length).toBeGreaterThan(0);
        expect(lost.body.suggested_times).not.toContain("2026-11-23T15:00:00.000Z");
      });

      it("evicts inside the bump window and freezes after it", async () => {
        const high = await createAgent("High", 1);
        const low = await createAgent("Low", 3);
        const first = await request(node.app)
          .post("/v1/bookings")
          .set(low.auth)
          .send({ start: MONDAY_10, end: MONDAY_1030 });
        clock.advance(10_000);
        const bump = await request(node.app)
          .post("/v1/bookings")
          .set(high.auth)
          .send({ start: MONDAY_10, end: MONDAY_1030 });
        expect(bump.status).toBe(201);
        const evicted = await request(node.app)
          .get(`/v1/bookings/${first.body.booking_id}`)
          .set(low.auth);
        expect(evicted.body).toMatchObject({ status: "evicted", evicted_by_agent_id: high.id });

        const second = await request(node.app)
          .post("/v1/bookings")
          .set(low.auth)
          .send({ start: MONDAY_11, end: "2026-11-23T16:30:00Z" });
        clock.advance(30_000);
        const late = await request(node.app)
          .post("/v1/bookings")
          .set(high.auth)
          .send({ start: MONDAY_11, end: "2026-11-23T16:30:00Z" });
        expect(late.status).toBe(409);
        expect(late.body.winner).toMatchObject({ id: second.body.booking_id, frozen: true });
      });

      it("replays an idempotent retry and refuses a reused key with another body", async () => {
        const a = await createAgent("A", 2);
        const first = await request(node.app)
          .post("/v1/bookings")
          .set(a.auth)
          .set("Idempotency-Key", "retry-1")
          .send({ start: MONDAY_10, end: MONDAY_1030 });
        expect(first.status, JSON.stringify(first.body)).toBe(201);
        const again = await request(node.app)
          .post("/v1/bookings")
          .set(a.auth)
          .set("Idempotency-Key", "retry-1")
          .send({ start: MONDAY_10, end: MONDAY_1030 });
        expect(again.status).toBe(200);
        expect(again.body).toEqual(first.body);
        expect(again.body.booking_id).toBe(first.body.booking_id);
        const other = await request(node.app)
          .post("/v1/bookings")
          .set(a.auth)
          .set("Idempotency-Key", "retry-1")
          .send({ start: MONDAY_11, end: "2026-11-23T16:30:00Z" });
        expect(other.status).toBe(422);
        expect(other.body.reason_code).toBe("idempotency_key_reused");
      });

      it("answers a retry with the first answer even when the rules would now refuse it", async () => {
        const a = await createAgent("A", 2);
        clock.set("2026-11-23T12:00:00Z"); // three hours ahead: the notice is met
        const first = await request(node.app)
          .post("/v1/bookings")
          .set(a.auth)
          .set("Idempotency-Key", "late-retry")
          .send({ start: MONDAY_10, end: MONDAY_1030 });
        expect(first.status).toBe(201);
        clock.set("2026-11-23T14:00:00Z"); // now inside the 2-hour notice
        const retry = await request(node.app)
          .post("/v1/bookings")
          .set(a.auth)
          .set("Idempotency-Key", "late-retry")
          .send({ start: MONDAY_10, end: MONDAY_1030 });
        expect(retry.status, JSON.stringify(retry.body)).toBe(200);
        expect(retry.body.booking_id).toBe(first.body.booking_id);
        const fresh = await request(node.app)
          .post("/v1/bookings")
          .set(a.auth)
          .set("Idempotency-Key", "another")
          .send({ start: MONDAY_10, end: MONDAY_1030 });
        expect(fresh.body.reason_code).toBe("insufficient_notice");
      });

      it("refuses rule violations with 422 and a reason_code, changing nothing", async () => {
        const a = await createAgent("A", 2);
        const cases: [string, string, string][] = [
          ["2026-11-23T12:00:00Z", "2026-11-23T12:30:00Z", "outside_schedule"], // 07:00 local
          ["2026-11-26T15:00:00Z", "2026-11-26T15:30:00Z", "blackout"],
          ["2026-11-21T13:00:00Z", "2026-11-21T13:30:00Z", "outside_schedule"], // Saturday
        ];
        for (const [start, end, reason] of cases) {
          const res = await request(node.app).post("/v1/bookings").set(a.auth).send({ start, end });
          expect(res.status, reason).toBe(422);
          expect(res.body.reason_code).toBe(reason);
        }
        clock.set("2026-11-23T14:00:00Z");
        const soon = await request(node.app)
          .post("/v1/bookings")
          .set(a.auth)
          .send({ start: MONDAY_10, end: MONDAY_1030 });
        expect(soon.body.reason_code).toBe("insufficient_notice");
        const audit = await request(node.app)
          .get("/v1/audit")
          .set(node.admin)
          .query({ user_id: "jane" });
        expect(
          audit.body.events.filter((e: { type: string }) => e.type.startsWith("booking.")),
        ).toEqual([]);
      });

      it("enforces the daily limit atomically with a 422", async () => {
        const a = await createAgent("A", 2);
        for (const h of ["14", "16", "18"]) {
          const ok = await request(node.app)
            .post("/v1/bookings")
            .set(a.auth)
            .send({ start: `2026-11-24T${h}:00:00Z`, end: `2026-11-24T${h}:30:00Z` });
          expect(ok.status).toBe(201);
        }
        const full = await request(node.app)
          .post("/v1/bookings")
          .set(a.auth)
          .send({ start: "2026-11-24T20:00:00Z", end: "2026-11-24T20:30:00Z" });
        expect(full.status).toBe(422);
        expect(full.body.reason_code).toBe("daily_limit");
      });

      it("cancels a booking (its agent only) and frees the slot", async () => {
        const a = await createAgent("A", 2);
        const b = await createAgent("B", 3);
        const booking = await request(node.app)
          .post("/v1/bookings")
          .set(a.auth)
          .send({ start: MONDAY_10, end: MONDAY_1030 });
        const denied = await request(node.app)
          .delete(`/v1/bookings/${booking.body.booking_id}`)
          .set(b.auth);
        expect(denied.status).toBe(403);
        const cancelled = await request(node.app)
          .delete(`/v1/bookings/${booking.body.booking_id}`)
          .set(a.auth);
        expect(cancelled.body.status).toBe("cancelled");
        const again = await request(node.app)
          .delete(`/v1/bookings/${booking.body.booking_id}`)
          .set(a.auth);
        expect(again.status).toBe(409);
        const rebook = await request(node.app)
          .post("/v1/bookings")
          .set(b.auth)
          .send({ start: MONDAY_10, end: MONDAY_1030 });
        expect(rebook.status).toBe(201);
      });

      it("answers 400 naming the field for bad bodies", async () => {
        const a = await createAgent("A", 2);
        const cases: [unknown, string][] = [
          [{ end: MONDAY_1030 }, "/start"],
          [{ start: "tomorrow", end: MONDAY_1030 }, "/start"],
          [{ start: MONDAY_1030, end: MONDAY_10 }, "/end"],
          [{ start: MONDAY_10, end: MONDAY_1030, colour: "red" }, "/colour"],
          [{ start: "2026-11-23T15:00:00", end: MONDAY_1030 }, "/start"],
        ];
        for (const [body, pointer] of cases) {
          const res = await request(node.app)
            .post("/v1/bookings")
            .set(a.auth)
            .send(body as object);
          expect(res.status, JSON.stringify(body)).toBe(400);
          expect(res.body.error.details[0].pointer).toBe(pointer);
        }
      });
    });

    describe("/v1/availability", () => {
      it("lists slots minus other agents' holds, but not the caller's own", async () => {
        const a = await createAgent("A", 2);
        const b = await createAgent("B", 3);
        await request(node.app)
          .post("/v1/holds")
          .set(a.auth)
          .send({ start: MONDAY_10, end: MONDAY_1030 });
        const q = {
          range_start: "2026-11-23T14:00:00Z",
          range_end: "2026-11-23T17:00:00Z",
          duration_minutes: 30,
        };
        const forA = await request(node.app).get("/v1/availability").set(a.auth).query(q);
        const forB = await request(node.app).get("/v1/availability").set(b.auth).query(q);
        const starts = (r: request.Response) => r.body.slots.map((s: { start: string }) => s.start);
        expect(starts(forA)).toContain("2026-11-23T15:00:00.000Z");
        expect(starts(forB)).not.toContain("2026-11-23T15:00:00.000Z");
        expect(starts(forB)).not.toContain("2026-11-23T14:45:00.000Z");
        expect(forB.body).toMatchObject({
          user_id: "jane",
          timezone: "America/New_York",
          duration_minutes: 30,
        });
      });

      it("names the bad parameter", async () => {
        const a = await createAgent("A", 2);
        const res = await request(node.app).get("/v1/availability").set(a.auth).query({
          range_start: "2026-11-23T14:00:00Z",
          range_end: "2026-11-22T14:00:00Z",
          duration_minutes: 30,
        });
        expect(res.status).toBe(400);
        expect(res.body.error.details[0].pointer).toBe("/range_end");
      });
    });

    describe("counter-proposals", () => {
      it("lets another agent propose slots and the booking's agent accept one, moving the booking", async () => {
        const owner = await createAgent("Owner", 2);
        const other = await createAgent("Other", 3);
        const booking = await request(node.app)
          .post("/v1/bookings")
          .set(owner.auth)
          .send({ start: MONDAY_10, end: MONDAY_1030 });
        const counter = await request(node.app)
          .post(`/v1/bookings/${booking.body.booking_id}/counter`)
          .set(other.auth)
          .send({
            proposed: [{ start: MONDAY_11, end: "2026-11-23T16:30:00Z" }],
            note: "Later works better",
          });
        expect(counter.status).toBe(201);
        expect(counter.body).toMatchObject({
          counter_id: expect.stringMatching(/^ctr_/),
          status: "open",
        });
        const notOwner = await request(node.app)
          .post(
            `/v1/bookings/${booking.body.booking_id}/counters/${counter.body.counter_id}/accept`,
          )
          .set(other.auth)
          .send({ slot_index: 0 });
        expect(notOwner.status).toBe(403);
        const accepted = await request(node.app)
          .post(
            `/v1/bookings/${booking.body.booking_id}/counters/${counter.body.counter_id}/accept`,
          )
          .set(owner.auth)
          .send({ slot_index: 0 });
        expect(accepted.status).toBe(201);
        expect(accepted.body.booking).toMatchObject({
          start: "2026-11-23T16:00:00.000Z",
          replaces: booking.body.booking_id,
        });
        const old = await request(node.app)
          .get(`/v1/bookings/${booking.body.booking_id}`)
          .set(owner.auth);
        expect(old.body.status).toBe("cancelled");
        const list = await request(node.app)
          .get(`/v1/bookings/${booking.body.booking_id}/counters`)
          .set(owner.auth);
        expect(list.body.counters[0]).toMatchObject({ status: "accepted", accepted_index: 0 });
      });

      it("refuses 6 proposals and a note over 500 characters", async () => {
        const owner = await createAgent("Owner", 2);
        const booking = await request(node.app)
          .post("/v1/bookings")
          .set(owner.auth)
          .send({ start: MONDAY_10, end: MONDAY_1030 });
        const slot = { start: MONDAY_11, end: "2026-11-23T16:30:00Z" };
        const six = await request(node.app)
          .post(`/v1/bookings/${booking.body.booking_id}/counter`)
          .set(owner.auth)
          .send({ proposed: Array(6).fill(slot) });
        expect(six.status).toBe(400);
        const long = await request(node.app)
          .post(`/v1/bookings/${booking.body.booking_id}/counter`)
          .set(owner.auth)
          .send({ proposed: [slot], note: "x".repeat(501) });
        expect(long.body.error.details[0].pointer).toBe("/note");
      });
    });

    describe("/v1/audit", () => {
      it("returns a resource's events with a checkpoint signed by the node", async () => {
        const a = await createAgent("A", 2);
        const booking = await request(node.app)
          .post("/v1/bookings")
          .set(a.auth)
          .send({ start: MONDAY_10, end: MONDAY_1030 });
        const audit = await request(node.app)
          .get("/v1/audit")
          .set(a.auth)
          .query({ resource: booking.body.booking_id });
        expect(audit.status).toBe(200);
        expect(audit.body.events.map((e: { type: string }) => e.type)).toEqual([
          "booking.committed",
        ]);
        expect(audit.body.checkpoint).toMatchObject({
          user: "jane",
          issuer: "did:web:node.test",
          jws: expect.any(String),
        });
        const missing = await request(node.app)
          .get("/v1/audit")
          .set(a.auth)
          .query({ resource: "bkg_nothing" });
        expect(missing.status).toBe(404);
      });
    });
  });
}
