/** How records, commands and answers look on the way to and from the Lua scripts. */
import { canonicalJson } from "../../identity/index.js";
import type { CounterDecisionOutcome } from "../store.js";
import type { Agent, AuditEvent, Booking, CommitCommand, CommitOutcome, Hold } from "../types.js";
import { idempotencyField } from "./keys.js";

/** Lua's cjson writes an empty table as `{}`: lists come back as arrays whatever they were. */
export function list<T>(value: unknown): T[] {
  return Array.isArray(value) ? (value as T[]) : [];
}

/** Details stay JSON text in Redis: a cjson round trip would turn [] into {} and round numbers. */
export function publicBooking(raw: Booking & { dayKey?: string; detailsJson?: string }): Booking {
  const { dayKey: _d, detailsJson, ...b } = raw;
  return detailsJson === undefined ? b : { ...b, details: JSON.parse(detailsJson) };
}

/** The command as commit_one (lua/core/commit.lua) reads it. */
export function luaCommand(cmd: CommitCommand) {
  return {
    agentId: cmd.agentId,
    priority: cmd.priority,
    start: cmd.start,
    end: cmd.end,
    bookingId: cmd.bookingId,
    holdId: cmd.holdId ?? "",
    replaces: cmd.replaces ?? "",
    bumpWindowMs: cmd.bumpWindowMs,
    dayKey: cmd.dayKey,
    maxPerDay: cmd.maxPerDay,
    detailsJson: cmd.details === undefined ? "null" : canonicalJson(cmd.details),
    idemField: idempotencyField(cmd.agentId, "commit", cmd.idempotencyKey),
    fingerprint: cmd.fingerprint,
    actor: cmd.actor,
    pendingUntil: cmd.pending?.expiresAt ?? 0,
    requesterKey: cmd.requesterKey ?? "",
    maxPendingPerRequester: cmd.maxPendingPerRequester ?? 0,
    ...(cmd.remote && {
      remote: {
        address: cmd.remote.address,
        bookingId: cmd.remote.bookingId,
        status: cmd.remote.status,
      },
    }),
    callbackUrl: cmd.callbackUrl ?? "",
    ...(cmd.notice && { noticeMs: cmd.notice.ms, afterNotice: cmd.notice.afterwards ?? "" }),
  };
}

export function normalizeCommitOutcome(outcome: CommitOutcome): CommitOutcome {
  if (outcome.status !== "committed") return outcome;
  return {
    ...outcome,
    booking: publicBooking(outcome.booking),
    displacedHolds: list<Hold>(outcome.displacedHolds),
    evicted: list<Booking>(outcome.evicted).map(publicBooking),
  };
}

export function parseCounterDecision(reply: string): CounterDecisionOutcome {
  const outcome = JSON.parse(reply) as CounterDecisionOutcome;
  if (outcome.status !== "decided") return outcome;
  const { commit, ...rest } = outcome;
  if (!commit) return rest;
  return { ...rest, commit: normalizeCommitOutcome(commit) as typeof commit };
}

export function stripKey({ keyHash: _k, ...agent }: Agent & { keyHash?: string }): Agent {
  return agent;
}

export function parseEvent(message: Record<string, string>): AuditEvent {
  return { ...JSON.parse(message.event!), hash: message.hash! };
}
