/**
 * What an agent asks of a calendar — hold, commit, release, cancel — turned into store
 * decisions: rule checks first (422), then one atomic step in the store, then the
 * answer, with suggestions when the request lost.
 */

import { createHash } from "node:crypto";
import {
  type AvailabilityProfile,
  localDayKey,
  suggestTimes,
  type UserRules,
} from "../availability/index.js";
import {
  ConflictError,
  NotFoundError,
  RuleViolationError,
  StoreUnavailableError,
} from "../errors.js";
import { canonicalJson } from "../identity/index.js";
import { isoUtc } from "../iso-time.js";
import { checkBookingRules, RULE_MESSAGES } from "./booking-rules.js";
import { newId } from "./ids.js";
import type { Store } from "./store.js";
import type { Agent, CommitOutcome, HoldOutcome, Winner } from "./types.js";

export interface ArbiterSettings {
  holdTtlSeconds: number;
  bumpWindowSeconds: number;
  arbitrationWindowMs: number;
}

export interface CalendarView {
  profile: AvailabilityProfile & Record<string, unknown>;
  rules: UserRules | undefined;
}

/** Parsed profiles by ETag: a profile is parsed once per change, not once per request. */
const parsedProfiles = new Map<string, CalendarView["profile"]>();
const MAX_PARSED_PROFILES = 1000;

function parsedProfile(etag: string, published: string): CalendarView["profile"] {
  let profile = parsedProfiles.get(etag);
  if (!profile) {
    profile = JSON.parse(published) as CalendarView["profile"];
    if (parsedProfiles.size >= MAX_PARSED_PROFILES) parsedProfiles.clear();
    parsedProfiles.set(etag, profile);
  }
  return profile;
}

/** The user's signed profile (shared, read-only) and rules. */
export async function loadCalendar(store: Store, username: string): Promise<CalendarView> {
  const [user, rules] = await Promise.all([store.getUser(username), store.getRules(username)]);
  if (!user) throw new NotFoundError(`No user "${username}"`, "unknown_user");
  return {
    profile: parsedProfile(user.etag, user.published),
    rules: (rules as UserRules | null) ?? undefined,
  };
}

export function fingerprint(body: unknown): string {
  return createHash("sha256")
    .update(canonicalJson(body ?? null))
    .digest("base64url");
}

/** Free slots of the same length near the requested time, for a losing request. */
export async function suggestionsFor(
  store: Store,
  view: CalendarView,
  request: { start: number; end: number },
  now: number,
  excludeAgentId?: string,
): Promise<string[]> {
  const durationMinutes = Math.max(5, Math.round((request.end - request.start) / 60_000));
  const window = { start: request.start - 7 * 86_400_000, end: request.end + 7 * 86_400_000 };
  const [bookings, holds] = await Promise.all([
    store.listBookings(view.profile.username as string, window),
    store.listHolds(view.profile.username as string, window),
  ]);
  const slots = suggestTimes({
    profile: view.profile,
    rules: view.rules,
    bookings,
    holds: holds.filter((h) => h.agentId !== excludeAgentId),
    now,
    around: request.start,
    durationMinutes,
    count: 3,
  });
  return slots.map((s) => isoUtc(s.start));
}

export async function conflictFor(
  store: Store,
  view: CalendarView,
  winner: Winner,
  request: { start: number; end: number },
  now: number,
  agentId: string,
): Promise<ConflictError> {
  const username = view.profile.username as string;
  const [suggested, events] = await Promise.all([
    suggestionsFor(store, view, request, now, agentId),
    store.readAudit(username, { resource: winner.id }),
  ]);
  return new ConflictError(
    winner.kind === "booking"
      ? `The slot is booked by agent ${winner.agentId} (priority ${winner.priority})${winner.frozen ? " and the booking is frozen" : ""}`
      : `The slot is held by agent ${winner.agentId} (priority ${winner.priority})`,
    {
      winning_agent_id: winner.agentId,
      winning_agent_priority: winner.priority,
      winner: {
        kind: winner.kind,
        id: winner.id,
        agent_id: winner.agentId,
        priority: winner.priority,
        start: isoUtc(winner.start),
        end: isoUtc(winner.end),
        frozen: winner.frozen,
      },
      audit_ref: events.at(-1)?.id ?? null,
      suggested_times: suggested,
    },
  );
}

/**
 * Refuses a request that breaks a rule — unless it retries one already answered: a
 * retry gets the first answer even if the rules would now refuse it (notice passed).
 */
async function enforceRules(
  store: Store,
  view: CalendarView,
  agent: Agent,
  kind: "hold" | "commit",
  request: { start: number; end: number; idempotencyKey?: string; body: unknown },
  now: number,
): Promise<HoldOutcome | CommitOutcome | undefined> {
  const reason = checkBookingRules(view.profile, view.rules, request, now);
  if (!reason) return undefined;
  if (request.idempotencyKey !== undefined) {
    const prior = await store.findReplay(
      agent.username,
      agent.id,
      kind,
      request.idempotencyKey,
      fingerprint(request.body),
    );
    if (prior) return prior;
  }
  throw new RuleViolationError(reason, RULE_MESSAGES[reason]);
}

export async function placeHold(
  store: Store,
  settings: ArbiterSettings,
  agent: Agent,
  request: { start: number; end: number; idempotencyKey?: string; body: unknown },
): Promise<HoldOutcome & { status: "held" }> {
  const [view, now] = await Promise.all([loadCalendar(store, agent.username), store.now()]);
  const prior = (await enforceRules(store, view, agent, "hold", request, now)) as
    | HoldOutcome
    | undefined;
  const outcome =
    prior ??
    (await store.hold({
      username: agent.username,
      agentId: agent.id,
      priority: agent.priority,
      start: request.start,
      end: request.end,
      holdId: newId("hld"),
      ttlMs: settings.holdTtlSeconds * 1000,
      idempotencyKey: request.idempotencyKey,
      fingerprint: fingerprint(request.body),
    }));
  if (outcome.status === "conflict")
    throw await conflictFor(store, view, outcome.winner, request, now, agent.id);
  if (outcome.status !== "held") throw idempotencyMismatch();
  return outcome;
}

export interface CommitRequest {
  start: number;
  end: number;
  holdId?: string;
  replaces?: string;
  details?: Record<string, unknown>;
  idempotencyKey?: string;
  body: unknown;
}

/** Builds the store command for a commit (shared by direct and arbitrated commits). */
export function commitCommand(
  settings: ArbiterSettings,
  view: CalendarView,
  agent: Agent,
  request: CommitRequest,
) {
  return {
    username: agent.username,
    agentId: agent.id,
    priority: agent.priority,
    start: request.start,
    end: request.end,
    bookingId: newId("bkg"),
    holdId: request.holdId,
    replaces: request.replaces,
    bumpWindowMs: settings.bumpWindowSeconds * 1000,
    dayKey: localDayKey(request.start, view.profile.timezone),
    maxPerDay: view.profile.max_bookings_per_day ?? 0,
    details: request.details,
    idempotencyKey: request.idempotencyKey,
    fingerprint: fingerprint(request.body),
    actor: agent.id,
  };
}

export function idempotencyMismatch(): Error {
  return new RuleViolationError(
    "idempotency_key_reused",
    "This Idempotency-Key was used with a different request",
  );
}

/** Maps a commit outcome to the answer or the error the agent gets. */
export async function answerCommit(
  store: Store,
  view: CalendarView,
  agent: Agent,
  request: CommitRequest,
  outcome: CommitOutcome,
  now: number,
): Promise<CommitOutcome & { status: "committed" }> {
  if (outcome.status === "committed") return outcome;
  if (outcome.status === "conflict")
    throw await conflictFor(store, view, outcome.winner, request, now, agent.id);
  switch (outcome.reason) {
    case "daily_limit":
      throw new RuleViolationError(
        "daily_limit",
        "The person's daily booking limit is reached on that day",
      );
    case "hold_not_found":
      throw new NotFoundError(
        "No live hold of this agent over this slot with that hold_id",
        "hold_not_found",
      );
    case "booking_not_found":
      throw new NotFoundError(
        "No committed booking of this agent with that id",
        "booking_not_found",
      );
    case "arbitration_expired":
      throw new StoreUnavailableError(
        "The commit was not decided in time and nothing was booked; retry it",
      );
    case "idempotency_mismatch":
      throw idempotencyMismatch();
  }
}

/**
 * True when no other agent of the user ranks as high: nobody could win the window
 * against it, so its commit need not wait (ties wait, to keep arrival order).
 */
async function outranksEveryone(store: Store, agent: Agent): Promise<boolean> {
  const agents = await store.listAgents(agent.username);
  return agents.every((a) => a.id === agent.id || a.priority > agent.priority);
}

/** A commit: through the arbitration window when another agent could outrank it. */
export async function commitBooking(
  store: Store,
  settings: ArbiterSettings,
  agent: Agent,
  request: CommitRequest,
): Promise<CommitOutcome & { status: "committed" }> {
  // Independent reads, one round trip of waiting instead of three.
  const [view, now, outranks] = await Promise.all([
    loadCalendar(store, agent.username),
    store.now(),
    settings.arbitrationWindowMs === 0 ? true : outranksEveryone(store, agent),
  ]);
  const prior = (await enforceRules(store, view, agent, "commit", request, now)) as
    | CommitOutcome
    | undefined;
  const cmd = commitCommand(settings, view, agent, request);
  const direct = settings.arbitrationWindowMs === 0 || outranks;
  const outcome =
    prior ??
    (direct ? await store.commit(cmd) : await store.arbitrate(cmd, settings.arbitrationWindowMs));
  return answerCommit(store, view, agent, request, outcome, now);
}
