/** An in-process node with the user "jane" open around the clock, and agents to act for her. */
import request from "supertest";
import { expect } from "vitest";
import type { ServerEnvironment } from "../../../src/config.js";
import type { ContextOverrides } from "../../../src/context.js";
import { createTestNode, sampleProfileInput, type TestNode } from "../node.js";
import { OPEN_ALL_WEEK } from "../profiles.js";

const DAY_MS = 86_400_000;
/**
 * 10:00 UTC two days after the later of now and the test clock's start: in the future for
 * the manual clock and the real one alike.
 */
const SLOT_BASE =
  Math.floor(Math.max(Date.now(), Date.parse("2026-11-21T12:00:00Z")) / DAY_MS) * DAY_MS +
  2 * DAY_MS +
  10 * 3600_000;

/** Distinct half-hour slots the user is open for. */
export function slot(i: number): { start: string; end: string } {
  const start = SLOT_BASE + i * 30 * 60_000;
  return {
    start: new Date(start).toISOString(),
    end: new Date(start + 30 * 60_000).toISOString(),
  };
}

export interface TestAgent {
  id: string;
  auth: { Authorization: string };
}

export async function createWebhookTestNode(
  env: ServerEnvironment = {},
  overrides: ContextOverrides = {},
): Promise<TestNode> {
  const node = await createTestNode({ arbitrationWindowMs: "0", ...env }, overrides);
  const profile = sampleProfileInput("jane", {
    timezone: "UTC",
    scheduling: OPEN_ALL_WEEK,
  });
  const put = await request(node.app).put("/admin/v1/users/jane").set(node.admin).send(profile);
  expect([200, 201]).toContain(put.status);
  return node;
}

export async function createAgent(
  node: TestNode,
  name: string,
  priority: number,
  extra: Record<string, unknown> = {},
): Promise<TestAgent> {
  const res = await request(node.app)
    .post("/admin/v1/users/jane/agents")
    .set(node.admin)
    .send({ name, priority, ...extra });
  expect(res.status).toBe(201);
  return { id: res.body.agent_id, auth: { Authorization: `Bearer ${res.body.api_key}` } };
}

export async function commit(node: TestNode, agent: TestAgent, i: number) {
  const res = await request(node.app).post("/v1/bookings").set(agent.auth).send(slot(i));
  expect(res.status).toBe(201);
  return res.body as { booking_id: string; audit_ref: string };
}

export async function subscribe(
  node: TestNode,
  auth: Record<string, string>,
  body: Record<string, unknown>,
) {
  const res = await request(node.app).post("/v1/webhooks").set(auth).send(body);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { id: string; secret: string; url: string; events: string[] };
}
