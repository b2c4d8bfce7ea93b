/**
 * Counter-proposals: another agent of the user offers 1–5 alternative slots for a
 * booking; the booking's agent accepts one (the booking moves atomically) or rejects them.
 */
import {
  type Booking,
  type CounterDecisionOutcome,
  type CounterProposal,
  ID_RE,
  newId,
} from "../arbiter/index.js";
import type { Interval } from "../availability/index.js";
import { ConflictError, ForbiddenError, NotFoundError } from "../errors.js";
import { loadCalendar } from "./calendar.js";
import { type AgentCaller, actorOf } from "./caller.js";
import { commitCommand, commitResult } from "./commit.js";
import type { BookingDeps } from "./deps.js";
import { type CommitResult, ruleViolation } from "./results.js";
import { checkBookingRules } from "./rules.js";

async function bookingOf(deps: BookingDeps, username: string, id: string): Promise<Booking> {
  const booking = ID_RE.test(id) ? await deps.store.getBooking(username, id) : null;
  if (!booking) throw new NotFoundError(`No booking ${id}`, "booking_not_found");
  return booking;
}

async function openCounterOf(
  deps: BookingDeps,
  caller: AgentCaller,
  bookingId: string,
  counterId: string,
  verb: "accept" | "reject",
): Promise<{ booking: Booking; counter: CounterProposal }> {
  const { username } = caller.agent;
  const booking = await bookingOf(deps, username, bookingId);
  const counter = ID_RE.test(counterId) ? await deps.store.getCounter(username, counterId) : null;
  if (!counter || counter.bookingId !== booking.id)
    throw new NotFoundError(
      `No counter-proposal ${counterId} on booking ${booking.id}`,
      "counter_not_found",
    );
  if (booking.agentId !== caller.agent.id)
    throw new ForbiddenError(
      `Only the booking's agent may ${verb} a counter-proposal`,
      "not_owner",
    );
  if (counter.status !== "open")
    throw new ConflictError(`Counter-proposal ${counter.id} is already ${counter.status}`);
  return { booking, counter };
}

export async function proposeCounter(
  deps: BookingDeps,
  caller: AgentCaller,
  input: { bookingId: string; proposed: Interval[]; note?: string },
): Promise<CounterProposal> {
  const { agent } = caller;
  const booking = await bookingOf(deps, agent.username, input.bookingId);
  if (booking.status !== "committed")
    throw new ConflictError(
      `Booking ${booking.id} is ${booking.status}; only a committed booking can be countered`,
    );
  const counter: CounterProposal = {
    id: newId("ctr"),
    bookingId: booking.id,
    proposedBy: agent.id,
    proposed: input.proposed,
    ...(input.note !== undefined && { note: input.note }),
    status: "open",
    createdAt: await deps.store.now(agent.username),
  };
  await deps.store.putCounter(agent.username, counter, "counter.proposed", actorOf(caller));
  return counter;
}

export async function listCounters(
  deps: BookingDeps,
  caller: AgentCaller,
  bookingId: string,
): Promise<CounterProposal[]> {
  const booking = await bookingOf(deps, caller.agent.username, bookingId);
  return deps.store.listCounters(caller.agent.username, booking.id);
}

export type CounterAcceptResult =
  | {
      outcome: "accepted";
      counter: CounterProposal;
      commit: Extract<CommitResult, { outcome: "committed" }>;
    }
  | Exclude<CommitResult, { outcome: "committed" | "pending" }>;

/** A refusal of the store's atomic decision: the counter changed since it was read. */
function decisionRefused(reason: CounterRefusal, counterId: string, bookingId: string): never {
  switch (reason) {
    case "counter_not_found":
      throw new NotFoundError(
        `No counter-proposal ${counterId} on booking ${bookingId}`,
        "counter_not_found",
      );
    case "not_owner":
      throw new ForbiddenError(
        "Only the booking's agent may decide a counter-proposal",
        "not_owner",
      );
    case "counter_closed":
      throw new ConflictError(`Counter-proposal ${counterId} is already decided`);
    case "slot_mismatch":
      throw new ConflictError(`Counter-proposal ${counterId} changed; read it again`);
  }
}

type CounterRefusal = Extract<CounterDecisionOutcome, { status: "refused" }>["reason"];

/**
 * The booking's agent accepts one proposed slot: in one atomic step the booking moves
 * there (a commit that replaces it, no arbitration window) and the counter is decided.
 */
export async function acceptCounter(
  deps: BookingDeps,
  caller: AgentCaller,
  input: { bookingId: string; counterId: string; slotIndex: number },
): Promise<CounterAcceptResult> {
  const { agent } = caller;
  const { booking, counter } = await openCounterOf(
    deps,
    caller,
    input.bookingId,
    input.counterId,
    "accept",
  );
  const slot = counter.proposed[input.slotIndex];
  if (!slot)
    throw new NotFoundError(
      `slot_index ${input.slotIndex} is not one of the ${counter.proposed.length} proposed slots`,
      "slot_not_found",
    );
  const commitInput = {
    ...slot,
    replaces: booking.id,
    details: booking.details,
    request: { counter: counter.id, slot_index: input.slotIndex },
  };
  const [view, now] = await Promise.all([
    loadCalendar(deps.store, agent.username),
    deps.store.now(agent.username),
  ]);
  const violation = checkBookingRules(view.profile, view.rules, slot, now);
  if (violation) return ruleViolation(violation);
  const outcome = await deps.store.decideCounter({
    username: agent.username,
    counterId: counter.id,
    bookingId: booking.id,
    agentId: agent.id,
    actor: actorOf(caller),
    decision: "accept",
    slotIndex: input.slotIndex,
    commit: commitCommand(deps.settings, view, agent, commitInput, actorOf(caller)),
  });
  if (outcome.status === "refused") decisionRefused(outcome.reason, counter.id, booking.id);
  if (outcome.status !== "decided")
    return (await commitResult(deps, view, agent, commitInput, outcome, now)) as Exclude<
      CommitResult,
      { outcome: "committed" | "pending" }
    >;
  const committed = await commitResult(deps, view, agent, commitInput, outcome.commit!, now);
  return {
    outcome: "accepted",
    counter: outcome.counter,
    commit: committed as Extract<CommitResult, { outcome: "committed" }>,
  };
}

/** The booking's agent rejects the counter-proposal, atomically: one decision only. */
export async function rejectCounter(
  deps: BookingDeps,
  caller: AgentCaller,
  input: { bookingId: string; counterId: string },
): Promise<CounterProposal> {
  const { booking, counter } = await openCounterOf(
    deps,
    caller,
    input.bookingId,
    input.counterId,
    "reject",
  );
  const outcome = await deps.store.decideCounter({
    username: caller.agent.username,
    counterId: counter.id,
    bookingId: booking.id,
    agentId: caller.agent.id,
    actor: actorOf(caller),
    decision: "reject",
  });
  if (outcome.status === "refused") decisionRefused(outcome.reason, counter.id, booking.id);
  if (outcome.status !== "decided") throw new Error(`a reject cannot ${outcome.status}`);
  return outcome.counter;
}

/**
 * A retry of a counter-proposal (with an idempotency key over MCP): the open
 * counter-proposal this agent already made on the booking with the same slots and note,
 * if any. Nothing is stored for the key: the counter-proposal itself is the record.
 */
export async function standingCounter(
  deps: BookingDeps,
  caller: AgentCaller,
  input: { bookingId: string; proposed: Interval[]; note?: string },
): Promise<CounterProposal | null> {
  const counters = await listCounters(deps, caller, input.bookingId);
  const same = (c: CounterProposal) =>
    c.proposedBy === caller.agent.id &&
    c.status === "open" &&
    c.note === input.note &&
    c.proposed.length === input.proposed.length &&
    c.proposed.every(
      (p, i) => p.start === input.proposed[i]!.start && p.end === input.proposed[i]!.end,
    );
  return counters.find(same) ?? null;
}

export type RepeatedDecision =
  | { outcome: "rejected"; counter: CounterProposal }
  | { outcome: "accepted"; counter: CounterProposal; booking: Booking; auditRef: string };

/**
 * A retry of a decision on a counter-proposal: when this agent's booking's
 * counter-proposal was already decided the same way (the same slot, for an accept), the
 * first answer — the counter, and for an accept the booking it made and the audit event
 * of its commit. Otherwise null, and the decision is tried as usual.
 */
export async function repeatedDecision(
  deps: BookingDeps,
  caller: AgentCaller,
  input: {
    bookingId: string;
    counterId: string;
    decision: "accept" | "reject";
    slotIndex?: number;
  },
): Promise<RepeatedDecision | null> {
  const { username } = caller.agent;
  if (!ID_RE.test(input.bookingId) || !ID_RE.test(input.counterId)) return null;
  const [booking, counter] = await Promise.all([
    deps.store.getBooking(username, input.bookingId),
    deps.store.getCounter(username, input.counterId),
  ]);
  if (!booking || !counter || counter.bookingId !== booking.id) return null;
  if (booking.agentId !== caller.agent.id) return null;
  if (input.decision === "reject")
    return counter.status === "rejected" ? { outcome: "rejected", counter } : null;
  if (counter.status !== "accepted" || counter.acceptedIndex !== input.slotIndex) return null;
  const movedId = counter.acceptedBookingId;
  if (movedId === undefined) return null;
  const [moved, events] = await Promise.all([
    deps.store.getBooking(username, movedId),
    deps.store.readAudit(username, { resource: movedId, afterSeq: 0, limit: 1000 }),
  ]);
  const committed = events.find((e) => e.type === "booking.committed");
  if (!moved || !committed) return null;
  return { outcome: "accepted", counter, booking: moved, auditRef: committed.id };
}
