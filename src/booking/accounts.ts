/** The administrator's decisions about users and their agents. */
import { type Agent, ID_RE, newAgentKey, newId } from "../arbiter/index.js";
import { ManagedByFileError, NotFoundError } from "../errors.js";
import { USERNAME_RE } from "../profile/index.js";
import { type AdminCaller, actorOf, type PersonCaller } from "./caller.js";
import type { BookingDeps } from "./deps.js";

export const DEFAULT_AGENT_SCOPES = ["availability", "holds", "bookings", "audit", "webhooks"];

/** The user, if one exists under that name. */
export async function existingUser(deps: BookingDeps, username: string): Promise<string> {
  if (!USERNAME_RE.test(username) || !(await deps.store.getUser(username)))
    throw new NotFoundError(`No user "${username}"`, "unknown_user");
  return username;
}

export async function existingAgent(
  deps: BookingDeps,
  username: string,
  agentId: string,
): Promise<Agent> {
  const agent = ID_RE.test(agentId) ? await deps.store.getAgent(username, agentId) : null;
  if (!agent) throw new NotFoundError(`No agent ${agentId} for ${username}`, "agent_not_found");
  return agent;
}

/** A new agent and its API key, shown once: the node keeps only the key's hash. */
export async function createAgent(
  deps: BookingDeps,
  caller: AdminCaller,
  input: {
    username: string;
    name: string;
    priority: number;
    scopes?: string[];
    did?: string;
    requires_ack?: boolean;
  },
): Promise<{ agent: Agent; apiKey: string }> {
  const username = await existingUser(deps, input.username);
  const { key, keyHash } = newAgentKey();
  const agent: Agent = {
    id: newId("agt"),
    username,
    name: input.name,
    priority: input.priority,
    scopes: input.scopes ?? DEFAULT_AGENT_SCOPES,
    ...(input.did !== undefined && { did: input.did }),
    ...(input.requires_ack === true && { requiresAck: true }),
    createdAt: await deps.store.now(username),
  };
  await deps.store.createAgent(agent, keyHash, actorOf(caller));
  return { agent, apiKey: key };
}

export async function updateAgent(
  deps: BookingDeps,
  caller: AdminCaller,
  input: {
    username: string;
    agentId: string;
    name?: string;
    priority?: number;
    requires_ack?: boolean;
  },
): Promise<Agent> {
  const username = await existingUser(deps, input.username);
  const { requiresAck: _was, ...agent } = await existingAgent(deps, username, input.agentId);
  const requiresAck = input.requires_ack ?? _was === true;
  const updated: Agent = {
    ...agent,
    ...(input.name !== undefined && { name: input.name }),
    ...(input.priority !== undefined && { priority: input.priority }),
    ...(requiresAck && { requiresAck: true }),
  };
  await deps.store.updateAgent(updated, actorOf(caller));
  return updated;
}

/**
 * Revokes the agent's key; its webhook subscriptions end with it (disabled, reason
 * `agent_revoked`, what they had pending dead-lettered).
 */
export async function revokeAgent(
  deps: BookingDeps,
  caller: AdminCaller | PersonCaller,
  input: { username: string; agentId: string },
): Promise<Agent> {
  const username = await existingUser(deps, ownCalendar(caller, input.username));
  const agent = await existingAgent(deps, username, input.agentId);
  await deps.store.deleteAgent(username, agent.id, actorOf(caller));
  await deps.webhooks.forgetAgent(username, agent.id);
  return agent;
}

/**
 * The person may act only on their own calendar: another user's name is answered as if
 * that user's agent did not exist (404), never with a hint that it does.
 */
function ownCalendar(caller: AdminCaller | PersonCaller, username: string): string {
  if (caller.kind === "person" && caller.username !== username)
    throw new NotFoundError(`No agent for ${username}`, "agent_not_found");
  return username;
}

/** The user's agents by rank: priority (1 first), then the older first. */
export async function rankedAgents(deps: BookingDeps, username: string): Promise<Agent[]> {
  const agents = await deps.store.listAgents(username);
  return agents.sort((a, b) => a.priority - b.priority || a.createdAt - b.createdAt);
}

/**
 * Moves an agent one place up or down the person's ranking: the agents are renumbered
 * 1…n in the new order (only those whose priority changes are written, each with its
 * agent.updated event). Moving the first up or the last down changes nothing.
 */
export async function moveAgent(
  deps: BookingDeps,
  caller: AdminCaller | PersonCaller,
  input: { username: string; agentId: string; direction: "up" | "down" },
): Promise<Agent[]> {
  const username = await existingUser(deps, ownCalendar(caller, input.username));
  await existingAgent(deps, username, input.agentId);
  const ranked = await rankedAgents(deps, username);
  const at = ranked.findIndex((a) => a.id === input.agentId);
  const to = input.direction === "up" ? at - 1 : at + 1;
  if (at < 0 || to < 0 || to >= ranked.length) return ranked;
  [ranked[at], ranked[to]] = [ranked[to]!, ranked[at]!];
  const renumbered = ranked.map((agent, i) => ({ agent, priority: i + 1 }));
  for (const { agent, priority } of renumbered)
    if (agent.priority !== priority)
      await deps.store.updateAgent({ ...agent, priority }, actorOf(caller));
  return renumbered.map(({ agent, priority }) => ({ ...agent, priority }));
}

/**
 * Deletes the user and everything that acts on their calendar: agents' keys, holds,
 * bookings, counters, webhook subscriptions. Their audit chain is archived for the admin;
 * a user re-created under the name starts empty, with a new chain. False when there was
 * no such user. A user whose profile comes from PROFILES_DIR is removed by removing its
 * file, not here.
 */
export async function deleteUser(
  deps: BookingDeps,
  caller: AdminCaller,
  username: string,
): Promise<boolean> {
  if (!USERNAME_RE.test(username)) return false;
  if ((await deps.store.getUser(username))?.source === "file")
    throw new ManagedByFileError(username);
  const deleted = await deps.store.deleteUser(username, actorOf(caller));
  // Also when the user was already gone: a delete that died halfway is finished here.
  await deps.webhooks.forgetUser(username);
  return deleted;
}
