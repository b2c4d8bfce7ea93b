/** Ending a hold or a booking early. */
import { type AdminCaller, type AgentCaller, actorOf, type PersonCaller } from "./caller.js";
import type { BookingDeps } from "./deps.js";
import { type Cancelled, cancelResult, type Released, releaseResult } from "./results.js";

/** The calendar a caller acts on, and whose records it may end (undefined: any). */
function scopeOf(caller: AgentCaller | AdminCaller | PersonCaller, username?: string) {
  if (caller.kind === "agent")
    return { username: caller.agent.username, ownerAgentId: caller.agent.id as string | undefined };
  if (caller.kind === "person") return { username: caller.username, ownerAgentId: undefined };
  if (username === undefined) throw new Error("the admin names the user");
  return { username, ownerAgentId: undefined };
}

/** An agent releases its own live hold; the admin any hold of a user. */
export async function releaseHold(
  deps: BookingDeps,
  caller: AgentCaller | AdminCaller,
  input: { holdId: string; username?: string },
): Promise<Released> {
  const scope = scopeOf(caller, input.username);
  const outcome = await deps.store.releaseHold(
    scope.username,
    input.holdId,
    scope.ownerAgentId,
    actorOf(caller),
  );
  return releaseResult(outcome, input.holdId);
}

/** An agent cancels its own booking; the person and the admin any booking of the calendar. */
export async function cancelBooking(
  deps: BookingDeps,
  caller: AgentCaller | AdminCaller | PersonCaller,
  input: { bookingId: string; username?: string },
): Promise<Cancelled> {
  const scope = scopeOf(caller, input.username);
  const outcome = await deps.store.cancelBooking(
    scope.username,
    input.bookingId,
    scope.ownerAgentId,
    actorOf(caller),
  );
  return cancelResult(outcome, input.bookingId);
}
