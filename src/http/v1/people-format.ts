/** The wire form of the person's exchanges with their agents: mentions and suggestions. */
import { isoUtc } from "../../iso-time.js";
import type { Mention, Suggestion } from "../../people/index.js";

export function mentionJson(m: Mention) {
  return {
    mention_id: m.id,
    agent_id: m.agentId,
    text: m.text,
    status: m.status,
    created_at: isoUtc(m.createdAt),
    ...(m.doneAt !== undefined && { done_at: isoUtc(m.doneAt) }),
  };
}

export function suggestionJson(s: Suggestion) {
  return {
    suggestion_id: s.id,
    agent_id: s.agentId,
    ...(s.mentionId !== undefined && { mention_id: s.mentionId }),
    slots: s.slots.map((slot) => ({ start: isoUtc(slot.start), end: isoUtc(slot.end) })),
    ...(s.note !== undefined && { note: s.note }),
    ...(s.with !== undefined && { with: s.with }),
    status: s.status,
    created_at: isoUtc(s.createdAt),
    ...(s.decidedAt !== undefined && { decided_at: isoUtc(s.decidedAt) }),
    ...(s.acceptedIndex !== undefined && { accepted_index: s.acceptedIndex }),
    ...(s.bookingId !== undefined && { booking_id: s.bookingId }),
    ...(s.message !== undefined && { message: s.message }),
  };
}
