import { beforeEach, describe, expect, it } from "vitest";
import { type AuditEvent, MemoryStore } from "../../../src/arbiter/index.js";
import { ManualClock } from "../../../src/clock.js";
import { concernsAgent, visibleTo } from "../../../src/webhooks/catalogue.js";
import { envelopeOf } from "../../../src/webhooks/index.js";

const T0 = Date.parse("2026-11-21T12:00:00Z");
const SLOT = { start: Date.parse("2026-11-23T15:00:00Z"), end: Date.parse("2026-11-23T15:30:00Z") };

let store: MemoryStore;
let clock: ManualClock;

function commitCmd(agentId: string, priority: number, bookingId: string) {
  return {
    username: "jane",
    agentId,
    priority,
    ...SLOT,
    bookingId,
    bumpWindowMs: 30_000,
    dayKey: "2026-11-23",
    maxPerDay: 0,
    fingerprint: bookingId,
    actor: agentId,
  };
}

async function eventsOf(type: string): Promise<AuditEvent[]> {
  return (await store.readAudit("jane")).filter((e) => e.type === type);
}

beforeEach(() => {
  clock = new ManualClock(T0);
  store = new MemoryStore(clock);
});

describe("webhook envelopes from audit events", () => {
  it("booking.evicted names the reason and the evicting agent; only the evicted agent sees it", async () => {
    await store.commit(commitCmd("agt_low", 3, "bkg_low"));
    clock.advance(5_000);
    await store.commit({ ...commitCmd("agt_high", 1, "bkg_high"), details: { title: "Sync" } });
    const [evicted] = await eventsOf("booking.evicted");
    expect(envelopeOf("jane", evicted!)).toEqual({
      type: "booking.evicted",
      created: Math.floor((T0 + 5_000) / 1000),
      data: {
        id: evicted!.id,
        object: {
          object: "booking",
          booking_id: "bkg_low",
          user_id: "jane",
          agent_id: "agt_low",
          priority: 3,
          start: "2026-11-23T15:00:00.000Z",
          end: "2026-11-23T15:30:00.000Z",
          status: "evicted",
          reason: "priority_bump",
          evicted_by_agent_id: "agt_high",
          evicted_by_booking_id: "bkg_high",
        },
      },
    });
    expect(visibleTo(evicted!, "agt_low")).toBe(true);
    expect(visibleTo(evicted!, "agt_high")).toBe(false);
    expect(visibleTo(evicted!, null)).toBe(true);
    const [, committed] = await eventsOf("booking.committed");
    expect(envelopeOf("jane", committed!).data.object).toMatchObject({
      booking_id: "bkg_high",
      status: "committed",
      title: "Sync",
      frozen_at: new Date(T0 + 35_000).toISOString(),
    });
  });

  it("hold.invalidated goes to the hold's agent, naming who displaced it", async () => {
    await store.hold({
      username: "jane",
      agentId: "agt_holder",
      priority: 2,
      ...SLOT,
      holdId: "hld_1",
      ttlMs: 30_000,
      fingerprint: "h",
    });
    await store.commit(commitCmd("agt_taker", 1, "bkg_1"));
    const [invalidated] = await eventsOf("hold.invalidated");
    expect(envelopeOf("jane", invalidated!).data.object).toEqual({
      object: "hold",
      hold_id: "hld_1",
      user_id: "jane",
      agent_id: "agt_holder",
      priority: 2,
      start: "2026-11-23T15:00:00.000Z",
      end: "2026-11-23T15:30:00.000Z",
      expires_at: new Date(T0 + 30_000).toISOString(),
      status: "invalidated",
      reason: "displaced",
      by_agent_id: "agt_taker",
      booking_id: "bkg_1",
    });
    expect(concernsAgent(invalidated!, "agt_holder")).toBe(true);
    expect(concernsAgent(invalidated!, "agt_taker")).toBe(false);
    const [created] = await eventsOf("hold.created");
    // hold.created is for the admin's subscriptions only.
    expect(visibleTo(created!, "agt_holder")).toBe(false);
    expect(visibleTo(created!, null)).toBe(true);
  });

  it("counter events go to the proposer and to the booking's agent", async () => {
    await store.commit(commitCmd("agt_owner", 2, "bkg_1"));
    await store.putCounter(
      "jane",
      {
        id: "ctr_1",
        bookingId: "bkg_1",
        proposedBy: "agt_other",
        proposed: [{ start: SLOT.start + 3600_000, end: SLOT.end + 3600_000 }],
        note: "later?",
        status: "open",
        createdAt: T0,
      },
      "counter.proposed",
      "agt_other",
    );
    const [proposed] = await eventsOf("counter.proposed");
    expect(envelopeOf("jane", proposed!).data.object).toEqual({
      object: "counter_proposal",
      counter_id: "ctr_1",
      booking_id: "bkg_1",
      user_id: "jane",
      proposed_by: "agt_other",
      proposed: [{ start: "2026-11-23T16:00:00.000Z", end: "2026-11-23T16:30:00.000Z" }],
      note: "later?",
      status: "open",
    });
    expect(visibleTo(proposed!, "agt_other", "agt_owner")).toBe(true);
    expect(visibleTo(proposed!, "agt_owner", "agt_owner")).toBe(true);
    expect(visibleTo(proposed!, "agt_third", "agt_owner")).toBe(false);
  });

  it("booking.cancelled carries the reason", async () => {
    await store.commit(commitCmd("agt_a", 2, "bkg_1"));
    await store.cancelBooking("jane", "bkg_1", "agt_a", "agt_a");
    const [cancelled] = await eventsOf("booking.cancelled");
    expect(envelopeOf("jane", cancelled!).data.object).toMatchObject({
      booking_id: "bkg_1",
      status: "cancelled",
      reason: "cancelled",
      agent_id: "agt_a",
    });
  });

  it("other events keep their audit data", async () => {
    await store.putRules("jane", { min_notice_hours: 2 }, "admin");
    const [rules] = await eventsOf("rules.updated");
    expect(envelopeOf("jane", rules!).data.object).toEqual({
      object: "rules",
      user_id: "jane",
      rules: { min_notice_hours: 2 },
    });
    expect(visibleTo(rules!, "agt_a")).toBe(false);
  });
});
