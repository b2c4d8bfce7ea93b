/**
 * Defects found when the node was attacked, proven over HTTP on both stores: counter
 * decisions raced, a deleted user's agents, a re-created user, Redis losing state while a
 * commit waits in the arbitration window.
 */
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
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
  sharedRedis,
  startListeningNode,
  stopSharedRedis,
} from "./harness.js";

afterAll(stopSharedRedis);

const SLOT = NOW + 2 * 24 * HOUR;

for (const kind of ["memory", "redis"] as const) {
  describe(`the booking core over HTTP, ${kind} store`, () => {
    let n: ListeningNode;
    let owner: HttpAgent;
    let other: HttpAgent;

    beforeEach(async () => {
      n = await startListeningNode(kind, { arbitrationWindowMs: "0" });
      await putOpenProfile(n.url, n.adminToken, "jane");
      const agents = await createAgents(n.url, n.adminToken, "jane", [1, 2]);
      owner = agents[0]!;
      other = agents[1]!;
    });
    afterEach(() => n.close());

    it("decides a counter-proposal once when accept, reject and reject arrive at once", async () => {
      const trials = kind === "redis" ? 40 : 10;
      for (let t = 0; t < trials; t++) {
        const booked = await commit(owner, interval(SLOT + t * HOUR));
        expect(booked.status).toBe(201);
        const id = booked.body.booking_id as string;
        const proposed = await call(`${other.url}/v1/bookings/${id}/counter`, "POST", other.key, {
          proposed: [interval(SLOT + (t + 100) * HOUR)],
        });
        expect(proposed.status).toBe(201);
        const base = `${owner.url}/v1/bookings/${id}/counters/${proposed.body.counter_id}`;
        const answers = await Promise.all([
          call(`${base}/accept`, "POST", owner.key, { slot_index: 0 }),
          call(`${base}/reject`, "POST", owner.key),
          call(`${base}/reject`, "POST", owner.key),
        ]);
        const statuses = answers.map((a) => a.status);
        expect(statuses.filter((s) => s === 201 || s === 200)).toHaveLength(1);
        expect(statuses.filter((s) => s === 409)).toHaveLength(2);
        for (const lost of answers.filter((a) => a.status === 409))
          expect(lost.body).toMatchObject({ error: { code: "conflict" } });
        const decisions = (await auditEvents(n.url, n.adminToken, "jane")).filter(
          (e) =>
            (e.type === "counter.accepted" || e.type === "counter.rejected") &&
            e.data.counter_id === proposed.body.counter_id,
        );
        expect(decisions).toHaveLength(1);
        const accepted = answers.find((a) => a.status === 201);
        // An accept that won moved the booking; one that lost left it where it was.
        const original = await call(`${owner.url}/v1/bookings/${id}`, "GET", owner.key);
        expect(original.body.status).toBe(accepted ? "cancelled" : "committed");
      }
    }, 60_000);

    it("refuses a deleted user's agent keys on every /v1 route, and a re-created user starts empty", async () => {
      const booked = await commit(owner, interval(SLOT));
      expect(booked.status).toBe(201);
      const held = await call(`${owner.url}/v1/holds`, "POST", owner.key, interval(SLOT + HOUR));
      expect(held.status).toBe(201);
      const sub = await call(`${owner.url}/v1/webhooks`, "POST", owner.key, {
        url: "http://127.0.0.1:9/hooks",
        events: ["*"],
      });
      expect(sub.status).toBe(201);
      const id = booked.body.booking_id as string;
      expect((await call(`${n.url}/admin/v1/users/jane`, "DELETE", n.adminToken)).status).toBe(204);

      const routes: [string, string, unknown?][] = [
        [
          "GET",
          "/v1/availability?range_start=2026-11-23T00:00:00Z&range_end=2026-11-24T00:00:00Z&duration_minutes=30",
        ],
        ["POST", "/v1/holds", interval(SLOT + 2 * HOUR)],
        ["DELETE", `/v1/holds/${held.body.hold_id}`],
        ["POST", "/v1/bookings", interval(SLOT + 3 * HOUR)],
        ["GET", "/v1/bookings"],
        ["GET", `/v1/bookings/${id}`],
        ["DELETE", `/v1/bookings/${id}`],
        ["POST", `/v1/bookings/${id}/counter`, { proposed: [interval(SLOT + 5 * HOUR)] }],
        ["GET", `/v1/bookings/${id}/counters`],
        ["POST", `/v1/bookings/${id}/counters/ctr_x/accept`, { slot_index: 0 }],
        ["POST", `/v1/bookings/${id}/counters/ctr_x/reject`],
        ["GET", "/v1/audit"],
        ["GET", "/v1/events"],
        ["GET", "/v1/webhooks"],
        ["POST", "/v1/webhooks", { url: "http://127.0.0.1:9/x", events: ["*"] }],
        ["GET", `/v1/webhooks/${sub.body.id}`],
      ];
      for (const agent of [owner, other])
        for (const [method, path, body] of routes) {
          const res = await call(`${n.url}${path}`, method, agent.key, body);
          expect(res.status, `${method} ${path}`).toBe(401);
          expect((res.body.error as { code: string }).code, `${method} ${path}`).toBe(
            "invalid_api_key",
          );
        }

      // The admin can still read the closed chain; it ends with the deletion.
      const archives = await call(
        `${n.url}/admin/v1/users/jane/audit/archives`,
        "GET",
        n.adminToken,
      );
      expect(archives.status).toBe(200);
      expect(archives.body.archives).toEqual([
        expect.objectContaining({
          archive: 1,
          head: expect.objectContaining({ seq: expect.any(Number) }),
        }),
      ]);
      const closed = await call(`${n.url}/v1/audit?user_id=jane&archive=1`, "GET", n.adminToken);
      expect(closed.status).toBe(200);
      expect(closed.body.archive).toBe(1);
      expect((closed.body.checkpoint as { archive: number }).archive).toBe(1);
      expect((closed.body.events as { type: string }[]).at(-1)?.type).toBe("profile.deleted");

      // Re-created: nothing of the old user comes back.
      await putOpenProfile(n.url, n.adminToken, "jane");
      for (const agent of [owner, other])
        expect((await call(`${n.url}/v1/bookings`, "GET", agent.key)).status).toBe(401);
      const agents = await call(`${n.url}/admin/v1/users/jane/agents`, "GET", n.adminToken);
      expect(agents.body.agents).toEqual([]);
      const [fresh] = await createAgents(n.url, n.adminToken, "jane", [3]);
      const list = await call(
        `${n.url}/v1/bookings?range_start=2026-11-21T00:00:00Z&range_end=2026-12-21T00:00:00Z`,
        "GET",
        fresh!.key,
      );
      expect(list.body.bookings).toEqual([]);
      expect((await call(`${n.url}/v1/bookings/${id}`, "GET", fresh!.key)).status).toBe(404);
      const hooks = await call(`${n.url}/v1/webhooks?user_id=jane`, "GET", n.adminToken);
      expect(hooks.body.webhooks).toEqual([]);
      // The new chain starts again at 1; the slot the old booking held is free.
      const chain = await auditEvents(n.url, n.adminToken, "jane");
      expect(chain[0]!.seq).toBe(1);
      expect(chain.some((e) => e.type === "profile.deleted")).toBe(false);
      expect((await commit(fresh!, interval(SLOT))).status).toBe(201);
      // The archive is still there, unchanged, beside the new chain.
      const again = await call(`${n.url}/admin/v1/users/jane/audit/archives`, "GET", n.adminToken);
      expect(again.body.archives).toEqual(archives.body.archives);
    });

    it("lets only the admin read archived chains", async () => {
      expect((await call(`${n.url}/admin/v1/users/jane`, "DELETE", n.adminToken)).status).toBe(204);
      await putOpenProfile(n.url, n.adminToken, "jane");
      const [agent] = await createAgents(n.url, n.adminToken, "jane", [1]);
      const res = await call(`${n.url}/v1/audit?archive=1`, "GET", agent!.key);
      expect(res.status).toBe(403);
      const missing = await call(`${n.url}/v1/audit?user_id=jane&archive=2`, "GET", n.adminToken);
      expect(missing.status).toBe(404);
      expect((missing.body.error as { code: string }).code).toBe("archive_not_found");
    });
  });
}

describe("Redis losing its state while a commit waits in the arbitration window", () => {
  let n: ListeningNode;
  afterEach(() => n?.close());

  it("answers 503 store_unavailable, not 500", async () => {
    n = await startListeningNode("redis", { arbitrationWindowMs: "400" });
    await putOpenProfile(n.url, n.adminToken, "jane");
    // An idle priority-1 agent: the priority-2 commit must wait in the window.
    const [, racer] = await createAgents(n.url, n.adminToken, "jane", [1, 2]);
    const pending = commit(racer!, interval(SLOT));
    const redis = await sharedRedis();
    // Flush once the commit is in the window (its pending set exists).
    for (let i = 0; i < 200; i++) {
      if ((await redis.client!.keys("cal:{jane}:arb:pending")).length > 0) break;
      await new Promise((r) => setTimeout(r, 5));
    }
    expect(await redis.client!.keys("cal:{jane}:arb:pending")).toHaveLength(1);
    await redis.client!.flushAll();
    const res = await pending;
    expect(res.status).toBe(503);
    expect((res.body.error as { code: string }).code).toBe("store_unavailable");
  });
});
