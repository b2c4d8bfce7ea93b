/**
 * The daily limit under concurrency (PROTOCOL §9.7, §10.2 step 5), on both stores: agents
 * book different slots of one local day at once; the limit is decided atomically.
 */
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  auditEvents,
  commit,
  createAgents,
  HOUR,
  interval,
  type ListeningNode,
  listBookings,
  MIN,
  putOpenProfile,
  startListeningNode,
  stopSharedRedis,
} from "./harness.js";

const USER = "jane";
/** Monday 2026-11-23 in New York (EST, UTC−5) runs from 05:00Z to 05:00Z the next day. */
const LOCAL_MIDNIGHT = Date.parse("2026-11-23T05:00:00Z");
/** Five slots of that one local day, on two UTC dates: 00:00, 09:00, 13:00, 20:00, 23:30 local. */
const SAME_DAY = [0, 9 * 60, 13 * 60, 20 * 60, 23 * 60 + 30].map((m) => LOCAL_MIDNIGHT + m * MIN);
const NEXT_DAY = LOCAL_MIDNIGHT + 24 * HOUR;
const RANGE = { start: LOCAL_MIDNIGHT - 24 * HOUR, end: LOCAL_MIDNIGHT + 72 * HOUR };

/** The body §9.7 specifies for the daily limit: nothing more. */
const DAILY_LIMIT = {
  error: { code: "rule_violation", message: expect.any(String) },
  reason_code: "daily_limit",
};

afterAll(stopSharedRedis);

for (const kind of ["memory", "redis"] as const) {
  for (const window of ["0", "50"] as const) {
    describe(`daily limit of 1 under concurrency, ${kind} store, ARBITRATION_WINDOW_MS=${window}`, () => {
      let n: ListeningNode;
      beforeEach(async () => {
        n = await startListeningNode(kind, { arbitrationWindowMs: window });
        await putOpenProfile(n.url, n.adminToken, USER, {
          timezone: "America/New_York",
          max_bookings_per_day: 1,
        });
      });
      afterEach(() => n.close());

      it("answers one 201 and 422 daily_limit to the rest when agents book different slots of one local day at once", async () => {
        // With the window, an idle priority-1 agent makes every racer wait in it.
        const [idle, ...racers] = await createAgents(n.url, n.adminToken, USER, [1, 2, 3, 4, 5, 6]);
        const answers = await Promise.all(racers.map((a, i) => commit(a, interval(SAME_DAY[i]!))));
        const created = answers.filter((x) => x.status === 201);
        expect(
          created,
          JSON.stringify(answers.map((x) => [x.status, x.body.reason_code])),
        ).toHaveLength(1);
        for (const x of answers.filter((y) => y.status !== 201)) {
          expect(x.status).toBe(422);
          expect(x.body).toStrictEqual(DAILY_LIMIT);
        }
        // Through the window the commits are decided by rank: priority 2's goes first.
        if (window === "50") expect(created[0]!.body).toMatchObject({ agent_id: racers[0]!.id });

        const booked = await listBookings(idle!, RANGE);
        expect(booked.map((b) => b.booking_id)).toEqual([created[0]!.body.booking_id]);
        const committed = (await auditEvents(n.url, n.adminToken, USER)).filter(
          (e) => e.type === "booking.committed",
        );
        expect(committed).toHaveLength(1);

        // The next local day (00:00 New York) is another day: it is not full.
        const nextDay = await commit(racers[1]!, interval(NEXT_DAY));
        expect(nextDay.status, JSON.stringify(nextDay.body)).toBe(201);
        // A retry of a refused commit with its key is refused the same way, and a
        // cancellation frees the day's place.
        const keyed = await commit(racers[2]!, interval(SAME_DAY[2]!), {
          "Idempotency-Key": "limit-retry",
        });
        expect(keyed.status).toBe(422);
        expect(keyed.body).toStrictEqual(DAILY_LIMIT);
        const winner = racers.find((a) => a.id === created[0]!.body.agent_id)!;
        const cancelled = await fetch(`${winner.url}/v1/bookings/${created[0]!.body.booking_id}`, {
          method: "DELETE",
          headers: { authorization: `Bearer ${winner.key}` },
        });
        expect(cancelled.status).toBe(200);
        const replayed = await commit(racers[2]!, interval(SAME_DAY[2]!), {
          "Idempotency-Key": "limit-retry",
        });
        expect(replayed.status).toBe(422);
        expect(replayed.body).toStrictEqual(DAILY_LIMIT);
        const fresh = await commit(racers[2]!, interval(SAME_DAY[2]!));
        expect(fresh.status, JSON.stringify(fresh.body)).toBe(201);
      });
    });
  }
}
