import request from "supertest";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../../src/clock.js";
import { createTestNode, sampleProfileInput, type TestNode } from "../../helpers/node.js";

let node: TestNode;

describe("GET /v1/agents/me", () => {
  beforeEach(async () => {
    node = await createTestNode(
      { holdTtlSeconds: "120", bumpWindowSeconds: "600" },
      { clock: new ManualClock(Date.parse("2026-11-21T12:00:00Z")) },
    );
    const profile = sampleProfileInput("jane", { timezone: "America/New_York" });
    expect(
      (await request(node.app).put("/admin/v1/users/jane").set(node.admin).send(profile)).status,
    ).toBe(201);
  });
  afterEach(() => node.close());

  it("answers the agent, its user, the user's zone, the node's time and limits", async () => {
    const created = await request(node.app)
      .post("/admin/v1/users/jane/agents")
      .set(node.admin)
      .send({ name: "assistant", priority: 2 });
    expect(created.status).toBe(201);
    const res = await request(node.app)
      .get("/v1/agents/me")
      .set({ Authorization: `Bearer ${created.body.api_key}` });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      agent_id: created.body.agent_id,
      name: "assistant",
      user_id: "jane",
      priority: 2,
      scopes: created.body.scopes,
      timezone: "America/New_York",
      now: { utc: "2026-11-21T12:00:00.000Z", local: "2026-11-21T07:00:00.000-05:00" },
      hold_ttl_seconds: 120,
      bump_window_seconds: 600,
    });
  });

  it("is 401 without a key and 403 for the admin", async () => {
    expect((await request(node.app).get("/v1/agents/me")).status).toBe(401);
    const admin = await request(node.app).get("/v1/agents/me").set(node.admin);
    expect(admin.status).toBe(403);
  });
});
