/**
 * Records that an agent made a request (`Store.markAgentSeen`), for the arbitration
 * window: a commit need not wait for seniors that were not seen recently (PROTOCOL §10.3).
 * Every authenticated agent request is recorded, at most once per SEEN_EVERY_MS per agent
 * in this process, and the request does not wait for it: on Redis the write goes out on
 * the node's one connection ahead of whatever the request does next, so an agent's own
 * commit never overtakes it.
 */
import type { Agent, Store } from "../arbiter/index.js";
import type { Clock } from "../clock.js";

/** A write per agent at most this often: the rule asks about the last 60 s. */
export const SEEN_EVERY_MS = 1_000;
/** Agents remembered per process before the memory of last writes starts over. */
const MAX_REMEMBERED = 10_000;

export interface AgentSeenRecorder {
  /** The agent made a request now. Returns at once; never throws. */
  record(agent: Agent): void;
}

export function agentSeenRecorder(
  store: Pick<Store, "markAgentSeen">,
  clock: Clock,
): AgentSeenRecorder {
  const lastWritten = new Map<string, number>();
  return {
    record(agent) {
      const now = clock.now();
      const last = lastWritten.get(agent.id);
      if (last !== undefined && now >= last && now - last < SEEN_EVERY_MS) return;
      if (lastWritten.size >= MAX_REMEMBERED) lastWritten.clear();
      lastWritten.set(agent.id, now);
      store.markAgentSeen(agent.username, agent.id).catch(() => {
        // The store's health watch sees the failure; the next request writes again.
        lastWritten.delete(agent.id);
      });
    },
  };
}
