import { request as httpRequest } from "node:http";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import {
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
} from "../booking/harness.js";
import { connectMcp, type McpClient } from "./client.js";

const SLOT = NOW + 2 * 24 * HOUR; // Monday 12:00 UTC
const TOOLS = [
  "whoami",
  "get_availability",
  "create_hold",
  "release_hold",
  "commit_booking",
  "cancel_booking",
  "list_bookings",
  "get_booking",
  "propose_times",
  "answer_counter",
  "get_audit",
  "wait_for_events",
  "request_meeting",
  "set_presence",
];

afterAll(() => stopSharedRedis());

/** A raw JSON-RPC POST to /mcp, as a client that is not the SDK sends it. */
async function rawMcp(url: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${url}/mcp`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      ...headers,
    },
    body: JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, body: await res.json() };
}

const COMMIT_CALL = {
  jsonrpc: "2.0",
  id: 1,
  method: "tools/call",
  params: { name: "commit_booking", arguments: interval(SLOT) },
};

for (const kind of ["memory", "redis"] as const) {
  describe(`MCP at /mcp, ${kind} store`, () => {
    let n: ListeningNode;
    let agents: HttpAgent[];
    const clients: McpClient[] = [];

    async function mcp(agent: HttpAgent, protocolVersion?: string): Promise<McpClient> {
      const c = await connectMcp(n.url, agent.key, { protocolVersion });
      clients.push(c);
      return c;
    }

    beforeEach(async () => {
      n = await startListeningNode(kind);
      await putOpenProfile(n.url, n.adminToken, "jane", { timezone: "Europe/Paris" });
      // An idle priority-1 agent: every other agent's commit goes through the window.
      agents = await createAgents(n.url, n.adminToken, "jane", [1, 2, 3, 4, 5]);
    });
    afterEach(async () => {
      await Promise.all(clients.splice(0).map((c) => c.close()));
      await n.close();
    });

    it("lists the tools, annotated, with input and output schemas", async () => {
      const c = await mcp(agents[1]!);
      const { tools } = await c.client.listTools();
      expect(tools.map((t) => t.name).sort()).toEqual([...TOOLS].sort());
      for (const t of tools) {
        expect(t.inputSchema.type).toBe("object");
        expect(t.outputSchema?.type).toBe("object");
        expect(typeof t.annotations?.readOnlyHint).toBe("boolean");
      }
      const commitTool = tools.find((t) => t.name === "commit_booking")!;
      expect(commitTool.inputSchema.properties).toHaveProperty("idempotency_key");
      expect(commitTool.inputSchema.properties).not.toHaveProperty("user_id");
      expect(tools.find((t) => t.name === "cancel_booking")!.annotations?.destructiveHint).toBe(
        true,
      );
    });

    it("whoami names the agent, its user, the zone and the node's time", async () => {
      const me = await (await mcp(agents[1]!)).call("whoami");
      expect(me).toMatchObject({
        agent_id: agents[1]!.id,
        user_id: "jane",
        priority: 2,
        timezone: "Europe/Paris",
        now: { utc: "2026-11-21T12:00:00.000Z", local: "2026-11-21T13:00:00.000+01:00" },
      });
    });

    it("runs the loop: availability → hold → commit → cancel, and the events tell of it", async () => {
      const c = await mcp(agents[1]!);
      const avail = await c.call("get_availability", {
        range_start: new Date(SLOT).toISOString(),
        range_end: new Date(SLOT + 2 * HOUR).toISOString(),
        duration_minutes: 30,
      });
      const slots = avail.slots as Array<Record<string, string>>;
      expect(slots[0]).toEqual({
        start: "2026-11-23T12:00:00.000Z",
        end: "2026-11-23T12:30:00.000Z",
        local_start: "2026-11-23T13:00:00.000+01:00",
        local_end: "2026-11-23T13:30:00.000+01:00",
      });
      const held = await c.call("create_hold", { start: slots[0]!.start, end: slots[0]!.end });
      expect(held.outcome).toBe("held");
      const hold = held.hold as Record<string, string>;
      const committed = await c.call("commit_booking", {
        start: slots[0]!.start,
        end: slots[0]!.end,
        hold_id: hold.hold_id,
        title: "Intro",
        idempotency_key: "loop-1",
      });
      expect(committed).toMatchObject({ outcome: "committed", replay: false });
      const booking = committed.booking as Record<string, string>;
      expect(booking.start).toMatch(/Z$/);
      const replay = await c.call("commit_booking", {
        start: slots[0]!.start,
        end: slots[0]!.end,
        hold_id: hold.hold_id,
        title: "Intro",
        idempotency_key: "loop-1",
      });
      expect(replay).toMatchObject({ outcome: "committed", replay: true });
      expect((replay.booking as Record<string, string>).booking_id).toBe(booking.booking_id);

      const listed = await c.call("list_bookings");
      expect((listed.bookings as Array<Record<string, string>>).map((b) => b.booking_id)).toEqual([
        booking.booking_id,
      ]);
      const got = await c.call("get_booking", { booking_id: booking.booking_id });
      expect((got.booking as Record<string, string>).local_start).toBe(
        "2026-11-23T13:00:00.000+01:00",
      );

      const events = await c.call("wait_for_events", { after: "0", wait_seconds: 2 });
      expect(
        (events.events as Array<{ type: string }>).some(
          (e) => e.type === "booking.committed" && JSON.stringify(e).includes(booking.booking_id!),
        ),
      ).toBe(true);

      const audit = await c.call("get_audit", { resource: booking.booking_id });
      expect((audit.events as unknown[]).length).toBeGreaterThan(0);

      const cancelled = await c.call("cancel_booking", { booking_id: booking.booking_id });
      expect(cancelled).toMatchObject({ outcome: "cancelled", booking: { status: "cancelled" } });
      const after = await c.call("wait_for_events", {
        after: events.next_cursor as string,
        wait_seconds: 2,
      });
      expect((after.events as Array<{ type: string }>).map((e) => e.type)).toContain(
        "booking.cancelled",
      );
    });

    it("every write tool takes idempotency_key; a retry with one key has one effect and the same answer", async () => {
      const c = await mcp(agents[1]!);
      const { tools } = await c.client.listTools();
      for (const t of tools.filter((t) => !t.annotations?.readOnlyHint))
        expect(t.inputSchema.properties, t.name).toHaveProperty("idempotency_key");

      const audit = async () => ((await c.call("get_audit")).events as unknown[]).length;
      const held = await c.call("create_hold", interval(SLOT));
      const holdId = (held.hold as { hold_id: string }).hold_id;
      const released = await c.call("release_hold", { hold_id: holdId, idempotency_key: "r-1" });
      expect(released).toMatchObject({ outcome: "released", replay: false });
      const events = await audit();
      const releasedAgain = await c.call("release_hold", {
        hold_id: holdId,
        idempotency_key: "r-1",
      });
      expect(releasedAgain).toEqual({ ...released, replay: true });
      expect(await audit()).toBe(events);
      // Without a key a second release is what it always was: no such live hold.
      expect(await c.call("release_hold", { hold_id: holdId })).toMatchObject({
        isError: true,
        error: { code: "hold_not_found", status: 404 },
      });

      const committed = await c.call("commit_booking", interval(SLOT + HOUR));
      const bookingId = (committed.booking as { booking_id: string }).booking_id;
      const cancelled = await c.call("cancel_booking", {
        booking_id: bookingId,
        idempotency_key: "c-1",
      });
      expect(cancelled).toMatchObject({ outcome: "cancelled", replay: false });
      const afterCancel = await audit();
      const cancelledAgain = await c.call("cancel_booking", {
        booking_id: bookingId,
        idempotency_key: "c-1",
      });
      expect(cancelledAgain).toEqual({ ...cancelled, replay: true });
      expect(await audit()).toBe(afterCancel);
      expect(await c.call("cancel_booking", { booking_id: bookingId })).toMatchObject({
        isError: true,
        error: { status: 409 },
      });

      // Another agent's release is never answered as this one's.
      const other = await mcp(agents[2]!);
      const otherHold = await other.call("create_hold", interval(SLOT + 3 * HOUR));
      const otherId = (otherHold.hold as { hold_id: string }).hold_id;
      await other.call("release_hold", { hold_id: otherId });
      expect(
        await c.call("release_hold", { hold_id: otherId, idempotency_key: "r-2" }),
      ).toMatchObject({ isError: true, error: { code: "hold_not_found" } });

      const presence = { status: "thinking", note: "Comparing slots", idempotency_key: "p-1" };
      const set = await c.call("set_presence", presence);
      const setAgain = await c.call("set_presence", presence);
      expect(setAgain).toMatchObject({
        outcome: "set",
        presence: { agent_id: agents[1]!.id, status: "thinking", note: "Comparing slots" },
      });
      expect(set.presence).toMatchObject(setAgain.presence as object);
    });

    it("wait_for_events waits for the commit of another client", async () => {
      const watcher = await mcp(agents[1]!);
      const cursor = (await watcher.call("wait_for_events", { wait_seconds: 0 })).next_cursor;
      const waiting = watcher.call("wait_for_events", { after: cursor, wait_seconds: 10 });
      await new Promise((r) => setTimeout(r, 100));
      const committed = await (await mcp(agents[1]!)).call("commit_booking", interval(SLOT));
      expect(committed.outcome).toBe("committed");
      const page = await waiting;
      expect((page.events as Array<{ type: string }>)[0]?.type).toBe("booking.committed");
    });

    it("answers rule violations, lost races and real errors as such", async () => {
      const c = await mcp(agents[1]!);
      const past = await c.call("commit_booking", interval(NOW - 2 * HOUR));
      expect(past).toMatchObject({ outcome: "rule_violation" });
      expect(typeof past.reason).toBe("string");
      expect((await c.call("commit_booking", interval(SLOT))).outcome).toBe("committed");
      const lost = await (await mcp(agents[3]!)).call("create_hold", interval(SLOT));
      expect(lost).toMatchObject({
        outcome: "conflict",
        winner: { agent_id: agents[1]!.id, priority: 2 },
      });
      expect((lost.suggested_times as unknown[]).length).toBeGreaterThan(0);
      const missing = await c.call("get_booking", { booking_id: "bkg_nothere" });
      expect(missing).toMatchObject({
        isError: true,
        error: { code: "booking_not_found", status: 404 },
      });
      const invalid = await c.call("commit_booking", { start: "tomorrow" });
      expect(invalid).toMatchObject({ isError: true, error: { code: "invalid_request" } });
    });

    it("counter-proposes over MCP; the booking's agent accepts and the booking moves", async () => {
      const [owner, asker] = await Promise.all([mcp(agents[1]!), mcp(agents[2]!)]);
      const committed = await owner.call("commit_booking", interval(SLOT));
      const id = (committed.booking as Record<string, string>).booking_id!;
      const proposed = await asker.call("propose_times", {
        booking_id: id,
        proposed: [interval(SLOT + 2 * HOUR)],
        note: "Could we move this?",
      });
      expect(proposed).toMatchObject({ outcome: "proposed" });
      const counter = proposed.counter as { counter_id: string; proposed: unknown[] };
      expect(counter.proposed[0]).toMatchObject({ local_start: "2026-11-23T15:00:00.000+01:00" });
      expect(
        await asker.call("answer_counter", {
          booking_id: id,
          counter_id: counter.counter_id,
          decision: "accept",
          slot_index: 0,
        }),
      ).toMatchObject({ isError: true, error: { code: "not_owner", status: 403 } });
      const accepted = await owner.call("answer_counter", {
        booking_id: id,
        counter_id: counter.counter_id,
        decision: "accept",
        slot_index: 0,
      });
      expect(accepted).toMatchObject({
        outcome: "accepted",
        booking: { start: "2026-11-23T14:00:00.000Z", status: "committed" },
      });
    });

    it("propose_times and answer_counter retried with a key: one counter-proposal, one decision, the same answers", async () => {
      const [owner, asker] = await Promise.all([mcp(agents[1]!), mcp(agents[2]!)]);
      const id = (
        (await owner.call("commit_booking", interval(SLOT))).booking as {
          booking_id: string;
        }
      ).booking_id;
      const ask = {
        booking_id: id,
        proposed: [interval(SLOT + 2 * HOUR), interval(SLOT + 3 * HOUR)],
        note: "Could we move this?",
        idempotency_key: "ask-1",
      };
      const proposed = await asker.call("propose_times", ask);
      expect(proposed).toMatchObject({ outcome: "proposed", replay: false });
      expect(await asker.call("propose_times", ask)).toEqual({ ...proposed, replay: true });
      const counters = await call(`${n.url}/v1/bookings/${id}/counters`, "GET", agents[1]!.key);
      expect(counters.status).toBe(200);
      expect(JSON.stringify(counters.body).match(/"counter_id"/g)).toHaveLength(1);
      // Other slots are another counter-proposal, key or not.
      const other = await asker.call("propose_times", {
        ...ask,
        proposed: [interval(SLOT + 4 * HOUR)],
      });
      expect(other).toMatchObject({ outcome: "proposed", replay: false });

      const counterId = (proposed.counter as { counter_id: string }).counter_id;
      const decide = {
        booking_id: id,
        counter_id: counterId,
        decision: "accept",
        slot_index: 1,
        idempotency_key: "move-1",
      };
      const accepted = await owner.call("answer_counter", decide);
      expect(accepted).toMatchObject({
        outcome: "accepted",
        replay: false,
        booking: { start: new Date(SLOT + 3 * HOUR).toISOString(), status: "committed" },
      });
      const events = ((await owner.call("get_audit")).events as unknown[]).length;
      const again = await owner.call("answer_counter", decide);
      expect(again).toEqual({ ...accepted, replay: true });
      expect(((await owner.call("get_audit")).events as unknown[]).length).toBe(events);
      // Another slot is not a retry of this decision: the counter-proposal is closed.
      expect(await owner.call("answer_counter", { ...decide, slot_index: 0 })).toMatchObject({
        isError: true,
        error: { status: 409 },
      });

      // The other counter-proposal was on the booking that moved; reject it twice.
      const movedId = (accepted.booking as { booking_id: string }).booking_id;
      const third = await asker.call("propose_times", {
        booking_id: movedId,
        proposed: [interval(SLOT + 5 * HOUR)],
      });
      const reject = {
        booking_id: movedId,
        counter_id: (third.counter as { counter_id: string }).counter_id,
        decision: "reject",
        idempotency_key: "no-1",
      };
      const rejected = await owner.call("answer_counter", reject);
      expect(rejected).toMatchObject({ outcome: "rejected", replay: false });
      expect(await owner.call("answer_counter", reject)).toEqual({ ...rejected, replay: true });
    });

    it("refuses a missing, wrong or revoked key with 401 before any tool runs", async () => {
      const none = await rawMcp(n.url, COMMIT_CALL);
      expect(none.status).toBe(401);
      expect(none.headers.get("www-authenticate")).toMatch(/^Bearer /);
      expect(none.body).toMatchObject({ error: { code: "unauthorized" } });
      const wrong = await rawMcp(n.url, COMMIT_CALL, { authorization: "Bearer cal_agent_nope" });
      expect(wrong.status).toBe(401);
      expect(wrong.headers.get("www-authenticate")).toMatch(/^Bearer .*invalid_token/);
      expect(wrong.body).toMatchObject({ error: { code: "invalid_api_key" } });

      const revoked = agents[4]!;
      const del = await call(
        `${n.url}/admin/v1/users/jane/agents/${revoked.id}`,
        "DELETE",
        n.adminToken,
      );
      expect(del.status).toBeLessThan(300);
      const after = await rawMcp(n.url, COMMIT_CALL, { authorization: `Bearer ${revoked.key}` });
      expect(after.status).toBe(401);
      await expect(connectMcp(n.url, revoked.key)).rejects.toThrow();
      // Nothing was booked by any of them.
      const bookings = await call(`${n.url}/v1/bookings`, "GET", agents[1]!.key);
      expect(bookings.body.bookings).toEqual([]);
    });

    it("answers GET and DELETE with 405, and a foreign Host with 403", async () => {
      for (const method of ["GET", "DELETE"]) {
        const res = await fetch(`${n.url}/mcp`, {
          method,
          headers: { authorization: `Bearer ${agents[1]!.key}` },
        });
        expect(res.status).toBe(405);
        expect(res.headers.get("content-type")).toMatch(/json/);
      }
      const { port } = new URL(n.url);
      const status = await new Promise<number>((resolve, reject) => {
        const req = httpRequest(
          {
            host: "127.0.0.1",
            port,
            path: "/mcp",
            method: "POST",
            headers: {
              host: "evil.example",
              "content-type": "application/json",
              authorization: `Bearer ${agents[1]!.key}`,
            },
          },
          (res) => {
            res.resume();
            resolve(res.statusCode!);
          },
        );
        req.on("error", reject);
        req.end(JSON.stringify(COMMIT_CALL));
      });
      expect(status).toBe(403);
    });

    it("a key of one user never sees another user's bookings", async () => {
      await putOpenProfile(n.url, n.adminToken, "bob");
      const [bobAgent] = await createAgents(n.url, n.adminToken, "bob", [1]);
      const jane = await mcp(agents[1]!);
      const committed = await jane.call("commit_booking", interval(SLOT));
      const id = (committed.booking as Record<string, string>).booking_id!;
      const bob = await mcp(bobAgent!);
      expect((await bob.call("whoami")).user_id).toBe("bob");
      expect((await bob.call("list_bookings")).bookings).toEqual([]);
      expect(await bob.call("get_booking", { booking_id: id })).toMatchObject({
        isError: true,
        error: { code: "booking_not_found" },
      });
      expect(await bob.call("cancel_booking", { booking_id: id })).toMatchObject({
        isError: true,
        error: { status: 404 },
      });
      expect(await bob.call("get_audit", { resource: id })).toMatchObject({ isError: true });
      // Bob's calendar is free at Jane's slot.
      expect((await bob.call("commit_booking", interval(SLOT))).outcome).toBe("committed");
    });

    it("a race of MCP clients: exactly one commit, the highest rank's; the others name it", async () => {
      const racers = await Promise.all(agents.slice(1).map((a) => mcp(a)));
      // Shuffled order of sending: the lowest rank first.
      const results = await Promise.all(
        racers.reverse().map((c) => c.call("commit_booking", interval(SLOT))),
      );
      results.reverse();
      expect(results.map((r) => r.outcome)).toEqual([
        "committed",
        "conflict",
        "conflict",
        "conflict",
      ]);
      for (const r of results.slice(1))
        expect(r.winner).toMatchObject({ agent_id: agents[1]!.id, priority: 2 });
    });

    it("a race of MCP and REST clients: one commit, the highest rank's, named to all", async () => {
      const [m2, m4] = await Promise.all([mcp(agents[1]!), mcp(agents[3]!)]);
      const [r5, rest3, mcp4, mcp2] = await Promise.all([
        commit(agents[4]!, interval(SLOT)),
        commit(agents[2]!, interval(SLOT)),
        m4.call("commit_booking", interval(SLOT)),
        m2.call("commit_booking", interval(SLOT)),
      ]);
      expect(mcp2.outcome).toBe("committed");
      expect(mcp4).toMatchObject({ outcome: "conflict", winner: { agent_id: agents[1]!.id } });
      for (const r of [rest3, r5]) {
        expect(r.status).toBe(409);
        expect(r.body.winning_agent_id).toBe(agents[1]!.id);
      }
    });

    it("a REST winner is named to MCP losers", async () => {
      const [m3, m5] = await Promise.all([mcp(agents[2]!), mcp(agents[4]!)]);
      const [a5, a3, rest2] = await Promise.all([
        m5.call("commit_booking", interval(SLOT)),
        m3.call("commit_booking", interval(SLOT)),
        commit(agents[1]!, interval(SLOT)),
      ]);
      expect(rest2.status).toBe(201);
      for (const r of [a3, a5])
        expect(r).toMatchObject({ outcome: "conflict", winner: { agent_id: agents[1]!.id } });
    });

    for (const version of ["2025-03-26", "2024-11-05"])
      it(`serves a client of protocol revision ${version}: whoami and a commit`, async () => {
        const c = await mcp(agents[1]!, version);
        expect(c.protocolVersion).toBe(version);
        expect((await c.call("whoami")).agent_id).toBe(agents[1]!.id);
        expect((await c.call("commit_booking", interval(SLOT))).outcome).toBe("committed");
      });
  });
}
