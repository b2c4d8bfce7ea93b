import { setTimeout as sleep } from "node:timers/promises";
import request from "supertest";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { TestNode } from "../../helpers/node.js";
import {
  commit,
  createAgent,
  createWebhookTestNode,
  type TestAgent,
} from "../../helpers/webhooks/setup.js";

let node: TestNode;
let mine: TestAgent;
let other: TestAgent;

beforeEach(async () => {
  node = await createWebhookTestNode({}, { webhooks: { dispatcher: false } });
  mine = await createAgent(node, "Mine", 2);
  other = await createAgent(node, "Other", 1);
});
afterEach(() => node.close());

const poll = (auth: Record<string, string>, query = "") =>
  request(node.app).get(`/v1/events${query}`).set(auth);

describe("GET /v1/events", () => {
  it("returns the agent's own events in order, with a cursor", async () => {
    const a = await commit(node, mine, 1);
    await commit(node, other, 2);
    const b = await commit(node, mine, 3);
    const first = await poll(mine.auth);
    expect(first.status).toBe(200);
    expect(first.body.events.map((e: { data: { id: string } }) => e.data.id)).toEqual([
      a.audit_ref,
      b.audit_ref,
    ]);
    expect(first.body.events[0]).toEqual({
      type: "booking.committed",
      created: expect.any(Number),
      data: { id: a.audit_ref, object: expect.objectContaining({ booking_id: a.booking_id }) },
    });
    expect(first.body.has_more).toBe(false);
    const again = await poll(mine.auth, `?after=${first.body.next_cursor}`);
    expect(again.body).toEqual({
      events: [],
      next_cursor: first.body.next_cursor,
      has_more: false,
    });
    const c = await commit(node, mine, 5);
    const next = await poll(mine.auth, `?after=${first.body.next_cursor}`);
    expect(next.body.events.map((e: { data: { id: string } }) => e.data.id)).toEqual([c.audit_ref]);
  });

  it("pages with limit", async () => {
    for (let i = 0; i < 5; i++) await commit(node, mine, i);
    const page = await poll(mine.auth, "?limit=2");
    expect(page.body.events).toHaveLength(2);
    expect(page.body.has_more).toBe(true);
    const rest = await poll(mine.auth, `?after=${page.body.next_cursor}&limit=10`);
    expect(rest.body.events).toHaveLength(3);
  });

  it("long-polls until an event comes", async () => {
    const head = await poll(mine.auth);
    const started = Date.now();
    const waiting = poll(mine.auth, `?after=${head.body.next_cursor}&wait=10`).then((r) => r);
    await sleep(150);
    const booking = await commit(node, mine, 1);
    const res = await waiting;
    expect(res.body.events.map((e: { data: { id: string } }) => e.data.id)).toEqual([
      booking.audit_ref,
    ]);
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it("ends a long poll empty when it times out or the node stops", async () => {
    const started = Date.now();
    const res = await poll(mine.auth, "?after=1000&wait=1");
    expect(res.body.events).toEqual([]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    const waiting = poll(mine.auth, "?after=1000&wait=30").then((r) => r);
    await sleep(100);
    await node.ctx.webhooks.stop();
    const stopped = await waiting;
    expect(stopped.status).toBe(200);
    expect(stopped.body.events).toEqual([]);
  });

  it("gives the admin all of a user's events with user_id", async () => {
    await commit(node, mine, 1);
    const res = await poll(node.admin, "?user_id=jane");
    const types = res.body.events.map((e: { type: string }) => e.type);
    expect(types).toContain("profile.updated");
    expect(types).toContain("agent.created");
    expect(types).toContain("booking.committed");
    expect((await poll(node.admin)).status).toBe(400);
    expect((await poll(node.admin, "?user_id=nobody")).status).toBe(404);
  });

  it("checks its parameters", async () => {
    for (const q of ["?wait=31", "?after=-1", "?after=x", "?limit=0", "?limit=101"])
      expect((await poll(mine.auth, q)).status, q).toBe(400);
    expect((await poll(mine.auth, "?user_id=john")).status).toBe(403);
    expect((await request(node.app).get("/v1/events")).status).toBe(401);
  });
});
