/**
 * Input the core once mishandled: instants a Redis script would round, and sequence
 * numbers that are not plain integers. Each is a 400 on both stores and changes nothing.
 */
import request from "supertest";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../../src/clock.js";
import { createTestNode, sampleProfileInput, type TestNode } from "../../helpers/node.js";
import { OPEN_ALL_WEEK } from "../../helpers/profiles.js";
import { stopSharedRedis, storeOfKind } from "../../helpers/store-kinds.js";

afterAll(stopSharedRedis);

for (const kind of ["memory", "redis"] as const) {
  describe(`refused input, ${kind} store`, () => {
    let node: TestNode;
    let auth: { Authorization: string };

    beforeEach(async () => {
      const clock = new ManualClock(Date.parse("2026-11-21T12:00:00Z"));
      const store = await storeOfKind(kind, clock);
      node = await createTestNode({ arbitrationWindowMs: "0" }, { clock, ...(store && { store }) });
      const profile = sampleProfileInput("jane", {
        // Every day, all day, in UTC: only the instants' range can refuse a request.
        timezone: "UTC",
        scheduling: OPEN_ALL_WEEK,
      });
      const put = await request(node.app).put("/admin/v1/users/jane").set(node.admin).send(profile);
      expect(put.status).toBe(201);
      const agent = await request(node.app)
        .post("/admin/v1/users/jane/agents")
        .set(node.admin)
        .send({ name: "Bot", priority: 1 });
      expect(agent.status).toBe(201);
      auth = { Authorization: `Bearer ${agent.body.api_key}` };
    });
    afterEach(() => node.close());

    async function auditLength(): Promise<number> {
      const res = await request(node.app).get("/v1/audit").set(auth);
      expect(res.status).toBe(200);
      return res.body.events.length;
    }

    it.each([
      ["5138-11-16T09:46:40.001Z", "5138-11-16T10:16:40.001Z"],
      ["6000-06-01T10:00:00.123Z", "6000-06-01T10:30:00.123Z"],
      ["9999-12-31T23:00:00.001Z", "9999-12-31T23:30:00.001Z"],
    ])("refuses a commit at %s (beyond 4999) with 400 and books nothing", async (start, end) => {
      const before = await auditLength();
      for (const path of ["/v1/holds", "/v1/bookings"]) {
        const res = await request(node.app).post(path).set(auth).send({ start, end });
        expect(res.status).toBe(400);
        expect(res.body.error).toMatchObject({
          code: "invalid_request",
          details: [{ pointer: "/start" }],
        });
      }
      const listed = await request(node.app)
        .get("/v1/bookings")
        .set(auth)
        .query({ range_start: "2026-11-21T00:00:00Z", range_end: "2027-11-21T00:00:00Z" });
      expect(listed.body.bookings).toEqual([]);
      expect(await auditLength()).toBe(before);
    });

    it("keeps the exact millisecond of the latest instant it takes, in the record and its audit event", async () => {
      const start = "4999-12-31T23:00:00.001Z";
      const res = await request(node.app)
        .post("/v1/bookings")
        .set(auth)
        .send({ start, end: "4999-12-31T23:30:00.999Z" });
      expect(res.status).toBe(201);
      expect(res.body.start).toBe(start);
      const audit = await request(node.app)
        .get("/v1/audit")
        .set(auth)
        .query({ resource: res.body.booking_id });
      const committed = audit.body.events.find(
        (e: { type: string }) => e.type === "booking.committed",
      );
      expect(committed.data.start).toBe(Date.parse(start));
      expect(committed.data.end).toBe(Date.parse("4999-12-31T23:30:00.999Z"));
    });

    it.each(["1e21", "1e3", "-1", "1.5", " 1", "0x10", "99999999999999999999"])(
      "answers /v1/audit?after=%s with 400, not 500",
      async (after) => {
        const res = await request(node.app).get("/v1/audit").set(auth).query({ after });
        expect(res.status).toBe(400);
        expect(res.body.error).toMatchObject({
          code: "invalid_request",
          details: [{ pointer: "/after" }],
        });
      },
    );
  });
}
