/**
 * A local agent books its user a meeting with someone at another organization: the peer
 * is discovered and verified, the slot is held here, a request signed as the local user
 * goes to the peer's node, and then both calendars are booked or neither is.
 */
import type { Booking, Winner } from "../arbiter/index.js";
import { newId } from "../arbiter/index.js";
import type {
  AvailabilityProfile,
  Interval,
  ValidAvailabilityQuery,
} from "../availability/index.js";
import { UpstreamError } from "../errors.js";
import { fetchFreeBusy, postToPeer, type RemoteProfile } from "../federation/index.js";
import { didWebForDomain, signRequestToken } from "../identity/index.js";
import { isoUtc } from "../iso-time.js";
import { loadCalendar } from "./calendar.js";
import type { AgentCaller } from "./caller.js";
import { commitCommand, placeHold } from "./commit.js";
import type { BookingDeps } from "./deps.js";
import { agentAvailability } from "./queries.js";
import { commitRefusal, type RuleViolation } from "./results.js";
import { checkBookingRules } from "./rules.js";
import { suggestionsFor } from "./suggestions.js";

export interface MeetInput {
  /** The other person's address, user@domain. */
  with: string;
  start: number;
  end: number;
  subject?: string;
  note?: string;
  /**
   * "first_answer": a meeting this agent already has with `with` over exactly
   * [start, end), committed or pending, answers the request (`replay: true`) instead of a
   * second request to the peer (which would lose to the first as a conflict).
   */
  repeat?: "first_answer";
}

export interface MeetConflict {
  outcome: "conflict";
  /** Whose calendar refused: this node's, or the peer's. */
  side: "local" | "remote";
  reason: string;
  /** Starts free on both calendars, nearest first. */
  suggestions: Interval[];
  /** The local winner, when the local calendar refused. */
  winner?: Winner;
}

export type MeetResult =
  | { outcome: "confirmed"; booking: Booking; replay?: boolean }
  | { outcome: "pending"; booking: Booking; expiresAt: number; replay?: boolean }
  | MeetConflict
  | RuleViolation;

interface PeerEndpoints {
  meetingUrl: string;
  freeBusyUrl: string | undefined;
}

/** The peer's profile must verify, and name where requests go. */
export function peerEndpoints(remote: RemoteProfile): PeerEndpoints {
  const { self_proof, organization_proof } = remote.proofs;
  if (organization_proof.status !== "valid" || self_proof.status === "invalid")
    throw new UpstreamError(
      `The profile of ${remote.address} does not verify (${organization_proof.status === "valid" ? "self_proof" : "organization_proof"})`,
      "peer_unverified",
    );
  const confirm = (remote.profile.response_channel as { confirm?: Record<string, unknown> })
    ?.confirm;
  const meetingUrl = confirm?.meeting_response_url;
  if (typeof meetingUrl !== "string")
    throw new UpstreamError(
      `The profile of ${remote.address} names no meeting_response_url`,
      "peer_unverified",
    );
  const freeBusyUrl = confirm?.free_busy_url;
  return { meetingUrl, freeBusyUrl: typeof freeBusyUrl === "string" ? freeBusyUrl : undefined };
}

const SEARCH_MS = 7 * 86_400_000;

/** The peer's busy times around `around`, or none when it does not say (its node decides anyway). */
async function remoteBusy(deps: BookingDeps, url: string | undefined, around: Interval) {
  if (url === undefined) return [];
  try {
    const range = { start: around.start - SEARCH_MS, end: around.end + SEARCH_MS };
    return (await fetchFreeBusy(deps.peers.fetch, url, range, { cache: deps.peers.freeBusy })).busy;
  } catch {
    return [];
  }
}

/** Local suggestions that the peer's free/busy also shows free. */
async function freeOnBoth(
  deps: BookingDeps,
  caller: AgentCaller,
  remote: RemoteProfile,
  request: Interval,
): Promise<Interval[]> {
  const endpoints = peerEndpoints(remote);
  const [view, now, busy] = await Promise.all([
    loadCalendar(deps.store, caller.agent.username),
    deps.store.now(caller.agent.username),
    remoteBusy(deps, endpoints.freeBusyUrl, request),
  ]);
  const local = await suggestionsFor(deps.store, view, request, now, caller.agent.id, 20);
  const theirProfile = remote.profile as unknown as AvailabilityProfile;
  return local
    .filter(
      (s) =>
        checkBookingRules(theirProfile, undefined, s, now) === undefined &&
        !busy.some((b) => b.start < s.end && b.end > s.start),
    )
    .slice(0, 3);
}

/** This agent's meeting with `input.with` over exactly [start, end), if it still stands. */
async function standingMeeting(
  deps: BookingDeps,
  caller: AgentCaller,
  input: MeetInput,
): Promise<MeetResult | null> {
  const { agent } = caller;
  const range = { start: input.start, end: input.end };
  const [committed, pending] = await Promise.all([
    deps.store.listBookings(agent.username, range),
    deps.store.listPending(agent.username, range),
  ]);
  const same = (b: Booking) =>
    b.agentId === agent.id &&
    b.start === input.start &&
    b.end === input.end &&
    b.remote?.address === input.with;
  const booking = committed.find(same);
  if (booking) return { outcome: "confirmed", booking, replay: true };
  const asked = pending.find(same);
  if (asked?.pendingUntil !== undefined)
    return { outcome: "pending", booking: asked, expiresAt: asked.pendingUntil, replay: true };
  return null;
}

export async function requestMeeting(
  deps: BookingDeps,
  caller: AgentCaller,
  input: MeetInput,
): Promise<MeetResult> {
  const { agent } = caller;
  if (input.repeat) {
    const standing = await standingMeeting(deps, caller, input);
    if (standing) return standing;
  }
  const remote = await deps.peers.profiles.get(input.with);
  const endpoints = peerEndpoints(remote);
  const held = await placeHold(deps, caller, {
    start: input.start,
    end: input.end,
    request: { meeting_with: input.with, start: input.start, end: input.end },
  });
  if (held.outcome === "rule_violation") return held;
  if (held.outcome === "conflict")
    return {
      outcome: "conflict",
      side: "local",
      reason: "The slot is not free on this calendar",
      winner: held.winner,
      suggestions: await freeOnBoth(deps, caller, remote, input),
    };
  const release = () =>
    deps.store.releaseHold(agent.username, held.hold.id, agent.id, agent.id).catch(() => {});

  const bookingId = newId("bkg");
  const body = JSON.stringify({
    start_time: isoUtc(input.start),
    duration_minutes: Math.round((input.end - input.start) / 60_000),
    requester: `${agent.username}@${deps.peers.domain}`,
    ...(input.subject !== undefined && { subject: input.subject }),
    ...(input.note !== undefined && { note: input.note }),
    callback_url: `${deps.peers.publicUrl}/api/callbacks/${agent.username}/${bookingId}`,
  });
  let answer: Awaited<ReturnType<typeof postToPeer>>;
  try {
    const token = await signRequestToken(await deps.peers.signerFor(agent.username), {
      aud: didWebForDomain(remote.domain),
      htm: "POST",
      htu: endpoints.meetingUrl,
      body,
      now: deps.peers.clock.now(),
    });
    answer = await postToPeer(deps.peers.fetch, { url: endpoints.meetingUrl, token, body });
  } catch (err) {
    await release();
    throw err;
  }
  const reply = (answer.body ?? {}) as Record<string, unknown>;
  if (answer.status === 409) {
    await release();
    return {
      outcome: "conflict",
      side: "remote",
      reason:
        typeof reply.reason === "string" ? reply.reason : "The slot is not free on their calendar",
      suggestions: await freeOnBoth(deps, caller, remote, input),
    };
  }
  if (answer.status === 422) {
    await release();
    const reason = typeof reply.reason_code === "string" ? reply.reason_code : undefined;
    return remoteViolation(reason, reply);
  }
  const remoteId = reply.booking_id;
  if ((answer.status !== 201 && answer.status !== 202) || typeof remoteId !== "string") {
    await release();
    const code =
      answer.status >= 500 || answer.status === 429 ? "peer_unreachable" : "peer_unverified";
    const why = (reply.error as { code?: string; message?: string } | undefined) ?? {};
    throw new UpstreamError(
      `${input.with}'s node answered ${answer.status}${why.code ? ` ${why.code}` : ""}${why.message ? `: ${why.message}` : ""}`,
      code,
    );
  }
  const pending = answer.status === 202;
  const expiresAt = pending ? Date.parse(String(reply.expires_at)) : Number.NaN;
  const view = await loadCalendar(deps.store, agent.username);
  const cmd = {
    ...commitCommand(deps.settings, view, agent, {
      start: input.start,
      end: input.end,
      holdId: held.hold.id,
      details: {
        ...(input.subject !== undefined && { title: input.subject }),
        invitee: { address: input.with },
      },
      request: { meeting_with: input.with, remote_booking_id: remoteId },
    }),
    bookingId,
    // Frozen at once, like the other side: a bump here would leave their booking standing.
    bumpWindowMs: 0,
    remote: { address: input.with, bookingId: remoteId, status: pending ? "pending" : "confirmed" },
    ...(pending && {
      pending: { expiresAt: Number.isFinite(expiresAt) ? expiresAt : input.start },
    }),
  } as const;
  const outcome = await deps.store.commit(cmd);
  if (outcome.status === "committed")
    return pending
      ? { outcome: "pending", booking: outcome.booking, expiresAt: cmd.pending!.expiresAt }
      : { outcome: "confirmed", booking: outcome.booking };
  // Booked there but not here (the hold ran out and the slot was taken): undo theirs.
  await cancelRemote(deps, agent.username, { address: input.with, bookingId: remoteId }).catch(
    () => {},
  );
  if (outcome.status === "conflict")
    return {
      outcome: "conflict",
      side: "local",
      reason: "The slot was taken on this calendar before the peer answered",
      winner: outcome.winner,
      suggestions: await freeOnBoth(deps, caller, remote, input),
    };
  return commitRefusal(outcome.reason);
}

/** Their node refused by one of their person's rules: the same answer as a local rule. */
function remoteViolation(
  reason: string | undefined,
  reply: Record<string, unknown>,
): RuleViolation {
  const known = [
    "blackout",
    "outside_schedule",
    "insufficient_notice",
    "focus_time",
    "daily_limit",
  ];
  const error = reply.error as { message?: string } | undefined;
  return {
    outcome: "rule_violation",
    reason: (known.includes(reason ?? "") ? reason : "outside_schedule") as RuleViolation["reason"],
    message: `Their calendar refuses it: ${error?.message ?? reason ?? "a rule of theirs"}`,
  };
}

/** Cancels the remote side of an outbound meeting (DELETE on the peer's booking, signed). */
export async function cancelRemote(
  deps: BookingDeps,
  username: string,
  remote: { address: string; bookingId: string },
): Promise<boolean> {
  const profile = await deps.peers.profiles.get(remote.address);
  const { meetingUrl } = peerEndpoints(profile);
  const url = `${meetingUrl}/${encodeURIComponent(remote.bookingId)}`;
  const token = await signRequestToken(await deps.peers.signerFor(username), {
    aud: didWebForDomain(profile.domain),
    htm: "DELETE",
    htu: url,
    body: "",
    now: deps.peers.clock.now(),
  });
  const answer = await postToPeer(deps.peers.fetch, { url, token, body: "", method: "DELETE" });
  return answer.status === 200 || answer.status === 404 || answer.status === 409;
}

/**
 * Slots free on both calendars: this user's (the agent's own holds do not hide slots from
 * it) minus the other person's busy times, read from their node's free/busy.
 */
export async function availabilityWith(
  deps: BookingDeps,
  caller: AgentCaller,
  query: ValidAvailabilityQuery,
  address: string,
): Promise<{ timezone: string; slots: Interval[] }> {
  const remote = await deps.peers.profiles.get(address);
  const { freeBusyUrl } = peerEndpoints(remote);
  if (freeBusyUrl === undefined)
    throw new UpstreamError(`The profile of ${address} names no free_busy_url`, "peer_unverified");
  const [local, theirs] = await Promise.all([
    agentAvailability(deps, caller, query),
    fetchFreeBusy(deps.peers.fetch, freeBusyUrl, query.range, { cache: deps.peers.freeBusy }),
  ]);
  // Their hours, blackouts and notice, from their signed profile; their bookings, from free/busy.
  const now = await deps.store.now(caller.agent.username);
  const theirProfile = remote.profile as unknown as AvailabilityProfile;
  const slots = local.slots.filter(
    (s) =>
      checkBookingRules(theirProfile, undefined, s, now) === undefined &&
      !theirs.busy.some((b) => b.start < s.end && b.end > s.start),
  );
  return { timezone: local.timezone, slots };
}
