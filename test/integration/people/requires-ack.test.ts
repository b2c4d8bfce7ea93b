/**
 * Agents that need the person's acknowledgement (`requires_ack`): their commits wait as
 * pending bookings (202), decided by the person; the agent hears the decision as an event.
 */
import request from "supertest";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { decideRequest } from "../../../src/booking/index.js";
import { ManualClock } from "../../../src/clock.js";
import { createTestNode, sampleProfileInput, type TestNode } from "../../helpers/node.js";
import { stopSharedRedis, storeOfKind } from "../../helpers/store-kinds.js";

const MONDAY_10 = "2026-11-23T15:00:00Z";
const MONDAY_1030 = "2026-11-23T15:30:00Z";
const PERSON = { kind: "person", username: "jane" } as const;

let node: TestNode;

async function agent(body: Record<string, unknown>) {
  const res = await request(node.app)
    .post("/admin/v1/users/jane/agents")
    .set(node.admin)
    .send(body);
  expect(res.status).toBe(201);
  return {
    id: res.body.agent_id as string,
    auth: { Authorization: `Bearer ${res.body.api_key}` },
    body: res.body,
  };
}

async function eventsOf(auth: Record<string, string>) {
  const res = await request(node.app).get("/v1/events").set(auth);
  expect(res.status).toBe(200);
  return res.body.events as { type: string; data: { object: Record<string, unknown> } }[];
}

afterAll(stopSharedRedis);

for (const kind of ["memory", "redis"] as const) {
  describe(`requires_ack agents, ${kind} store`, () => {
    beforeEach(async () => {
      const clock = new ManualClock(Date.parse("2026-11-21T12:00:00Z"));
      const store = await storeOfKind(kind, clock);
      node = await createTestNode(
        { arbitrationWindowMs: "0", pendingTtlSeconds: "3600" },
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

    it("answers 202 pending for its commit, over its hold, until the person accepts", async () => {
      const a = await agent({ name: "Careful", priority: 2, requires_ack: true });
      expect(a.body.requires_ack).toBe(true);
      const hold = await request(node.app)
        .post("/v1/holds")
        .set(a.auth)
        .send({ start: MONDAY_10, end: MONDAY_1030 });
      expect(hold.status).toBe(201);
      const res = await request(node.app)
        .post("/v1/bookings")
        .set(a.auth)
        .send({ start: MONDAY_10, end: MONDAY_1030, hold_id: hold.body.hold_id, title: "Sync" });
      expect(res.status).toBe(202);
      expect(res.body).toMatchObject({
        status: "pending",
        hold_id: hold.body.hold_id,
        expires_at: "2026-11-21T13:00:00.000Z",
        title: "Sync",
      });
      const bookingId = res.body.booking_id as string;
      // The hold became the pending booking: it blocks the slot for everyone else.
      const other = await agent({ name: "Other", priority: 5 });
      const lost = await request(node.app)
        .post("/v1/holds")
        .set(other.auth)
        .send({ start: MONDAY_10, end: MONDAY_1030 });
      expect(lost.status).toBe(409);
      expect((await eventsOf(a.auth)).map((e) => e.type)).toContain("booking.requested");

      const decided = await decideRequest(node.ctx.booking, PERSON, {
        username: "jane",
        bookingId,
        decision: "accept",
      });
      expect(decided.outcome).toBe("confirmed");
      const got = await request(node.app).get(`/v1/bookings/${bookingId}`).set(a.auth);
      expect(got.body.status).toBe("committed");
      const confirmed = (await eventsOf(a.auth)).find((e) => e.type === "booking.confirmed");
      expect(confirmed?.data.object).toMatchObject({ booking_id: bookingId, agent_id: a.id });
    });

    it("tells the agent when the person declines, and the slot is free again", async () => {
      const a = await agent({ name: "Careful", priority: 2, requires_ack: true });
      const res = await request(node.app)
        .post("/v1/bookings")
        .set(a.auth)
        .send({ start: MONDAY_10, end: MONDAY_1030 });
      expect(res.status).toBe(202);
      const out = await decideRequest(node.ctx.booking, PERSON, {
        username: "jane",
        bookingId: res.body.booking_id,
        decision: "decline",
        message: "Not that day",
      });
      expect(out.outcome).toBe("declined");
      const declined = (await eventsOf(a.auth)).find((e) => e.type === "booking.declined");
      expect(declined?.data.object).toMatchObject({
        booking_id: res.body.booking_id,
        message: "Not that day",
      });
      const again = await agent({ name: "Other", priority: 5 });
      expect(
        (
          await request(node.app)
            .post("/v1/bookings")
            .set(again.auth)
            .send({ start: MONDAY_10, end: MONDAY_1030 })
        ).status,
      ).toBe(201);
    });

    it("commits at once again once the admin turns requires_ack off, and refuses a bad value", async () => {
      const a = await agent({ name: "Careful", priority: 2, requires_ack: true });
      const bad = await request(node.app)
        .patch(`/admin/v1/users/jane/agents/${a.id}`)
        .set(node.admin)
        .send({ requires_ack: "yes" });
      expect(bad.status).toBe(400);
      expect(bad.body.error.code).toBe("invalid_request");
      const off = await request(node.app)
        .patch(`/admin/v1/users/jane/agents/${a.id}`)
        .set(node.admin)
        .send({ requires_ack: false });
      expect(off.status).toBe(200);
      expect(off.body.requires_ack).toBeUndefined();
      const res = await request(node.app)
        .post("/v1/bookings")
        .set(a.auth)
        .send({ start: MONDAY_10, end: MONDAY_1030 });
      expect(res.status).toBe(201);
      expect(res.body.status).toBe("committed");
    });
  });
}
