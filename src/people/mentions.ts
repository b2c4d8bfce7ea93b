/**
 * The person asks one of their agents to do something (a mention, AgentWorkspace's word):
 * stored as `sent`, delivered to the agent as `mention.created` (webhook, `/v1/events`),
 * listed by the agent and marked `done` by it.
 */
import { newId } from "../arbiter/index.js";
import {
  type AdminCaller,
  type AgentCaller,
  actorOf,
  existingAgent,
  existingUser,
  type PersonCaller,
} from "../booking/index.js";
import { InvalidRequestError, NotFoundError } from "../errors.js";
import { isoUtc } from "../iso-time.js";
import type { PeopleDeps } from "./deps.js";
import { createRecord, readRecord, readRecords, replaceRecord } from "./records.js";

export const MAX_MENTION_TEXT = 2000;
export const MENTION_ID_RE = /^mnt_[A-Za-z0-9_-]{1,64}$/;

export type MentionStatus = "sent" | "done";

export interface Mention {
  id: string;
  agentId: string;
  text: string;
  status: MentionStatus;
  createdAt: number;
  doneAt?: number;
}

/** The event data of a mention: wire-shaped, as webhook receivers read it. */
export function mentionData(m: Mention): Record<string, unknown> {
  return {
    mention_id: m.id,
    agent_id: m.agentId,
    text: m.text,
    status: m.status,
    created_at: isoUtc(m.createdAt),
    done_at: m.doneAt === undefined ? null : isoUtc(m.doneAt),
  };
}

/** The person (or the admin for them) writes an instruction to one of their agents. */
export async function createMention(
  deps: PeopleDeps,
  caller: PersonCaller | AdminCaller,
  input: { username?: string; agentId: string; text: string },
): Promise<Mention> {
  const username = caller.kind === "person" ? caller.username : input.username;
  if (username === undefined) throw new NotFoundError("No user named", "unknown_user");
  await existingUser(deps.booking, username);
  if (input.text.trim().length === 0 || input.text.length > MAX_MENTION_TEXT)
    throw new InvalidRequestError(`The text must be 1–${MAX_MENTION_TEXT} characters`, [
      { pointer: "/text", message: `must be 1–${MAX_MENTION_TEXT} characters, not blank` },
    ]);
  // Only the person's own agents: another user's agent id is simply not found here.
  const agent = await existingAgent(deps.booking, username, input.agentId);
  const mention: Mention = {
    id: newId("mnt"),
    agentId: agent.id,
    text: input.text,
    status: "sent",
    createdAt: await deps.store.now(username),
  };
  await createRecord(deps.store, username, "mentions", mention.id, mention, {
    type: "mention.created",
    actor: actorOf(caller),
    data: mentionData(mention),
  });
  return mention;
}

/** The agent's mentions, oldest first, optionally of one status. */
export async function listMentions(
  deps: PeopleDeps,
  caller: AgentCaller,
  input: { status?: MentionStatus },
): Promise<Mention[]> {
  const all = await readRecords<Mention>(deps.store, caller.agent.username, "mentions");
  return all
    .filter((m) => m.agentId === caller.agent.id)
    .filter((m) => input.status === undefined || m.status === input.status)
    .sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1));
}

/** The person's mentions to all their agents, newest first: what they asked and whether it is done. */
export async function listPersonMentions(
  deps: PeopleDeps,
  caller: PersonCaller,
  input: { limit?: number } = {},
): Promise<Mention[]> {
  const all = await readRecords<Mention>(deps.store, caller.username, "mentions");
  const sorted = all.sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : -1));
  return input.limit === undefined ? sorted : sorted.slice(0, input.limit);
}

/** One of the agent's mentions, or `404 mention_not_found` (another agent's too). */
export async function agentMention(deps: PeopleDeps, caller: AgentCaller, mentionId: string) {
  const found = MENTION_ID_RE.test(mentionId)
    ? await readRecord<Mention>(deps.store, caller.agent.username, "mentions", mentionId)
    : null;
  if (!found || found.value.agentId !== caller.agent.id)
    throw new NotFoundError(`No mention ${mentionId} for this agent`, "mention_not_found");
  return found;
}

/**
 * The agent marks mentions done. Every id is checked before anything is written; a
 * mention already done stays as it was (marking it again is harmless).
 */
export async function markMentionsDone(
  deps: PeopleDeps,
  caller: AgentCaller,
  input: { mentionIds: string[] },
): Promise<Mention[]> {
  const found = await Promise.all(input.mentionIds.map((id) => agentMention(deps, caller, id)));
  const out: Mention[] = [];
  for (let read of found) {
    for (let attempt = 0; read.value.status !== "done" && attempt < 5; attempt++) {
      const done: Mention = {
        ...read.value,
        status: "done",
        doneAt: await deps.store.now(caller.agent.username),
      };
      const written = await replaceRecord(
        deps.store,
        caller.agent.username,
        "mentions",
        done.id,
        read.raw,
        done,
        { type: "mention.done", actor: actorOf(caller), data: mentionData(done) },
      );
      if (written) {
        read = { value: done, raw: JSON.stringify(done) };
        break;
      }
      read = await agentMention(deps, caller, read.value.id);
    }
    out.push(read.value);
  }
  return out;
}
