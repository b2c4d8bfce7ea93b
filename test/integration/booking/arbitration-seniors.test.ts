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

    /** p3 commits `slot`, then `senior` SENIOR_AFTER_MS later; both answers. */
    async function juniorThenSeniorAgent(senior: HttpAgent, slot = SLOT) {
      const junior = commit(p3, interval(slot));
      await new Promise((r) => setTimeout(r, SENIOR_AFTER_MS));
      const answer = await commit(senior, interval(slot));
      return { junior: await junior, senior: answer };
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

    it("counts a senior's creation or new priority through the admin API as a request", async () => {
      const created = await call(`${n.url}/admin/v1/users/${USER}/agents`, "POST", n.adminToken, {
        name: "new-senior",
        priority: 1,
      });
      expect(created.status).toBe(201);
      const fresh: HttpAgent = {
        id: created.body.agent_id as string,
        priority: 1,
        key: created.body.api_key as string,
        url: n.url,
      };
      n.clock.advance(59_000);
      // The new rank 1 made no request of its own: its creation makes juniors wait for it.
      const first = await juniorThenSeniorAgent(fresh);
      expect(first.senior.status).toBe(201);
      expect(first.junior.status).toBe(409);
      n.clock.advance(IDLE_MS);
      const reranked = await call(
        `${n.url}/admin/v1/users/${USER}/agents/${p2.id}`,
        "PATCH",
        n.adminToken,
        { priority: 2 },
      );
      expect(reranked.status).toBe(200);
      n.clock.advance(59_000);
      const second = await juniorThenSeniorAgent(p2, SLOT + 2 * HOUR);
      expect(second.senior.status).toBe(201);
      expect(second.junior.status).toBe(409);
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
