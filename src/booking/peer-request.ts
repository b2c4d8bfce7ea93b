/**
 * A request from another organization (or an anonymous one, where the profile allows it)
 * to book a person's time: the person's rules, then one atomic decision in the store with
 * the requester's rank — confirmed at once, or pending until the person decides when the
 * profile asks for acknowledgement.
 */
import type { Agent, Booking, CommitCommand, CommitOutcome } from "../arbiter/index.js";
import { newId } from "../arbiter/index.js";
import { localDayKey } from "../availability/index.js";
import { AuthRequiredError, InvalidRequestError } from "../errors.js";
import { type CalendarView, loadCalendar } from "./calendar.js";
import type { AnonymousCaller, PeerCaller } from "./caller.js";
import type { BookingDeps } from "./deps.js";
import { fingerprint } from "./fingerprint.js";
import { type Conflict, commitRefusal, type RuleViolation, ruleViolation } from "./results.js";
import { checkBookingRules } from "./rules.js";
import { conflictOf } from "./suggestions.js";

/** A requester no local agent speaks for ranks below every agent of the person. */
export const PEER_PRIORITY = 1_000_000_000;
/** Requests one requester may have waiting on one person at once. */
export const MAX_PENDING_PER_REQUESTER = 3;

export interface PeerRequestInput {
  username: string;
  start: number;
  durationMinutes: number;
  /** The requester's address, user@domain (verified for a peer, as given when anonymous). */
  requester: string;
  subject?: string;
  note?: string;
  callbackUrl?: string;
}

export type PeerRequestResult =
  | { outcome: "confirmed"; booking: Booking; view: CalendarView }
  | { outcome: "pending"; booking: Booking; view: CalendarView; expiresAt: number }
  | Conflict
  | RuleViolation;

/** The local agent a remote DID ranks as, if the person gave one that DID. */
function agentFor(agents: Agent[], did: string | undefined): Agent | undefined {
  return did === undefined ? undefined : agents.find((a) => a.did === did);
}

function checkCallbackUrl(caller: PeerCaller | AnonymousCaller, raw: string | undefined) {
  if (raw === undefined) return;
  if (caller.kind === "anonymous")
    throw new InvalidRequestError(
      "An anonymous request cannot carry a callback_url",
      [{ pointer: "/callback_url", message: "needs a signed request" }],
      "invalid_callback_url",
    );
  let host: string;
  try {
    host = new URL(raw).host.toLowerCase();
  } catch {
    throw new InvalidRequestError(
      "callback_url is not a URL",
      [{ pointer: "/callback_url", message: "is not a URL" }],
      "invalid_callback_url",
    );
  }
  if (!caller.callbackHosts.includes(host))
    throw new InvalidRequestError(
      `callback_url must be on the requester's domain (${caller.callbackHosts.join(" or ")})`,
      [{ pointer: "/callback_url", message: "is not on the requester's domain" }],
      "invalid_callback_url",
    );
}

export async function requestBooking(
  deps: BookingDeps,
  caller: PeerCaller | AnonymousCaller,
  input: PeerRequestInput,
): Promise<PeerRequestResult> {
  const [view, now, agents] = await Promise.all([
    loadCalendar(deps.store, input.username),
    deps.store.now(input.username),
    deps.store.listAgents(input.username),
  ]);
  if (caller.kind === "anonymous" && view.profile.allow_anonymous_booking !== true)
    throw new AuthRequiredError(
      "This person takes requests from verified requesters only: send a request token",
    );
  checkCallbackUrl(caller, input.callbackUrl);
  const slot = { start: input.start, end: input.start + input.durationMinutes * 60_000 };
  const violation = checkBookingRules(view.profile, view.rules, slot, now);
  if (violation) return ruleViolation(violation);

  const did = caller.kind === "peer" ? caller.did : undefined;
  const agent = agentFor(agents, did);
  const ackRequired =
    (view.profile.response_channel as { human_ack_required?: boolean } | undefined)
      ?.human_ack_required === true;
  const noticeMs = (view.profile.min_notice_hours ?? 0) * 3_600_000;
  const expiresAt = Math.min(now + deps.settings.pendingTtlSeconds * 1000, slot.start - noticeMs);
  const requesterKey = did ?? `anonymous:${input.requester}`;
  const details: Record<string, unknown> = {
    requester: { address: input.requester, ...(did !== undefined && { did }) },
  };
  if (input.subject !== undefined) details.title = input.subject;
  if (input.note !== undefined) details.note = input.note;
  const cmd: CommitCommand = {
    username: input.username,
    agentId: agent?.id ?? `peer:${requesterKey}`,
    priority: agent?.priority ?? PEER_PRIORITY,
    start: slot.start,
    end: slot.end,
    bookingId: newId("bkg"),
    // A requester's booking is frozen at once: another organization was told it stands.
    bumpWindowMs: 0,
    dayKey: localDayKey(slot.start, view.profile.timezone),
    maxPerDay: view.profile.max_bookings_per_day ?? 0,
    details,
    fingerprint: fingerprint({ ...input, requesterKey }),
    actor: did ?? `anonymous:${input.requester}`,
    requesterKey,
    maxPendingPerRequester: MAX_PENDING_PER_REQUESTER,
    ...(input.callbackUrl !== undefined && { callbackUrl: input.callbackUrl }),
    ...(ackRequired && { pending: { expiresAt } }),
  };
  // Before the decision: whatever becomes of the request is then called back.
  if (input.callbackUrl !== undefined) await deps.webhooks.watchCallbacks(input.username);
  const windowMs = deps.settings.arbitrationWindowMs;
  // Local agents outrank an unknown requester: a commit of theirs in the same window wins.
  const outcome: CommitOutcome =
    windowMs > 0 && agents.some((a) => a.priority <= cmd.priority && a.id !== agent?.id)
      ? await deps.store.arbitrate(cmd, windowMs)
      : await deps.store.commit(cmd);
  switch (outcome.status) {
    case "committed":
      if (outcome.booking.status !== "pending")
        return { outcome: "confirmed", booking: outcome.booking, view };
      deps.notifier?.requested(input.username, outcome.booking);
      return { outcome: "pending", booking: outcome.booking, view, expiresAt };
    case "conflict":
      return conflictOf(deps.store, view, outcome.winner, slot, now);
    case "rejected":
      return commitRefusal(outcome.reason);
  }
}
