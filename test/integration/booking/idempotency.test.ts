/**
 * Idempotency keys in flight and in scope (PROTOCOL §10.4), on both stores: the same
 * request sent many times at once books once; a key belongs to one agent and one kind
 * of request; the same instants written differently are the same request.
 */
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  type Answer,
  auditEvents,
  call,
  commit,
  createAgents,
  HOUR,
  type HttpAgent,
  interval,
  type ListeningNode,
  listBookings,
  NOW,
  putOpenProfile,
  startListeningNode,
  stopSharedRedis,
} from "./harness.js";

const USER = "jane";
/** Monday 2026-11-23 10:00 UTC and later half hours. */
const SLOT = NOW + 46 * HOUR;
const HALF = 30 * 60_000;
const RANGE = { start: SLOT - 24 * HOUR, end: SLOT + 48 * HOUR };
const K = 6;

afterAll(stopSharedRedis);

function hold(agent: HttpAgent, body: Record<string, unknown>, headers: Record<string, string>) {
  return call(`${agent.url}/v1/holds`, "POST", agent.key, body, headers);
}

/** One 201 and K-1 200s whose bodies are the 201's, byte for byte. */
function expectOneCreatedAndReplays(answers: Answer[]): Answer {
  const statuses = answers.map((a) => a.status).sort();
  expect(statuses, JSON.stringify(answers.map((a) => a.body))).toEqual([
    ...Array(answers.length - 1).fill(200),
    201,
  ]);
  const created = answers.find((a) => a.status === 201)!;
  for (const a of answers) expect(a.body).toStrictEqual(created.body);
  return created;
}

for (const kind of ["memory", "redis"] as const) {
  describe(`idempotency, ${kind} store`, () => {
    let n: ListeningNode;
    let idle: HttpAgent;
    let a: HttpAgent;
    let b: HttpAgent;
    beforeEach(async () => {
      n = await startListeningNode(kind);
      await putOpenProfile(n.url, n.adminToken, USER);
      // The idle priority-1 agent sends every commit of a and b through the window.
      [idle, a, b] = (await createAgents(n.url, n.adminToken, USER, [1, 2, 3])) as [
        HttpAgent,
        HttpAgent,
        HttpAgent,
      ];
    });
    afterEach(() => n.close());

    const committedEvents = async () =>
      (await auditEvents(n.url, n.adminToken, USER)).filter((e) => e.type === "booking.committed");

    it(`books once when one key is sent ${K} times at once through the arbitration window`, async () => {
      const body = { ...interval(SLOT), title: "Intro" };
      const answers = await Promise.all(
        Array.from({ length: K }, () => commit(a, body, { "Idempotency-Key": "in-flight" })),
      );
      const created = expectOneCreatedAndReplays(answers);
      expect(created.body).toMatchObject({ agent_id: a.id, title: "Intro" });
      expect((await listBookings(idle, RANGE)).map((x) => x.booking_id)).toEqual([
        created.body.booking_id,
      ]);
      expect(await committedEvents()).toHaveLength(1);
    });

    it(`books once when one key is sent ${K} times at once by an agent that outranks everyone`, async () => {
      // The priority-1 agent commits at once, without the window.
      const answers = await Promise.all(
        Array.from({ length: K }, () =>
          commit(idle, interval(SLOT), { "Idempotency-Key": "direct" }),
        ),
      );
      const created = expectOneCreatedAndReplays(answers);
      expect(created.body).toMatchObject({ agent_id: idle.id });
      expect((await listBookings(idle, RANGE)).map((x) => x.booking_id)).toEqual([
        created.body.booking_id,
      ]);
      expect(await committedEvents()).toHaveLength(1);
    });

    it(`holds once when one key is sent ${K} times at once`, async () => {
      const answers = await Promise.all(
        Array.from({ length: K }, () =>
          hold(a, interval(SLOT), { "Idempotency-Key": "hold-in-flight" }),
        ),
      );
      const created = expectOneCreatedAndReplays(answers);
      expect(created.body.hold_id).toMatch(/^hld_/);
      const created_ = (await auditEvents(n.url, n.adminToken, USER)).filter(
        (e) => e.type === "hold.created",
      );
      expect(created_).toHaveLength(1);
    });

    it("treats +00:00, -05:00, .000Z and Z spellings of the same instants as one request, also at once", async () => {
      const z = interval(SLOT);
      const spellings = [
        z,
        { start: z.start.replace(".000Z", "Z"), end: z.end.replace(".000Z", "Z") },
        { start: z.start.replace(".000Z", "+00:00"), end: z.end.replace(".000Z", "+00:00") },
        { start: "2026-11-23T05:00:00-05:00", end: "2026-11-23T05:30:00-05:00" },
      ];
      expect(Date.parse(spellings[3]!.start)).toBe(SLOT);
      const answers = await Promise.all(
        spellings.map((s) => commit(a, s, { "Idempotency-Key": "spelling" })),
      );
      const created = expectOneCreatedAndReplays(answers);
      // A later retry with yet another spelling is a replay too, not a mismatch.
      const retry = await commit(
        a,
        { start: "2026-11-23T11:00:00+01:00", end: "2026-11-23T11:30:00+01:00" },
        { "Idempotency-Key": "spelling" },
      );
      expect(retry.status, JSON.stringify(retry.body)).toBe(200);
      expect(retry.body).toStrictEqual(created.body);

      const held = await hold(a, interval(SLOT + 2 * HALF), { "Idempotency-Key": "hold-spelling" });
      expect(held.status).toBe(201);
      const heldAgain = await hold(
        a,
        {
          start: new Date(SLOT + 2 * HALF).toISOString().replace(".000Z", "+00:00"),
          end: new Date(SLOT + 3 * HALF).toISOString().replace(".000Z", "Z"),
        },
        { "Idempotency-Key": "hold-spelling" },
      );
      expect(heldAgain.status, JSON.stringify(heldAgain.body)).toBe(200);
      expect(heldAgain.body).toStrictEqual(held.body);
    });

    it("scopes a key to its agent: another agent's same key is another request", async () => {
      const mine = await commit(a, interval(SLOT), { "Idempotency-Key": "shared-1" });
      expect(mine.status).toBe(201);
      // Another slot under the same key: b's own first request, not a reuse of a's key.
      const theirs = await commit(b, interval(SLOT + HALF), { "Idempotency-Key": "shared-1" });
      expect(theirs.status, JSON.stringify(theirs.body)).toBe(201);
      expect(theirs.body).toMatchObject({ agent_id: b.id });
      expect(theirs.body.booking_id).not.toBe(mine.body.booking_id);
      // The very same body and key: b is not handed a's booking; it loses to it.
      const same = await commit(a, interval(SLOT + 2 * HALF), { "Idempotency-Key": "shared-2" });
      expect(same.status).toBe(201);
      const copy = await commit(b, interval(SLOT + 2 * HALF), { "Idempotency-Key": "shared-2" });
      expect(copy.status).toBe(409);
      expect(copy.body).toMatchObject({ winner: { id: same.body.booking_id } });
      // And each agent's own retry still replays its own first answer.
      const againA = await commit(a, interval(SLOT + 2 * HALF), { "Idempotency-Key": "shared-2" });
      expect(againA.status).toBe(200);
      expect(againA.body).toStrictEqual(same.body);
      const againB = await commit(b, interval(SLOT + 2 * HALF), { "Idempotency-Key": "shared-2" });
      expect(againB.status).toBe(409);
      expect(againB.body).toMatchObject({ winner: { id: same.body.booking_id } });
    });

    it("scopes a key to its kind: a hold and a commit under one key are independent", async () => {
      const held = await hold(a, interval(SLOT), { "Idempotency-Key": "both" });
      expect(held.status).toBe(201);
      const booked = await commit(
        a,
        { ...interval(SLOT), hold_id: held.body.hold_id },
        {
          "Idempotency-Key": "both",
        },
      );
      expect(booked.status, JSON.stringify(booked.body)).toBe(201);
      expect(booked.body).toMatchObject({ hold_id: held.body.hold_id });
      // A commit of another slot under the key a hold used is no reuse either.
      const held2 = await hold(a, interval(SLOT + HALF), { "Idempotency-Key": "hold-only" });
      expect(held2.status).toBe(201);
      const other = await commit(a, interval(SLOT + 2 * HALF), { "Idempotency-Key": "hold-only" });
      expect(other.status, JSON.stringify(other.body)).toBe(201);
      // Each kind replays its own first answer.
      const holdAgain = await hold(a, interval(SLOT), { "Idempotency-Key": "both" });
      expect(holdAgain.status).toBe(200);
      expect(holdAgain.body).toStrictEqual(held.body);
      const commitAgain = await commit(
        a,
        { ...interval(SLOT), hold_id: held.body.hold_id },
        {
          "Idempotency-Key": "both",
        },
      );
      expect(commitAgain.status).toBe(200);
      expect(commitAgain.body).toStrictEqual(booked.body);
      // A reused key with another request is refused within its kind.
      const reused = await hold(a, interval(SLOT + 3 * HALF), { "Idempotency-Key": "both" });
      expect(reused.status).toBe(422);
      expect(reused.body.reason_code).toBe("idempotency_key_reused");
    });
  });
}
