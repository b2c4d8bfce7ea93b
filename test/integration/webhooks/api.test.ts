import type { LookupFunction } from "node:net";
import request from "supertest";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { TestNode } from "../../helpers/node.js";
import {
  createAgent,
  createWebhookTestNode,
  subscribe,
  type TestAgent,
} from "../../helpers/webhooks/setup.js";

const NAMES: Record<string, string> = {
  "hooks.example": "93.184.216.34",
  "internal.example": "10.0.0.5",
  "mixed.example": "93.184.216.34,127.0.0.1",
};

/** Resolves the names above; anything else does not exist. */
const lookup = ((host: string, _opts: unknown, cb: (...args: unknown[]) => void) => {
  const found = NAMES[host];
  if (!found) return cb(Object.assign(new Error(`ENOTFOUND ${host}`), { code: "ENOTFOUND" }));
  cb(
    null,
    found.split(",").map((address) => ({ address, family: address.includes(":") ? 6 : 4 })),
  );
}) as unknown as LookupFunction;

let node: TestNode;
let agent: TestAgent;

afterEach(() => node.close());

describe("subscription URLs (CALENDARIO_ALLOW_INSECURE off)", () => {
  beforeEach(async () => {
    node = await createWebhookTestNode(
      { allowInsecure: "0" },
      { webhooks: { dispatcher: false, lookup } },
    );
    agent = await createAgent(node, "A", 1);
  });

  it("accepts an https URL that resolves to public addresses", async () => {
    const sub = await subscribe(node, agent.auth, {
      url: "https://hooks.example/calendario",
      events: ["booking.committed"],
    });
    expect(sub.url).toBe("https://hooks.example/calendario");
  });

  it.each([
    ["http://hooks.example/x", "must be an https URL"],
    ["ftp://hooks.example/x", "must be an https URL"],
    ["not a url", "is not a valid URL"],
    ["https://user:pw@hooks.example/x", "must not carry credentials"],
    ["https://127.0.0.1/x", "private, loopback or link-local"],
    ["https://[::1]/x", "private, loopback or link-local"],
    ["https://169.254.169.254/latest", "private, loopback or link-local"],
    ["https://10.1.2.3/x", "private, loopback or link-local"],
    ["https://[::ffff:192.168.1.1]/x", "private, loopback or link-local"],
    ["https://internal.example/x", "private, loopback or link-local"],
    ["https://mixed.example/x", "private, loopback or link-local"],
    ["https://nowhere.example/x", "does not resolve"],
  ])("refuses %s", async (url, message) => {
    const res = await request(node.app)
      .post("/v1/webhooks")
      .set(agent.auth)
      .send({ url, events: ["booking.committed"] });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("invalid_webhook_url");
    expect(res.body.error.details[0].pointer).toBe("/url");
    expect(res.body.error.message).toContain(message);
  });
});

describe("subscriptions", () => {
  beforeEach(async () => {
    node = await createWebhookTestNode({}, { webhooks: { dispatcher: false } });
    agent = await createAgent(node, "A", 1);
  });

  const url = "http://127.0.0.1:9/hook";

  it("creates one for an agent, showing the secret once", async () => {
    const res = await request(node.app)
      .post("/v1/webhooks")
      .set(agent.auth)
      .send({ url, events: ["booking.committed", "booking.evicted"] });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      id: expect.stringMatching(/^whk_/),
      url,
      events: ["booking.committed", "booking.evicted"],
      status: "active",
      user_id: "jane",
      agent_id: agent.id,
      created_at: "2026-11-21T12:00:00.000Z",
      secret: expect.stringMatching(/^whsec_[A-Za-z0-9+/]{43}=$/),
    });
    const list = await request(node.app).get("/v1/webhooks").set(agent.auth);
    expect(list.body.webhooks).toEqual([{ ...res.body, secret: undefined }]);
    expect(JSON.stringify(list.body)).not.toContain("whsec_");
    const one = await request(node.app).get(`/v1/webhooks/${res.body.id}`).set(agent.auth);
    expect(one.body.id).toBe(res.body.id);
    expect(one.body.secret).toBeUndefined();
  });

  it("lets the admin subscribe for a user, to every event", async () => {
    const sub = await subscribe(node, node.admin, { url, events: ["*"], user_id: "jane" });
    expect(sub.events).toEqual(["*"]);
    const other = await subscribe(node, node.admin, {
      url,
      events: ["hold.created", "profile.updated"],
      user_id: "jane",
    });
    const list = await request(node.app).get("/v1/webhooks?user_id=jane").set(node.admin);
    expect(list.body.webhooks.map((w: { id: string }) => w.id).sort()).toEqual(
      [sub.id, other.id].sort(),
    );
    // An agent sees only its own.
    const mine = await request(node.app).get("/v1/webhooks").set(agent.auth);
    expect(mine.body.webhooks).toEqual([]);
    expect(
      (await request(node.app).get(`/v1/webhooks/${sub.id}`).set(agent.auth)).body.error.code,
    ).toBe("webhook_not_found");
  });

  it("refuses unknown event types, admin-only types for agents, and bad bodies", async () => {
    const post = (auth: Record<string, string>, body: unknown) =>
      request(node.app)
        .post("/v1/webhooks")
        .set(auth)
        .send(body as object);
    const unknown = await post(agent.auth, { url, events: ["booking.committed", "booking.moved"] });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error).toMatchObject({
      code: "unknown_event_type",
      details: [{ pointer: "/events/1" }],
    });
    const adminOnly = await post(agent.auth, { url, events: ["profile.updated"] });
    expect(adminOnly.body.error.code).toBe("unknown_event_type");
    expect((await post(agent.auth, { url, events: [] })).body.error.details[0].pointer).toBe(
      "/events",
    );
    expect((await post(agent.auth, { url })).body.error.details[0].pointer).toBe("/events");
    expect(
      (await post(agent.auth, { url, events: ["booking.committed"], secret: "x" })).body.error
        .details[0].pointer,
    ).toBe("/secret");
    expect((await post(node.admin, { url, events: ["*"] })).body.error.details[0].pointer).toBe(
      "/user_id",
    );
    expect(
      (await post(node.admin, { url, events: ["*"], user_id: "nobody" })).body.error.code,
    ).toBe("unknown_user");
    const otherUser = await post(agent.auth, { url, events: ["*"], user_id: "john" });
    expect(otherUser.status).toBe(403);
  });

  it("needs the agent's webhooks scope", async () => {
    const narrow = await createAgent(node, "Narrow", 2, { scopes: ["bookings"] });
    const res = await request(node.app)
      .post("/v1/webhooks")
      .set(narrow.auth)
      .send({ url, events: ["booking.committed"] });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe("missing_scope");
  });

  it("deletes a subscription, by its agent or the admin, and no one else", async () => {
    const sub = await subscribe(node, agent.auth, { url, events: ["booking.committed"] });
    const other = await createAgent(node, "B", 2);
    expect((await request(node.app).delete(`/v1/webhooks/${sub.id}`).set(other.auth)).status).toBe(
      404,
    );
    expect((await request(node.app).delete(`/v1/webhooks/${sub.id}`).set(agent.auth)).status).toBe(
      204,
    );
    expect((await request(node.app).delete(`/v1/webhooks/${sub.id}`).set(agent.auth)).status).toBe(
      404,
    );
    const second = await subscribe(node, agent.auth, { url, events: ["booking.committed"] });
    expect(
      (await request(node.app).delete(`/v1/webhooks/${second.id}`).set(node.admin)).status,
    ).toBe(204);
    expect((await request(node.app).get("/v1/webhooks").set(agent.auth)).body.webhooks).toEqual([]);
    expect((await request(node.app).delete("/v1/webhooks/whk_nope").set(node.admin)).status).toBe(
      404,
    );
  });

  it("rotates the secret: a new one, the previous one for 24 h more", async () => {
    const sub = await subscribe(node, agent.auth, { url, events: ["booking.committed"] });
    const res = await request(node.app).post(`/v1/webhooks/${sub.id}/rotate`).set(agent.auth);
    expect(res.status).toBe(200);
    expect(res.body.secret).toMatch(/^whsec_/);
    expect(res.body.secret).not.toBe(sub.secret);
    expect(res.body.previous_secret_expires_at).toBe("2026-11-22T12:00:00.000Z");
    const stored = await node.ctx.webhooks.find(sub.id, { username: null, agentId: null });
    expect(stored!.secrets.map((s) => s.secret)).toEqual([res.body.secret, sub.secret]);
  });

  it("lists the event catalogue", async () => {
    const res = await request(node.app).get("/v1/webhooks/events").set(agent.auth);
    expect(res.status).toBe(200);
    const types = res.body.events.map((e: { type: string }) => e.type);
    for (const type of [
      "booking.committed",
      "booking.evicted",
      "booking.cancelled",
      "hold.invalidated",
      "booking.requested",
      "counter.proposed",
      "counter.accepted",
      "counter.rejected",
    ])
      expect(types).toContain(type);
    expect(res.body.events[0]).toEqual({
      type: "booking.committed",
      audience: "agent",
      description: expect.any(String),
    });
  });

  it("needs authentication", async () => {
    expect((await request(node.app).get("/v1/webhooks")).status).toBe(401);
    expect((await request(node.app).get("/v1/webhooks/events")).status).toBe(401);
  });

  it("pages deliveries and checks its parameters", async () => {
    const sub = await subscribe(node, agent.auth, { url, events: ["booking.committed"] });
    const res = await request(node.app).get(`/v1/webhooks/${sub.id}/deliveries`).set(agent.auth);
    expect(res.body).toEqual({ deliveries: [], next_before: null });
    for (const q of ["limit=0", "limit=101", "before=x", "status=lost"])
      expect(
        (await request(node.app).get(`/v1/webhooks/${sub.id}/deliveries?${q}`).set(agent.auth))
          .status,
      ).toBe(400);
  });
});
