/** Who the calling agent is, for whom it acts, and the node's clock and limits as it sees them. */
import type { Agent } from "../arbiter/index.js";
import { loadCalendar } from "./calendar.js";
import type { AgentCaller } from "./caller.js";
import type { BookingDeps } from "./deps.js";

export interface WhoAmI {
  agent: Agent;
  /** The user's IANA time zone, from their profile. */
  timezone: string;
  /** The node's current time (the store's clock), epoch milliseconds. */
  now: number;
  holdTtlSeconds: number;
  bumpWindowSeconds: number;
}

export async function whoami(deps: BookingDeps, caller: AgentCaller): Promise<WhoAmI> {
  const [view, now] = await Promise.all([
    loadCalendar(deps.store, caller.agent.username),
    deps.store.now(caller.agent.username),
  ]);
  return {
    agent: caller.agent,
    timezone: view.profile.timezone,
    now,
    holdTtlSeconds: deps.settings.holdTtlSeconds,
    bumpWindowSeconds: deps.settings.bumpWindowSeconds,
  };
}
