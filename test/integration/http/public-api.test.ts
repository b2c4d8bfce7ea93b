import request from "supertest";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createTestNode, sampleProfileInput, type TestNode } from "../../helpers/node.js";

let node: TestNode;

// "Now" is 2026-11-21T12:00Z (a Saturday). The profile is open Mon–Fri 09:00–12:00 New York.
beforeEach(async () => {
  node = await createTestNode({ arbitrationWindowMs: "0" });
  const profile = sampleProfileInput("jane", {
    scheduling: [
      {
        type: "weekly",
        days: ["monday", "tuesday", "wednesday", "thursday", "friday"],
        hours: ["09:00-12:00"],
      },
    ],
  });
  await request(node.app).put("/admin/v1/users/jane").set(node.admin).send(profile);
  await request(node.app)
    .put("/admin/v1/users/sam")
    .set(node.admin)
    .send(sampleProfileInput("sam", { visibility: "private" }));
});
afterEach(() => node.close());

async function bookAsAgent(start: string, end: string) {
  const agent = await request(node.app)
    .post("/admin/v1/users/jane/agents")
    .set(node.admin)
    .send({ name: "A", priority: 1 });
  const res = await request(node.app)
    .post("/v1/bookings")
    .set("Authorization", `Bearer ${agent.body.api_key}`)
    .send({ start, end });
  expect(res.status).toBe(201);
}

describe("GET /api/availability/{username}", () => {
  it("lists exact slots in UTC and leaves out booked time", async () => {
    await bookAsAgent("2026-11-23T15:00:00Z", "2026-11-23T16:00:00Z"); // 10:00–11:00 EST
    const res = await request(node.app).get("/api/availability/jane").query({
      start: "2026-11-23T00:00:00Z",
      end: "2026-11-24T00:00:00Z",
      duration_minutes: 60,
      step_minutes: 30,
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      username: "jane",
      timezone: "America/New_York",
      duration_minutes: 60,
    });
    expect(res.body.slots).toEqual([
      { start: "2026-11-23T14:00:00.000Z", end: "2026-11-23T15:00:00.000Z" },
      { start: "2026-11-23T16:00:00.000Z", end: "2026-11-23T17:00:00.000Z" },
    ]);
  });

  it("answers a 400 that names each bad parameter", async () => {
    const base = {
      start: "2026-11-23T00:00:00Z",
      end: "2026-11-24T00:00:00Z",
      duration_minutes: 30,
    };
    const cases: [Record<string, unknown>, string][] = [
      [{ ...base, end: "2027-03-01T00:00:00Z" }, "/end"], // over 90 days
      [{ ...base, end: "2026-11-22T00:00:00Z" }, "/end"], // end before start
      [{ ...base, start: "not-a-time" }, "/start"],
      [{ ...base, start: "2026-11-23T00:00:00" }, "/start"], // no zone
      [{ ...base, duration_minutes: 4 }, "/duration_minutes"],
      [{ ...base, duration_minutes: 485 }, "/duration_minutes"],
      [{ ...base, duration_minutes: 32 }, "/duration_minutes"],
      [{ ...base, duration_minutes: "abc" }, "/duration_minutes"],
      [{ start: base.start, end: base.end }, "/duration_minutes"],
    ];
    for (const [query, pointer] of cases) {
      const res = await request(node.app).get("/api/availability/jane").query(query);
      expect(res.status, JSON.stringify(query)).toBe(400);
      expect(res.body.error.code).toBe("invalid_request");
      expect(res.body.error.details.map((d: { pointer: string }) => d.pointer)).toContain(pointer);
    }
  });

  it("is a 404 for unknown and private users", async () => {
    const q = { start: "2026-11-23T00:00:00Z", end: "2026-11-24T00:00:00Z", duration_minutes: 30 };
    expect((await request(node.app).get("/api/availability/nobody").query(q)).status).toBe(404);
    expect((await request(node.app).get("/api/availability/sam").query(q)).status).toBe(404);
  });
});

describe("GET /api/freebusy/{username}", () => {
  it("returns merged busy time without identities, in the Calendario shape", async () => {
    await bookAsAgent("2026-11-23T15:00:00Z", "2026-11-23T15:30:00Z");
    const res = await request(node.app)
      .get("/api/freebusy/jane")
      .query({ start: "2026-11-23T00:00:00Z", end: "2026-11-24T00:00:00Z" });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      busy: [{ start: "2026-11-23T15:00:00.000Z", end: "2026-11-23T15:30:00.000Z" }],
      generated_at: "2026-11-21T12:00:00.000Z",
      ttl_seconds: 60,
    });
    expect(res.headers["cache-control"]).toBe("max-age=60");
  });

  it("defaults to the next 30 days and names bad parameters", async () => {
    expect((await request(node.app).get("/api/freebusy/jane")).status).toBe(200);
    const bad = await request(node.app).get("/api/freebusy/jane").query({ start: "yesterday" });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].pointer).toBe("/start");
    const long = await request(node.app)
      .get("/api/freebusy/jane")
      .query({ start: "2026-11-23T00:00:00Z", end: "2027-06-01T00:00:00Z" });
    expect(long.body.error.details[0].pointer).toBe("/end");
    const inverted = await request(node.app)
      .get("/api/freebusy/jane")
      .query({ start: "2026-11-23T00:00:00Z", end: "2026-11-22T00:00:00Z" });
    expect(inverted.body.error.details[0].pointer).toBe("/end");
  });

  it("is what the profile's free_busy_url points at", async () => {
    const profile = await request(node.app).get("/.well-known/calendario/jane");
    expect(profile.body.response_channel.confirm.free_busy_url).toBe(
      "https://node.test/api/freebusy/jane",
    );
  });
});

describe("PUT /admin/v1/users/{username}/rules", () => {
  it("applies buffers and focus blocks to slots but not to free/busy", async () => {
    const rules = {
      buffer_before_minutes: 30,
      buffer_after_minutes: 30,
      focus_blocks: [{ days: ["monday"], hours: ["09:00-10:00"] }],
    };
    const put = await request(node.app)
      .put("/admin/v1/users/jane/rules")
      .set(node.admin)
      .send(rules);
    expect(put.status).toBe(200);
    await bookAsAgent("2026-11-23T15:30:00Z", "2026-11-23T16:00:00Z"); // 10:30–11:00 EST
    const slots = await request(node.app).get("/api/availability/jane").query({
      start: "2026-11-23T00:00:00Z",
      end: "2026-11-24T00:00:00Z",
      duration_minutes: 30,
      step_minutes: 30,
    });
    // 09:00–10:00 focus, 10:00–11:30 booking plus buffers: only 11:30–12:00 is left.
    expect(slots.body.slots).toEqual([
      { start: "2026-11-23T16:30:00.000Z", end: "2026-11-23T17:00:00.000Z" },
    ]);
    const busy = await request(node.app)
      .get("/api/freebusy/jane")
      .query({ start: "2026-11-23T00:00:00Z", end: "2026-11-24T00:00:00Z" });
    expect(busy.body.busy).toEqual([
      { start: "2026-11-23T15:30:00.000Z", end: "2026-11-23T16:00:00.000Z" },
    ]);
  });

  it("refuses invalid rules naming the field, and needs the admin token", async () => {
    const bad = await request(node.app)
      .put("/admin/v1/users/jane/rules")
      .set(node.admin)
      .send({ buffer_before_minutes: 500 });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].pointer).toBe("/buffer_before_minutes");
    const inverted = await request(node.app)
      .put("/admin/v1/users/jane/rules")
      .set(node.admin)
      .send({ focus_blocks: [{ days: ["monday"], hours: ["10:00-09:00"] }] });
    expect(inverted.status).toBe(400);
    expect((await request(node.app).put("/admin/v1/users/jane/rules").send({})).status).toBe(401);
  });
});
