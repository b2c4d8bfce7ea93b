/**
 * A commit whose process died inside the arbitration window must never be booked later
 * by someone else's settle: it expires instead.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { agentsSeenKey, calendarKeys } from "../../../src/arbiter/redis/keys.js";
import { loadLuaScript } from "../../../src/arbiter/redis/lua-lib.js";
import { type RedisServer, startRedisServer } from "../../helpers/redis-server.js";

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedisServer({ connect: true });
});
afterAll(() => redis.stop());

const T = Date.parse("2027-01-04T15:00:00Z");
function command(bookingId: string, agentId: string, priority: number, start: number) {
  return JSON.stringify({
    agentId,
    priority,
    start,
    end: start + 1_800_000,
    bookingId,
    holdId: "",
    replaces: "",
    bumpWindowMs: 30_000,
    dayKey: "2027-01-04",
    maxPerDay: 0,
    detailsJson: "null",
    idemField: "",
    fingerprint: bookingId,
    actor: agentId,
  });
}

it("expires a window its process abandoned instead of committing it late", async () => {
  const c = redis.client!;
  const [enter, settle] = await Promise.all(
    ["arb-enter-17", "arb-settle-16"].map((name) => c.scriptLoad(loadLuaScript(name))),
  );
  const keys = calendarKeys("jane");
  const enterKeys = [...keys, agentsSeenKey("jane")];
  const common = (prefix: string) => ["", prefix, "86400000"];
  // A process enters a commit and dies before anyone settles the window.
  await c.evalSha(enter!, {
    keys: enterKeys,
    arguments: [...common("evt_a_"), "bkg_dead", "5", command("bkg_dead", "agt_dead", 5, T), "50"],
  });
  await new Promise((r) => setTimeout(r, 1100));
  // Much later another agent commits elsewhere on the same calendar.
  const entered = JSON.parse(
    (await c.evalSha(enter!, {
      keys: enterKeys,
      arguments: [
        ...common("evt_b_"),
        "bkg_live",
        "7",
        command("bkg_live", "agt_live", 7, T + 7_200_000),
        "50",
      ],
    })) as string,
  );
  expect(entered.status).toBe("wait");
  await new Promise((r) => setTimeout(r, entered.ms + 5));
  const answer = JSON.parse(
    (await c.evalSha(settle!, { keys, arguments: [...common("evt_c_"), "bkg_live"] })) as string,
  );
  expect(answer).toMatchObject({ status: "committed", booking: { id: "bkg_live" } });
  expect(await c.hGet("cal:{jane}:bookings", "bkg_dead")).toBeNull();
  expect(JSON.parse((await c.hGet("cal:{jane}:arb:results", "bkg_dead"))!)).toMatchObject({
    status: "rejected",
    reason: "arbitration_expired",
  });
});
