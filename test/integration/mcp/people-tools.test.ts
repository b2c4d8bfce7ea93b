/**
 * The person-in-the-loop side of MCP, through the SDK's own client: set_presence, and
 * commit_booking of an agent whose bookings the person must acknowledge.
 */
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  call,
  HOUR,
  interval,
  type ListeningNode,
  NOW,
  putOpenProfile,
  startListeningNode,
  stopSharedRedis,
} from "../booking/harness.js";
import { connectMcp, type McpClient } from "./client.js";

const SLOT = NOW + 2 * 24 * HOUR;

afterAll(() => stopSharedRedis());

for (const kind of ["memory", "redis"] as const) {
  describe(`MCP person tools, ${kind} store`, () => {
    let n: ListeningNode;
    const clients: McpClient[] = [];

    async function agentClient(body: Record<string, unknown>) {
      const created = await call(`${n.url}/admin/v1/users/jane/agents`, "POST", n.adminToken, body);
      expect(created.status).toBe(201);
      const c = await connectMcp(n.url, created.body.api_key as string);
      clients.push(c);
      return { c, id: created.body.agent_id as string, key: created.body.api_key as string };
    }

    beforeEach(async () => {
      n = await startListeningNode(kind, { arbitrationWindowMs: "0" });
      await putOpenProfile(n.url, n.adminToken, "jane");
    });
    afterEach(async () => {
      await Promise.all(clients.splice(0).map((c) => c.close()));
      await n.close();
    });

    it("set_presence shows the agent to its user's agents, and refuses a bad status", async () => {
      const { c, id, key } = await agentClient({ name: "Scout", priority: 2 });
      const out = await c.call("set_presence", { status: "thinking", note: "Comparing slots" });
      expect(out).toEqual({
        outcome: "set",
        presence: {
          agent_id: id,
          name: "Scout",
          status: "thinking",
          note: "Comparing slots",
          updated_at: "2026-11-21T12:00:00.000Z",
          expires_at: "2026-11-21T12:01:00.000Z",
        },
      });
      const listed = await call(`${n.url}/v1/presence`, "GET", key);
      expect(listed.body.presence).toEqual([out.presence]);
      const bad = await c.client.callTool({ name: "set_presence", arguments: { status: "nap" } });
      expect(bad.isError).toBe(true);
    });

    it("commit_booking of a requires_ack agent answers outcome pending", async () => {
      const { c } = await agentClient({ name: "Careful", priority: 2, requires_ack: true });
      const out = await c.call("commit_booking", { ...interval(SLOT), title: "Sync" });
      expect(out).toMatchObject({
        outcome: "pending",
        booking: { status: "pending" },
        expires_at: "2026-11-22T12:00:00.000Z",
      });
    });
  });
}
