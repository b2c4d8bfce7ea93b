/**
 * Holds and commits show their agent `acting`, and the answer does not wait for that
 * write: presence is advisory, so a slow presence store never slows a booking.
 */
import request from "supertest";
import { afterEach, describe, expect, it } from "vitest";
import type { Agent } from "../../../src/arbiter/index.js";
import {
  type AgentActivity,
  agentCaller,
  type BookingDeps,
  commitBooking,
  placeHold,
} from "../../../src/booking/index.js";
import { createTestNode, sampleProfileInput, type TestNode } from "../../helpers/node.js";
import { OPEN_ALL_WEEK } from "../../helpers/profiles.js";
import { HOUR, MIN, NOW } from "./harness.js";

/** Presence writes that never finish, counted. */
function stalledActivity(): AgentActivity & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    acting: (agent: Agent) => {
      calls.push(agent.id);
      return new Promise<void>(() => {});
    },
  };
}

/** The promise's value, or "still waiting" after a second. */
function withinASecond<T>(p: Promise<T>): Promise<T | "still waiting"> {
  return Promise.race([
    p,
    new Promise<"still waiting">((r) => setTimeout(() => r("still waiting"), 1_000)),
  ]);
}

describe("presence beside holds and commits", () => {
  let node: TestNode | undefined;
  afterEach(async () => {
    await node?.close();
    node = undefined;
  });

  async function start(): Promise<{
    deps: BookingDeps;
    top: Agent;
    junior: Agent;
    calls: string[];
  }> {
    node = await createTestNode({ arbitrationWindowMs: "250" });
    await request(node.app)
      .put("/admin/v1/users/jane")
      .set(node.admin)
      .send(sampleProfileInput("jane", { timezone: "UTC", scheduling: OPEN_ALL_WEEK }))
      .expect(201);
    for (const priority of [1, 2])
      await request(node.app)
        .post("/admin/v1/users/jane/agents")
        .set(node.admin)
        .send({ name: `p${priority}`, priority })
        .expect(201);
    const agents = await node.ctx.store.listAgents("jane");
    const activity = stalledActivity();
    return {
      deps: { ...node.ctx.booking, activity },
      top: agents.find((a) => a.priority === 1)!,
      junior: agents.find((a) => a.priority === 2)!,
      calls: activity.calls,
    };
  }

  const slot = (hours: number) => {
    const start = NOW + hours * HOUR;
    return { start, end: start + 30 * MIN, request: {} };
  };

  it("answers an uncontended commit without waiting for the presence write", async () => {
    const { deps, top, calls } = await start();
    const result = await withinASecond(commitBooking(deps, agentCaller(top), slot(3)));
    expect(result).toMatchObject({ outcome: "committed" });
    expect(calls).toEqual([top.id]);
  });

  it("answers a commit decided through the arbitration window without waiting for it", async () => {
    const { deps, junior, calls } = await start();
    const result = await withinASecond(commitBooking(deps, agentCaller(junior), slot(4)));
    expect(result).toMatchObject({ outcome: "committed" });
    expect(calls).toEqual([junior.id]);
  });

  it("answers a hold without waiting for it", async () => {
    const { deps, top, calls } = await start();
    const result = await withinASecond(placeHold(deps, agentCaller(top), slot(5)));
    expect(result).toMatchObject({ outcome: "held" });
    expect(calls).toEqual([top.id]);
  });
});
