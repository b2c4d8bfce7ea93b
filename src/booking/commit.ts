/**
 * Hold and commit: the person's rules first, then one atomic decision in the store, then
 * the result — with suggestions when the request lost.
 */
import type {
  Agent,
  ArbitrationField,
  CommitCommand,
  CommitOutcome,
  HoldOutcome,
} from "../arbiter/index.js";
import { newId } from "../arbiter/index.js";
import { localDayKey } from "../availability/index.js";
import { type CalendarView, loadCalendar } from "./calendar.js";
import type { AgentCaller } from "./caller.js";
import type { BookingDeps, BookingSettings } from "./deps.js";
import { fingerprint } from "./fingerprint.js";
import {
  type CommitResult,
  type Committed,
  commitRefusal,
  type HoldResult,
  ruleViolation,
} from "./results.js";
import { checkBookingRules, checkTimelessRules, noticeMs, type RULE_MESSAGES } from "./rules.js";
import { conflictOf } from "./suggestions.js";

export interface HoldInput {
  start: number;
  end: number;
  idempotencyKey?: string;
  /** What the idempotency key is bound to: the request as the door received it. */
  request: unknown;
}

export interface CommitInput {
  start: number;
  end: number;
  holdId?: string;
  /** A booking of the same agent that this commit replaces atomically (a moved meeting). */
  replaces?: string;
  /** Title, invitee, metadata: kept verbatim on the booking. */
  details?: Record<string, unknown>;
  idempotencyKey?: string;
  request: unknown;
}

/**
 * The rules' verdict, unless the request retries one already answered: a retry gets the
 * first answer even if the rules would now refuse it (notice passed).
 */
async function checkRules(
  deps: BookingDeps,
  view: CalendarView,
  agent: Agent,
  kind: "hold" | "commit",
  input: HoldInput | CommitInput,
  now: number,
): Promise<{ prior?: HoldOutcome | CommitOutcome; violation?: keyof typeof RULE_MESSAGES }> {
  const reason = checkBookingRules(view.profile, view.rules, input, now);
  if (!reason) return {};
  if (input.idempotencyKey !== undefined) {
    const prior = await deps.store.findReplay(
      agent.username,
      agent.id,
      kind,
      input.idempotencyKey,
      fingerprint(input.request),
    );
    if (prior) return { prior };
  }
  return { violation: reason };
}

export async function placeHold(
  deps: BookingDeps,
  caller: AgentCaller,
  input: HoldInput,
): Promise<HoldResult> {
  const { agent } = caller;
  const [view, now] = await Promise.all([
    loadCalendar(deps.store, agent.username),
    deps.store.now(agent.username),
  ]);
  const checked = await checkRules(deps, view, agent, "hold", input, now);
  if (checked.violation) return ruleViolation(checked.violation);
  // Beside the decision, not awaited: showing the agent at work costs the answer no wait
  // (it never throws; on Redis it goes out ahead of the agent's next request's commands).
  void deps.activity?.acting(agent, now);
  const outcome =
    (checked.prior as HoldOutcome | undefined) ??
    (await deps.store.hold({
      username: agent.username,
      agentId: agent.id,
      priority: agent.priority,
      start: input.start,
      end: input.end,
      holdId: newId("hld"),
      ttlMs: deps.settings.holdTtlSeconds * 1000,
      idempotencyKey: input.idempotencyKey,
      fingerprint: fingerprint(input.request),
    }));
  if (outcome.status === "conflict")
    return conflictOf(deps.store, view, outcome.winner, input, now, agent.id);
  if (outcome.status !== "held") return ruleViolation("idempotency_key_reused");
  return {
    outcome: "held",
    hold: outcome.hold,
    auditRef: outcome.auditRef,
    replay: outcome.replay,
  };
}

/** The store command for a commit (direct, arbitrated, or a counter-proposal's accept). */
export function commitCommand(
  settings: BookingSettings,
  view: CalendarView,
  agent: Agent,
  input: CommitInput,
  actor = agent.id,
): CommitCommand {
  return {
    username: agent.username,
    agentId: agent.id,
    priority: agent.priority,
    start: input.start,
    end: input.end,
    bookingId: newId("bkg"),
    holdId: input.holdId,
    replaces: input.replaces,
    bumpWindowMs: settings.bumpWindowSeconds * 1000,
    dayKey: localDayKey(input.start, view.profile.timezone),
    maxPerDay: view.profile.max_bookings_per_day ?? 0,
    details: input.details,
    idempotencyKey: input.idempotencyKey,
    // Only an idempotency key is bound to the request: without one, nothing reads it.
    fingerprint: input.idempotencyKey === undefined ? "" : fingerprint(input.request),
    actor,
  };
}

/** A commit outcome of the store as the use case's result. */
export async function commitResult(
  deps: BookingDeps,
  view: CalendarView,
  agent: Agent,
  input: CommitInput,
  outcome: CommitOutcome,
  now: number,
): Promise<CommitResult> {
  switch (outcome.status) {
    case "committed": {
      const { booking, displacedHolds, evicted, auditRef, replay } = outcome;
      if (booking.status === "pending" && booking.pendingUntil !== undefined) {
        if (!replay) deps.notifier?.requested(agent.username, booking);
        return { outcome: "pending", booking, expiresAt: booking.pendingUntil, auditRef, replay };
      }
      return { outcome: "committed", booking, displacedHolds, evicted, auditRef, replay };
    }
    case "conflict":
      return conflictOf(deps.store, view, outcome.winner, input, now, agent.id);
    case "rejected":
      return commitRefusal(outcome.reason);
  }
}

/**
 * A senior (an agent ranked as high or higher) that made no request for this long and
 * holds no live hold is not racing: a commit need not wait for it (PROTOCOL §10.3). The
 * default lifetime of a presence: an agent between two steps of its loop (availability,
 * hold, commit) is seldom silent longer, and a racing one never is.
 */
export const SENIOR_RECENT_MS = 60_000;

/**
 * Whether the agent's commit need not wait (no other agent of the user ranks as high:
 * nobody could win the window against it; ties wait, to keep arrival order), and who
 * could enter the window, so that it settles as soon as nobody left could win it, or is
 * skipped when none of the agent's seniors is recently active.
 */
async function arbitrationOf(
  deps: BookingDeps,
  agent: Agent,
): Promise<{ outranks: boolean; who: ArbitrationField }> {
  const agents = await deps.store.listAgents(agent.username);
  const seniors = agents.filter((a) => a.id !== agent.id && a.priority <= agent.priority);
  return {
    outranks: seniors.length === 0,
    who: {
      agents: agents.length,
      topPriority: Math.min(agent.priority, ...agents.map((a) => a.priority)),
      seniors: seniors.map((a) => a.id),
      recentMs: SENIOR_RECENT_MS,
    },
  };
}

/**
 * When a request waiting for the person expires: after the pending TTL, and never past
 * the slot's start minus the profile's notice.
 */
export function pendingExpiry(
  settings: BookingSettings,
  view: CalendarView,
  start: number,
  now: number,
): number {
  const noticeMs = (view.profile.min_notice_hours ?? 0) * 3_600_000;
  return Math.min(now + settings.pendingTtlSeconds * 1000, start - noticeMs);
}

/**
 * A commit that need not wait, in one round trip: the store checks the person's notice at
 * its own clock (the time is not read first) and answers with that time; the rules that
 * do not depend on the time were checked here. Same verdicts, in the same order, as
 * checkRules at the store's time.
 */
async function commitAtStoreTime(
  deps: BookingDeps,
  view: CalendarView,
  agent: Agent,
  input: CommitInput,
  afterNotice: "focus_time" | undefined,
): Promise<CommitResult> {
  const cmd = commitCommand(deps.settings, view, agent, input);
  cmd.notice = { ms: noticeMs(view.profile), ...(afterNotice && { afterwards: afterNotice }) };
  const outcome = await deps.store.commit(cmd);
  const now = outcome.now ?? (await deps.store.now(agent.username));
  // Refused by a rule, the commit never reached the calendar: the agent is not shown acting.
  const refusedByRule =
    outcome.status === "rejected" &&
    (outcome.reason === "insufficient_notice" || outcome.reason === "focus_time");
  // Not awaited: the answer does not wait for presence (advisory; it never throws).
  if (!refusedByRule) void deps.activity?.acting(agent, now);
  return commitResult(deps, view, agent, input, outcome, now);
}

/** A commit: through the arbitration window when another agent could outrank it. */
export async function commitBooking(
  deps: BookingDeps,
  caller: AgentCaller,
  input: CommitInput,
): Promise<CommitResult> {
  const { agent } = caller;
  const windowMs = deps.settings.arbitrationWindowMs;
  // Independent reads, both cached in the process as a rule: usually no round trip.
  const [view, arbitration] = await Promise.all([
    loadCalendar(deps.store, agent.username),
    windowMs === 0 ? undefined : arbitrationOf(deps, agent),
  ]);
  if ((arbitration === undefined || arbitration.outranks) && agent.requiresAck !== true) {
    const timeless = checkTimelessRules(view.profile, view.rules, input);
    if (timeless.beforeNotice === undefined)
      return commitAtStoreTime(deps, view, agent, input, timeless.afterNotice);
  }
  const now = await deps.store.now(agent.username);
  const checked = await checkRules(deps, view, agent, "commit", input, now);
  if (checked.violation) return ruleViolation(checked.violation);
  const cmd = commitCommand(deps.settings, view, agent, input);
  // An agent the person must acknowledge asks: its commit waits as a pending booking.
  if (agent.requiresAck === true)
    cmd.pending = { expiresAt: pendingExpiry(deps.settings, view, input.start, now) };
  void deps.activity?.acting(agent, now);
  const outcome =
    (checked.prior as CommitOutcome | undefined) ??
    (arbitration === undefined || arbitration.outranks
      ? await deps.store.commit(cmd)
      : await deps.store.arbitrate(cmd, windowMs, arbitration.who));
  return commitResult(deps, view, agent, input, outcome, now);
}

export type { Committed };
