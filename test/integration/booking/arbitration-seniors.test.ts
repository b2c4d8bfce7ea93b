/**
 * Idle seniors over HTTP (PROTOCOL §10.3), on both stores: every authenticated agent
 * request marks its agent seen, and a commit whose seniors were not seen within a minute
 * (on the node's injected clock) and hold nothing is decided at once. Whether the junior
 * waited shows in the outcome, not in a duration: a senior commits the same slot well
 * inside the junior's window; a junior that waited loses to it (409), one decided at once
 * has its 201 and is then bumped by it.
 */
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { connectMcp } from "../mcp/client.js";
import {
  auditEvents,
  call,
  commit,
  createAgents,
  HOUR,
  type HttpAgent,
  interval,
  type ListeningNode,
  NOW,
  putOpenProfile,
  startListeningNode,
  stopSharedRedis,
} from "./harness.js";

const USER = "jane";
const SLOT = NOW + 2 * 24 * HOUR - 2 * HOUR;
/** Long, so that the senior's commit sent SENIOR_AFTER_MS later is surely inside it. */
const WINDOW_MS = 2_000;
const SENIOR_AFTER_MS = 300;
/** The period of PROTOCOL §10.3, and one millisecond more. */
const IDLE_MS = 60_001;

afterAll(stopSharedRedis);

for (const kind of ["memory", "redis"] as const) {
  describe(`idle seniors over HTTP, ${kind} store`, { timeout: 30_000 }, () => {
    let n: ListeningNode;
    let p1: HttpAgent;
    let p2: HttpAgent;
    let p3: HttpAgent;
    beforeEach(async () => {
      n = await startListeningNode(kind, {
        arbitrationWindowMs: String(WINDOW_MS),
        holdTtlSeconds: "300",
      });
      await putOpenProfile(n.url, n.adminToken, USER);
      // createAgents makes one request per agent: all three are seen now.
      [p1, p2, p3] = (await createAgents(n.url, n.adminToken, USER, [1, 2, 3])) as [
        HttpAgent,
        HttpAgent,
        HttpAgent,
      ];
      n.clock.advance(IDLE_MS);
    });
    afterEach(() => n.close());

    /** p3 commits the slot, then p2 SENIOR_AFTER_MS later; both answers. */
    async function juniorThenSenior() {
      const junior = commit(p3, interval(SLOT));
      await new Promise((r) => setTimeout(r, SENIOR_AFTER_MS));
      const senior = await commit(p2, interval(SLOT));
      return { junior: await junior, senior };
    }

    const evictions = async () =>
      (await auditEvents(n.url, n.adminToken, USER)).filter((e) => e.type === "booking.evicted");

    it("commits a junior at once when its seniors made no request for a minute", async () => {
      const { junior, senior } = await juniorThenSenior();
      expect(junior.status, JSON.stringify(junior.body)).toBe(201);
      // The trade: p2's commit, in flight, bumps the junior's booking.
      expect(senior.status).toBe(201);
      expect((await evictions()).map((e) => e.resource)).toEqual([junior.body.booking_id]);
    });

    it("makes a junior wait when a senior made any request within the minute", async () => {
      const seen = await call(`${p2.url}/v1/agents/me`, "GET", p2.key);
      expect(seen.status).toBe(200);
      n.clock.advance(59_000);
      const { junior, senior } = await juniorThenSenior();
      expect(senior.status).toBe(201);
      expect(junior.status).toBe(409);
      expect(junior.body).toMatchObject({ winning_agent_id: p2.id, winning_agent_priority: 2 });
      expect(await evictions()).toEqual([]);
    });

    it("counts a senior's MCP request as a request", async () => {
      const mcp = await connectMcp(n.url, p2.key);
      try {
        expect(await mcp.call("whoami")).toMatchObject({ agent_id: p2.id });
      } finally {
        await mcp.close();
      }
      n.clock.advance(59_000);
      const { junior, senior } = await juniorThenSenior();
      expect(senior.status).toBe(201);
      expect(junior.status).toBe(409);
      expect(await evictions()).toEqual([]);
    });

    it("makes a junior wait while a senior holds a slot elsewhere", async () => {
      const held = await call(`${p1.url}/v1/holds`, "POST", p1.key, interval(SLOT + 4 * HOUR));
      expect(held.status, JSON.stringify(held.body)).toBe(201);
      n.clock.advance(IDLE_MS);
      // p1 made no request for a minute, but its hold lives (for 300 s).
      const { junior, senior } = await juniorThenSenior();
      expect(senior.status).toBe(201);
      expect(junior.status).toBe(409);
      expect(await evictions()).toEqual([]);
    });
  });
}
