/**
 * The federation over MCP: bob's agent at globex, through the SDK's own client, finds
 * times free for him and jane at acme (`get_availability` with `with`) and books one
 * (`request_meeting`), on two real node processes found through a real DNS server on
 * loopback (the harness of `federation.test.ts`: on Redis acme runs two processes, on
 * the memory store one). Every structuredContent is checked against its schema file by the client.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectMcp, type McpClient } from "../integration/mcp/client.js";
import { type Agent, call, type Federation, iso, startFederation } from "./federation/harness.js";

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
/** 00:00 UTC three days from now. */
const DAY0 = Math.floor(Date.now() / DAY) * DAY + 3 * DAY;
const at = (hour: number, minutes = 0) => DAY0 + hour * HOUR + minutes * MIN;
const WIDE = { start: DAY0 - DAY, end: DAY0 + 2 * DAY };

const slotStarts = (answer: Record<string, unknown>) =>
  (answer.slots as { start: string }[]).map((s) => s.start);

for (const store of ["memory", "redis"] as const) {
  describe.sequential(`MCP across two organizations, ${store} store`, () => {
    let fed: Federation;
    let bob: Agent;
    let carol: Agent;
    let janeAgent: Agent;
    const clients: McpClient[] = [];

    async function mcpOf(agent: Agent): Promise<McpClient> {
      const c = await connectMcp(agent.url, agent.key);
      clients.push(c);
      return c;
    }

    beforeAll(async () => {
      fed = await startFederation({ store });
      await fed.acme.putProfile("jane");
      await fed.acme.putProfile("joe", { response_channel: { human_ack_required: true } });
      await fed.globex.putProfile("bob");
      await fed.globex.putProfile("carol");
      bob = await fed.globex.createAgent("bob", "bob-assistant");
      carol = await fed.globex.createAgent("carol", "carol-assistant");
      janeAgent = await fed.acme.createAgent("jane", "jane-assistant");
      // jane is busy 10:00–11:00 on her own calendar.
      const busy = await call(`${janeAgent.url}/v1/bookings`, "POST", janeAgent.key, {
        start: iso(at(10)),
        end: iso(at(11)),
      });
      if (busy.status !== 201) throw new Error(`jane's booking: ${JSON.stringify(busy.body)}`);
    }, 90_000);

    afterAll(async () => {
      await Promise.all(clients.splice(0).map((c) => c.close()));
      await fed?.stop();
    });

    it("get_availability with `with` answers only the slots free for bob and for jane at acme", async () => {
      const c = await mcpOf(bob);
      const range = {
        range_start: iso(at(9)),
        range_end: iso(at(12)),
        duration_minutes: 30,
        step_minutes: 30,
      };
      const alone = await c.call("get_availability", range);
      expect(slotStarts(alone)).toEqual([9, 9.5, 10, 10.5, 11, 11.5].map((h) => iso(at(h))));

      const jane = fed.acme.address("jane");
      const both = await c.call("get_availability", { ...range, with: jane.toUpperCase() });
      expect(both).toMatchObject({ user_id: "bob", timezone: "UTC", with: jane });
      expect(both.slots).toEqual(
        [9, 9.5, 11, 11.5].map((h) => ({
          start: iso(at(h)),
          end: iso(at(h) + 30 * MIN),
          local_start: iso(at(h)).replace("Z", "+00:00"),
          local_end: iso(at(h) + 30 * MIN).replace("Z", "+00:00"),
        })),
      );
    });

    it("get_availability with someone acme has no profile of is the tool error peer_unverified", async () => {
      const c = await mcpOf(bob);
      const answer = await c.call("get_availability", {
        range_start: iso(at(9)),
        range_end: iso(at(12)),
        duration_minutes: 30,
        with: fed.acme.address("nobody"),
      });
      expect(answer).toMatchObject({
        isError: true,
        error: { code: "peer_unverified", status: 502 },
      });
    });

    it("request_meeting books jane at acme from bob's agent: confirmed, busy on both sides", async () => {
      const c = await mcpOf(bob);
      const jane = fed.acme.address("jane");
      const answer = await c.call("request_meeting", {
        with: jane,
        start: iso(at(9)),
        end: iso(at(9, 30)),
        subject: "Quarterly review",
      });
      expect(answer).toMatchObject({
        outcome: "confirmed",
        booking: {
          booking_id: expect.stringMatching(/^bkg_/),
          status: "committed",
          start: iso(at(9)),
          end: iso(at(9, 30)),
          local_start: expect.any(String),
          agent_id: bob.id,
          remote: { address: jane, status: "confirmed" },
          title: "Quarterly review",
        },
      });
      const slot = { start: iso(at(9)), end: iso(at(9, 30)) };
      expect(await fed.acme.busy("jane", WIDE)).toContainEqual(slot);
      expect(await fed.globex.busy("bob", WIDE)).toEqual([slot]);

      const after = await c.call("get_availability", {
        range_start: iso(at(9)),
        range_end: iso(at(12)),
        duration_minutes: 30,
        step_minutes: 30,
        with: jane,
      });
      expect(slotStarts(after)).toEqual([9.5, 11, 11.5].map((h) => iso(at(h))));
    });

    it("request_meeting for a slot jane has taken is a conflict on her side, with times free on both", async () => {
      const c = await mcpOf(carol);
      const answer = await c.call("request_meeting", {
        with: fed.acme.address("jane"),
        start: iso(at(10)),
        end: iso(at(10, 30)),
      });
      expect(answer).toMatchObject({ outcome: "conflict", side: "remote" });
      const suggested = answer.suggested_times as { start: string; end: string }[];
      expect(suggested.length).toBeGreaterThan(0);
      const janeBusy = await fed.acme.busy("jane", WIDE);
      for (const s of suggested)
        for (const b of janeBusy) expect(s.end <= b.start || s.start >= b.end).toBe(true);
      // Nothing was booked for carol.
      expect(await fed.globex.busy("carol", WIDE)).toEqual([]);
    });

    it("request_meeting twice with one idempotency_key: one meeting on both sides, the same answer", async () => {
      const c = await mcpOf(bob);
      const args = {
        with: fed.acme.address("jane"),
        start: iso(at(11)),
        end: iso(at(11, 30)),
        subject: "Follow-up",
        idempotency_key: "follow-up-1",
      };
      const committedAtAcme = async () =>
        (await fed.acme.audit("jane")).filter((e) => e.type === "booking.committed").length;
      const before = await committedAtAcme();
      const first = await c.call("request_meeting", args);
      expect(first).toMatchObject({ outcome: "confirmed", replay: false });
      const again = await c.call("request_meeting", args);
      expect(again).toEqual({ ...first, replay: true });
      expect(await committedAtAcme()).toBe(before + 1);
      // jane: the first meeting, and her own 10:00–11:00 run on into this one.
      expect(await fed.acme.busy("jane", WIDE)).toEqual([
        { start: iso(at(9)), end: iso(at(9, 30)) },
        { start: iso(at(10)), end: iso(at(11, 30)) },
      ]);
      // Without the key, the same request is a new one, and loses to the meeting on bob's side.
      const { idempotency_key: _k, ...unkeyed } = args;
      expect(await c.call("request_meeting", unkeyed)).toMatchObject({
        outcome: "conflict",
        side: "local",
      });
    });

    it("request_meeting with someone who must answer: pending, and a keyed retry answers the same pending request", async () => {
      const c = await mcpOf(bob);
      const args = {
        with: fed.acme.address("joe"),
        start: iso(at(14)),
        end: iso(at(14, 30)),
        idempotency_key: "joe-1",
      };
      const first = await c.call("request_meeting", args);
      expect(first).toMatchObject({
        outcome: "pending",
        expires_at: expect.stringMatching(/Z$/),
        booking: { status: "pending" },
        replay: false,
      });
      const requests = async () =>
        (await fed.acme.audit("joe")).filter((e) => e.type === "booking.requested").length;
      const asked = await requests();
      expect(asked).toBe(1);
      expect(await c.call("request_meeting", args)).toEqual({ ...first, replay: true });
      expect(await requests()).toBe(asked);
    });
  });
}
