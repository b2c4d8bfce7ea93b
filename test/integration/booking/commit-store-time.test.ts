/**
 * An uncontended commit (its agent outranks every other of the user) is decided in one
 * store call: the store checks the person's notice at its own clock, so the node does
 * not read the time first. The verdicts, and their order, are those of the rules at the
 * store's time.
 */
import { afterAll, afterEach, describe, expect, it } from "vitest";
import type { Store } from "../../../src/arbiter/index.js";
import { ManualClock } from "../../../src/clock.js";
import { createTestNode, sampleProfileInput, type TestNode } from "../../helpers/node.js";
import { OPEN_ALL_WEEK } from "../../helpers/profiles.js";
import { type StoreKindName, stopSharedRedis, storeOfKind } from "../../helpers/store-kinds.js";
import { call, HOUR, MIN, NOW } from "./harness.js";

/** The store, counting the times it is asked for the time. */
function countingNow(store: Store): { store: Store; nowCalls: () => number } {
  let calls = 0;
  const counted = new Proxy(store, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target);
      if (prop === "now" && typeof value === "function")
        return (...args: unknown[]) => {
          calls++;
          return value.apply(target, args);
        };
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { store: counted, nowCalls: () => calls };
}

const iso = (ms: number) => new Date(ms).toISOString();

for (const kind of ["memory", "redis"] as StoreKindName[]) {
  describe(`uncontended commit at the store's clock: ${kind} store`, () => {
    let node: TestNode | undefined;
    afterEach(async () => {
      await node?.close();
      node = undefined;
    });
    afterAll(() => stopSharedRedis());

    async function start(rules?: Record<string, unknown>) {
      const clock = new ManualClock(NOW);
      const { MemoryStore } = await import("../../../src/arbiter/index.js");
      const inner = (await storeOfKind(kind, clock)) ?? new MemoryStore(clock);
      const counted = countingNow(inner);
      node = await createTestNode({ arbitrationWindowMs: "250" }, { clock, store: counted.store });
      const app = node.app.listen(0, "127.0.0.1");
      await new Promise((r) => app.once("listening", r));
      const url = `http://127.0.0.1:${(app.address() as { port: number }).port}`;
      const close = node.close.bind(node);
      node.close = async () => {
        app.closeAllConnections();
        await new Promise((r) => app.close(r));
        await close();
      };
      const admin = node.admin.Authorization.slice("Bearer ".length);
      const profile = sampleProfileInput("jane", {
        timezone: "UTC",
        scheduling: OPEN_ALL_WEEK,
        min_notice_hours: 2,
      });
      expect((await call(`${url}/admin/v1/users/jane`, "PUT", admin, profile)).status).toBe(201);
      if (rules)
        expect((await call(`${url}/admin/v1/users/jane/rules`, "PUT", admin, rules)).status).toBe(
          200,
        );
      const agent = async (priority: number) =>
        (
          await call(`${url}/admin/v1/users/jane/agents`, "POST", admin, {
            name: `p${priority}`,
            priority,
          })
        ).body.api_key as string;
      const top = await agent(1);
      await agent(2);
      return { url, top, clock, nowCalls: counted.nowCalls };
    }

    it("commits without asking the store for the time first", async () => {
      const { url, top, nowCalls } = await start();
      const before = nowCalls();
      const slot = NOW + 3 * HOUR;
      const out = await call(`${url}/v1/bookings`, "POST", top, {
        start: iso(slot),
        end: iso(slot + 30 * MIN),
      });
      expect(out.status).toBe(201);
      expect(out.body.committed_at).toBe(iso(NOW));
      expect(nowCalls() - before).toBe(0);
    });

    it("refuses inside the notice at the store's clock, and focus time only past the notice", async () => {
      // Focus every day 15:00-16:00 UTC.
      const days = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"];
      const { url, top, clock } = await start({
        focus_blocks: [{ days, hours: ["15:00-16:00"] }],
      });
      const book = (at: number) =>
        call(`${url}/v1/bookings`, "POST", top, { start: iso(at), end: iso(at + 30 * MIN) });
      // NOW is 12:00 UTC; the notice is 2 h.
      const focusSoon = NOW + 3 * HOUR; // 15:00: in focus time, outside the notice
      expect((await book(focusSoon)).body.reason_code).toBe("focus_time");
      const focusInNotice = NOW + HOUR + 30 * MIN; // 13:30: inside the notice, not focus
      expect((await book(focusInNotice)).body.reason_code).toBe("insufficient_notice");
      clock.advance(2 * HOUR); // 14:00: 15:00 is now inside the notice, and focus
      const both = await book(focusSoon);
      expect(both.status).toBe(422);
      expect(both.body.reason_code).toBe("insufficient_notice");
      const bookings = await call(
        `${url}/v1/bookings?range_start=${iso(NOW)}&range_end=${iso(NOW + 24 * HOUR)}`,
        "GET",
        top,
      );
      expect(bookings.body.bookings).toEqual([]);
    });
  });
}
