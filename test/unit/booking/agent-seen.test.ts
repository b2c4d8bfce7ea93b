import { describe, expect, it } from "vitest";
import type { Agent } from "../../../src/arbiter/index.js";
import { agentSeenRecorder, SEEN_EVERY_MS } from "../../../src/booking/agent-seen.js";
import { ManualClock } from "../../../src/clock.js";

const agent = (id: string): Agent => ({
  id,
  username: "jane",
  name: id,
  priority: 2,
  scopes: ["book"],
  createdAt: 0,
});

/** A store that records each markAgentSeen call, failing while `failing` is set. */
function recordingStore(clock: ManualClock) {
  const writes: string[] = [];
  const state = { failing: false };
  return {
    writes,
    state,
    store: {
      markAgentSeen: async (username: string, agentId: string) => {
        if (state.failing) throw new Error("store down");
        writes.push(`${username}/${agentId}@${clock.now()}`);
      },
    },
  };
}

const settle = () => new Promise((r) => setImmediate(r));

describe("agentSeenRecorder", () => {
  it("writes an agent's request at most once per SEEN_EVERY_MS, each agent on its own", async () => {
    const clock = new ManualClock(1_000_000);
    const { store, writes } = recordingStore(clock);
    const seen = agentSeenRecorder(store, clock);
    seen.record(agent("agt_a"));
    seen.record(agent("agt_a"));
    seen.record(agent("agt_b"));
    clock.advance(SEEN_EVERY_MS - 1);
    seen.record(agent("agt_a"));
    clock.advance(1);
    seen.record(agent("agt_a"));
    await settle();
    expect(writes).toEqual([
      "jane/agt_a@1000000",
      "jane/agt_b@1000000",
      `jane/agt_a@${1_000_000 + SEEN_EVERY_MS}`,
    ]);
  });

  it("writes again after the clock went back (a test clock set earlier)", async () => {
    const clock = new ManualClock(1_000_000);
    const { store, writes } = recordingStore(clock);
    const seen = agentSeenRecorder(store, clock);
    seen.record(agent("agt_a"));
    clock.set(500_000);
    seen.record(agent("agt_a"));
    await settle();
    expect(writes).toEqual(["jane/agt_a@1000000", "jane/agt_a@500000"]);
  });

  it("never throws, and writes on the next request after a failed write", async () => {
    const clock = new ManualClock(1_000_000);
    const { store, writes, state } = recordingStore(clock);
    const seen = agentSeenRecorder(store, clock);
    state.failing = true;
    expect(() => seen.record(agent("agt_a"))).not.toThrow();
    await settle();
    state.failing = false;
    seen.record(agent("agt_a"));
    await settle();
    expect(writes).toEqual(["jane/agt_a@1000000"]);
  });
});
