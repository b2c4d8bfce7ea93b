/**
 * The arbitration window settles as soon as nobody left could win it, on both stores:
 * every agent of the user has arrived, an arrival has the user's top priority, or the
 * top-ranked agent committed directly. A long window then costs nothing in a race that
 * rank 1 takes part in.
 */
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import type { Store } from "../../../src/arbiter/index.js";
import { commitCmd, MIN, storeKinds, T0 } from "./store-harness.js";

/** Far longer than any test may take: settling early is the only way to pass. */
const LONG_WINDOW_MS = 20_000;
const EARLY_MS = 5_000;
const slot = { start: T0 + 120 * MIN, end: T0 + 150 * MIN };

for (const kind of storeKinds()) {
  describe(`settling the arbitration window early: ${kind.name} store`, { timeout: 15_000 }, () => {
    let store: Store;
    beforeEach(async () => {
      ({ store } = await kind.create());
    });
    afterAll(() => kind.teardown());

    const timed = async <T>(p: Promise<T>) => {
      const t0 = performance.now();
      const value = await p;
      return { value, ms: performance.now() - t0 };
    };

    it("settles once every agent of the user has arrived", async () => {
      const who = { agents: 2, topPriority: 1 };
      const [a, b] = await Promise.all([
        timed(
          store.arbitrate(
            commitCmd({ agentId: "agt_3", priority: 3, ...slot }),
            LONG_WINDOW_MS,
            who,
          ),
        ),
        timed(
          store.arbitrate(
            commitCmd({ agentId: "agt_2", priority: 2, ...slot }),
            LONG_WINDOW_MS,
            who,
          ),
        ),
      ]);
      expect(a.value.status).toBe("conflict");
      expect(b.value.status).toBe("committed");
      expect(Math.max(a.ms, b.ms)).toBeLessThan(EARLY_MS);
    });

    it("settles once an arrival has the user's top priority", async () => {
      const who = { agents: 5, topPriority: 1 };
      const late = timed(
        store.arbitrate(commitCmd({ agentId: "agt_4", priority: 4, ...slot }), LONG_WINDOW_MS, who),
      );
      await new Promise((r) => setTimeout(r, 50));
      const top = await timed(
        store.arbitrate(commitCmd({ agentId: "agt_1", priority: 1, ...slot }), LONG_WINDOW_MS, who),
      );
      const lower = await late;
      expect(top.value.status).toBe("committed");
      expect(lower.value.status).toBe("conflict");
      if (lower.value.status === "conflict") expect(lower.value.winner.agentId).toBe("agt_1");
      expect(Math.max(top.ms, lower.ms)).toBeLessThan(EARLY_MS);
    });

    it("settles the waiting commits right after a direct commit, which they lose to", async () => {
      const who = { agents: 3, topPriority: 1 };
      const waiting = [
        timed(
          store.arbitrate(
            commitCmd({ agentId: "agt_2", priority: 2, ...slot }),
            LONG_WINDOW_MS,
            who,
          ),
        ),
        timed(
          store.arbitrate(
            commitCmd({ agentId: "agt_3", priority: 3, ...slot }),
            LONG_WINDOW_MS,
            who,
          ),
        ),
      ];
      await new Promise((r) => setTimeout(r, 50));
      const direct = await store.commit(commitCmd({ agentId: "agt_1", priority: 1, ...slot }));
      expect(direct.status).toBe("committed");
      for (const { value, ms } of await Promise.all(waiting)) {
        expect(value.status).toBe("conflict");
        if (value.status === "conflict") expect(value.winner.agentId).toBe("agt_1");
        expect(ms).toBeLessThan(EARLY_MS);
      }
    });

    it("decides at once a commit over a top-ranked agent's booking: it cannot win", async () => {
      const who = { agents: 3, topPriority: 1 };
      expect(
        (await store.commit(commitCmd({ agentId: "agt_1", priority: 1, ...slot }))).status,
      ).toBe("committed");
      const { value, ms } = await timed(
        store.arbitrate(commitCmd({ agentId: "agt_3", priority: 3, ...slot }), LONG_WINDOW_MS, who),
      );
      expect(value.status).toBe("conflict");
      if (value.status === "conflict") expect(value.winner.agentId).toBe("agt_1");
      expect(ms).toBeLessThan(EARLY_MS);
    });

    it("waits out the window while someone who could win has not arrived", async () => {
      const who = { agents: 3, topPriority: 1 };
      const windowMs = 400;
      const { value, ms } = await timed(
        store.arbitrate(commitCmd({ agentId: "agt_3", priority: 3, ...slot }), windowMs, who),
      );
      expect(value.status).toBe("committed");
      expect(ms).toBeGreaterThanOrEqual(windowMs - 20);
    });
  });
}
