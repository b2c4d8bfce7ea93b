/**
 * Agents' presence on their person's calendar (AgentWorkspace's presence): an agent says
 * what it is doing — reading, thinking, acting, completed — for a short while
 * (`PRESENCE_TTL_SECONDS`, default 60 s; agents refresh every 30 s); holds and commits say
 * `acting` by themselves. The person's inbox lists it and watches it change.
 */
import type { Agent } from "../arbiter/index.js";
import type { AgentCaller, PersonCaller } from "../booking/index.js";
import type { PeopleDeps } from "./deps.js";
import type { PresenceEntry, PresenceStatus } from "./presence-store.js";

export const PRESENCE_STATUSES: readonly PresenceStatus[] = [
  "reading",
  "thinking",
  "acting",
  "completed",
];
export const MAX_PRESENCE_NOTE = 280;

/** A live presence as doors show it: with the agent's name. */
export interface PresenceView extends PresenceEntry {
  name: string;
}

async function write(
  deps: PeopleDeps,
  agent: Agent,
  status: PresenceStatus,
  note: string | undefined,
  now: number,
): Promise<PresenceEntry> {
  const entry: PresenceEntry = {
    agentId: agent.id,
    status,
    ...(note !== undefined && { note }),
    at: now,
    expiresAt: now + deps.presenceTtlMs,
  };
  await deps.presence.set(agent.username, entry);
  deps.presenceSignal.changed(agent.username);
  return entry;
}

/** `POST /v1/presence`, MCP `set_presence`: the agent says what it is doing. */
export async function setPresence(
  deps: PeopleDeps,
  caller: AgentCaller,
  input: { status: PresenceStatus; note?: string },
): Promise<PresenceView> {
  const entry = await write(
    deps,
    caller.agent,
    input.status,
    input.note,
    await deps.store.now(caller.agent.username),
  );
  return { ...entry, name: caller.agent.name };
}

/**
 * A hold or a commit marks its agent `acting` (keeping a note it gave). One write beside
 * the store's decision; presence is advisory, so a failure here fails nothing.
 */
export async function markActing(deps: PeopleDeps, agent: Agent, now: number): Promise<void> {
  try {
    await write(deps, agent, "acting", undefined, now);
  } catch {
    // The booking decision stands without it; the next refresh writes presence again.
  }
}

/** The live presence of the user's agents (revoked agents left out), by the agents' rank. */
export async function listPresence(
  deps: PeopleDeps,
  caller: AgentCaller | PersonCaller,
): Promise<{ presence: PresenceView[]; now: number }> {
  const username = caller.kind === "agent" ? caller.agent.username : caller.username;
  const now = await deps.store.now(username);
  const [entries, agents] = await Promise.all([
    deps.presence.list(username, now),
    deps.store.listAgents(username),
  ]);
  const byId = new Map(entries.map((e) => [e.agentId, e]));
  const presence = agents.flatMap((a) => {
    const e = byId.get(a.id);
    return e ? [{ ...e, name: a.name }] : [];
  });
  return { presence, now };
}

/** What a watcher compares: who shows what (a mere refresh is no change). */
function fingerprintOf(presence: PresenceView[]): string {
  return JSON.stringify(presence.map((p) => [p.agentId, p.status, p.note ?? null]));
}

/**
 * Calls `onChange` with the person's agents' presence now, then whenever it changes: at
 * once for a change made in this process, within `pollMs` for one made by another node
 * process or an entry fading. Stops when `signal` aborts. (Presence is not written to
 * the audit chain — it changes every 30 s per agent — so the inbox follows it here
 * rather than in the user's event stream.)
 */
export function watchPresence(
  deps: PeopleDeps,
  caller: PersonCaller,
  onChange: (presence: PresenceView[]) => void,
  opts: { signal: AbortSignal; pollMs?: number },
): void {
  let last: string | undefined;
  let running = false;
  let again = false;
  const check = async () => {
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      do {
        again = false;
        const { presence } = await listPresence(deps, caller);
        const print = fingerprintOf(presence);
        if (print !== last && !opts.signal.aborted) {
          last = print;
          onChange(presence);
        }
      } while (again && !opts.signal.aborted);
    } catch {
      // A store hiccup: the next poll tries again.
    } finally {
      running = false;
    }
  };
  const off = deps.presenceSignal.on(caller.username, () => void check());
  const timer = setInterval(() => void check(), opts.pollMs ?? 1000);
  timer.unref();
  opts.signal.addEventListener(
    "abort",
    () => {
      off();
      clearInterval(timer);
    },
    { once: true },
  );
  void check();
}
