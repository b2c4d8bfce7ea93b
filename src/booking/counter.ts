/**
 * Counter-proposals: another agent of the user offers 1–5 alternative slots for a
 * booking; the booking's agent accepts one (the booking moves atomically) or rejects them.
 */
import { type Booking, type CounterProposal, ID_RE, newId } from "../arbiter/index.js";
import type { Interval } from "../availability/index.js";
import { ConflictError, ForbiddenError, NotFoundError } from "../errors.js";
import type { AgentCaller } from "./caller.js";
import { commitBooking } from "./commit.js";
import type { BookingDeps } from "./deps.js";
import type { CommitResult } from "./results.js";

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
    createdAt: await deps.store.now(),
  };
  await deps.store.putCounter(agent.username, counter, "counter.proposed", agent.id);
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
  | Exclude<CommitResult, { outcome: "committed" }>;

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
  const result = await commitBooking(deps, caller, {
    ...slot,
    replaces: booking.id,
    details: booking.details,
    request: { counter: counter.id, slot_index: input.slotIndex },
  });
  if (result.outcome !== "committed") return result;
  const decided: CounterProposal = {
    ...counter,
    status: "accepted",
    decidedAt: await deps.store.now(),
    acceptedIndex: input.slotIndex,
    acceptedBookingId: result.booking.id,
  };
  await deps.store.putCounter(agent.username, decided, "counter.accepted", agent.id);
  return { outcome: "accepted", counter: decided, commit: result };
}

export async function rejectCounter(
  deps: BookingDeps,
  caller: AgentCaller,
  input: { bookingId: string; counterId: string },
): Promise<CounterProposal> {
  const { counter } = await openCounterOf(deps, caller, input.bookingId, input.counterId, "reject");
  const decided: CounterProposal = {
    ...counter,
    status: "rejected",
    decidedAt: await deps.store.now(),
  };
  await deps.store.putCounter(caller.agent.username, decided, "counter.rejected", caller.agent.id);
  return decided;
}
