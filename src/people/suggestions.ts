/**
 * An agent answers its person with a suggestion: 1–5 slots, a note, optionally someone
 * elsewhere to meet. The person accepts one slot — booked through the booking core as
 * that agent (a meeting with `with` through `requestMeeting`) — or rejects it; the agent
 * hears `suggestion.accepted` (with the booking) or `suggestion.rejected`. A suggestion
 * is decided once: accepting first claims it (compare-and-set from `open`), so of two
 * accepts only one books; a claim whose booking fails reopens it.
 */
import { type Booking, newId } from "../arbiter/index.js";
import {
  type AgentCaller,
  actorOf,
  agentCaller,
  type Conflict,
  commitBooking,
  decideRequest,
  existingAgent,
  type MeetConflict,
  type PersonCaller,
  type RuleViolation,
  requestMeeting,
} from "../booking/index.js";
import { ConflictError, InvalidRequestError, NotFoundError } from "../errors.js";
import { isoUtc } from "../iso-time.js";
import type { PeopleDeps } from "./deps.js";
import { agentMention } from "./mentions.js";
import { createRecord, readRecord, readRecords, replaceRecord, type Stored } from "./records.js";

export const SUGGESTION_ID_RE = /^sug_[A-Za-z0-9_-]{1,64}$/;

/** `accepting`: claimed by an accept whose booking is being made. */
export type SuggestionStatus = "open" | "accepting" | "accepted" | "rejected";

export interface Suggestion {
  id: string;
  agentId: string;
  mentionId?: string;
  slots: { start: number; end: number }[];
  note?: string;
  /** Someone at another organization to meet, user@domain. */
  with?: string;
  status: SuggestionStatus;
  createdAt: number;
  decidedAt?: number;
  acceptedIndex?: number;
  bookingId?: string;
  /** The person's message with a rejection. */
  message?: string;
}

export function suggestionData(s: Suggestion): Record<string, unknown> {
  return {
    suggestion_id: s.id,
    agent_id: s.agentId,
    mention_id: s.mentionId ?? null,
    slots: s.slots.map((slot) => ({ start: isoUtc(slot.start), end: isoUtc(slot.end) })),
    note: s.note ?? null,
    with: s.with ?? null,
    status: s.status,
    created_at: isoUtc(s.createdAt),
    decided_at: s.decidedAt === undefined ? null : isoUtc(s.decidedAt),
    accepted_index: s.acceptedIndex ?? null,
    booking_id: s.bookingId ?? null,
    message: s.message ?? null,
  };
}

export interface SuggestionInput {
  mentionId?: string;
  slots: { start: number; end: number }[];
  note?: string;
  with?: string;
}

/** `POST /v1/suggestions`: the agent proposes slots to its person. */
export async function createSuggestion(
  deps: PeopleDeps,
  caller: AgentCaller,
  input: SuggestionInput,
): Promise<Suggestion> {
  if (input.mentionId !== undefined) await agentMention(deps, caller, input.mentionId);
  const suggestion: Suggestion = {
    id: newId("sug"),
    agentId: caller.agent.id,
    ...(input.mentionId !== undefined && { mentionId: input.mentionId }),
    slots: input.slots,
    ...(input.note !== undefined && { note: input.note }),
    ...(input.with !== undefined && { with: input.with }),
    status: "open",
    createdAt: await deps.store.now(caller.agent.username),
  };
  await createRecord(deps.store, caller.agent.username, "suggestions", suggestion.id, suggestion, {
    type: "suggestion.created",
    actor: actorOf(caller),
    data: suggestionData(suggestion),
  });
  return suggestion;
}

/** The person's suggestions (an agent: its own), newest first, optionally of one status. */
export async function listSuggestions(
  deps: PeopleDeps,
  caller: PersonCaller | AgentCaller,
  input: { status?: SuggestionStatus } = {},
): Promise<Suggestion[]> {
  const username = caller.kind === "agent" ? caller.agent.username : caller.username;
  const all = await readRecords<Suggestion>(deps.store, username, "suggestions");
  return all
    .filter((s) => caller.kind !== "agent" || s.agentId === caller.agent.id)
    .filter((s) => input.status === undefined || s.status === input.status)
    .sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : -1));
}

async function personSuggestion(
  deps: PeopleDeps,
  caller: PersonCaller,
  suggestionId: string,
): Promise<Stored<Suggestion>> {
  const found = SUGGESTION_ID_RE.test(suggestionId)
    ? await readRecord<Suggestion>(deps.store, caller.username, "suggestions", suggestionId)
    : null;
  if (!found) throw new NotFoundError(`No suggestion ${suggestionId}`, "suggestion_not_found");
  return found;
}

function closed(s: Suggestion): ConflictError {
  return new ConflictError(
    s.status === "accepting"
      ? `Suggestion ${s.id} is being accepted`
      : `Suggestion ${s.id} was already ${s.status}`,
  );
}

export type AcceptSuggestionResult =
  | { outcome: "accepted"; suggestion: Suggestion; booking: Booking }
  | Conflict
  | MeetConflict
  | RuleViolation;

/**
 * The person accepts one slot: the suggestion is claimed, the slot booked as its agent,
 * and the agent told (`suggestion.accepted`). A lost race or a rule of the calendar
 * leaves the suggestion open and answers why; an error reopens it and is thrown.
 */
export async function acceptSuggestion(
  deps: PeopleDeps,
  caller: PersonCaller,
  input: { suggestionId: string; slotIndex: number },
): Promise<AcceptSuggestionResult> {
  const read = await personSuggestion(deps, caller, input.suggestionId);
  const suggestion = read.value;
  if (suggestion.status !== "open") throw closed(suggestion);
  const slot = suggestion.slots[input.slotIndex];
  if (!Number.isInteger(input.slotIndex) || slot === undefined)
    throw new InvalidRequestError(`No slot ${input.slotIndex} in suggestion ${suggestion.id}`, [
      { pointer: "/slot_index", message: `must be 0–${suggestion.slots.length - 1}` },
    ]);
  const agent = await existingAgent(deps.booking, caller.username, suggestion.agentId);
  const actor = actorOf(caller);
  const claimed: Suggestion = {
    ...suggestion,
    status: "accepting",
    acceptedIndex: input.slotIndex,
  };
  const claim = JSON.stringify(claimed);
  if (
    !(await replaceRecord(
      deps.store,
      caller.username,
      "suggestions",
      suggestion.id,
      read.raw,
      claimed,
      {
        type: "suggestion.accepting",
        actor,
        data: suggestionData(claimed),
      },
    ))
  )
    throw closed((await personSuggestion(deps, caller, suggestion.id)).value);

  const reopen = () =>
    replaceRecord(deps.store, caller.username, "suggestions", suggestion.id, claim, suggestion, {
      type: "suggestion.reopened",
      actor,
      data: suggestionData(suggestion),
    });
  let booked: { booking: Booking } | Conflict | MeetConflict | RuleViolation;
  try {
    booked = await bookSlot(deps, caller, agentCaller(agent), suggestion, slot);
  } catch (err) {
    await reopen();
    throw err;
  }
  if (!("booking" in booked)) {
    await reopen();
    return booked;
  }
  const accepted: Suggestion = {
    ...claimed,
    status: "accepted",
    decidedAt: await deps.store.now(caller.username),
    bookingId: booked.booking.id,
  };
  await replaceRecord(deps.store, caller.username, "suggestions", suggestion.id, claim, accepted, {
    type: "suggestion.accepted",
    actor,
    data: suggestionData(accepted),
  });
  return { outcome: "accepted", suggestion: accepted, booking: booked.booking };
}

/** Books the slot as the suggesting agent: the person's accept is their acknowledgement. */
async function bookSlot(
  deps: PeopleDeps,
  person: PersonCaller,
  agent: AgentCaller,
  suggestion: Suggestion,
  slot: { start: number; end: number },
): Promise<{ booking: Booking } | Conflict | MeetConflict | RuleViolation> {
  if (suggestion.with !== undefined) {
    const met = await requestMeeting(deps.booking, agent, {
      with: suggestion.with,
      ...slot,
      ...(suggestion.note !== undefined && { subject: suggestion.note.slice(0, 200) }),
    });
    return met.outcome === "confirmed" || met.outcome === "pending"
      ? { booking: met.booking }
      : met;
  }
  const committed = await commitBooking(deps.booking, agent, {
    ...slot,
    details: {
      ...(suggestion.note !== undefined && { title: suggestion.note.slice(0, 500) }),
      metadata: { suggestion_id: suggestion.id },
    },
    request: { suggestion_id: suggestion.id, start: slot.start, end: slot.end },
  });
  if (committed.outcome === "committed") return { booking: committed.booking };
  if (committed.outcome !== "pending") return committed;
  // An agent that needs acknowledgement: the person acknowledges it by accepting here.
  const decided = await decideRequest(deps.booking, person, {
    username: person.username,
    bookingId: committed.booking.id,
    decision: "accept",
  });
  return "booking" in decided ? { booking: decided.booking } : decided;
}

/** The person rejects the suggestion (with an optional message); the agent is told. */
export async function rejectSuggestion(
  deps: PeopleDeps,
  caller: PersonCaller,
  input: { suggestionId: string; message?: string },
): Promise<Suggestion> {
  const read = await personSuggestion(deps, caller, input.suggestionId);
  if (read.value.status !== "open") throw closed(read.value);
  const rejected: Suggestion = {
    ...read.value,
    status: "rejected",
    decidedAt: await deps.store.now(caller.username),
    ...(input.message !== undefined && { message: input.message }),
  };
  const written = await replaceRecord(
    deps.store,
    caller.username,
    "suggestions",
    rejected.id,
    read.raw,
    rejected,
    { type: "suggestion.rejected", actor: actorOf(caller), data: suggestionData(rejected) },
  );
  if (!written) throw closed((await personSuggestion(deps, caller, rejected.id)).value);
  return rejected;
}
