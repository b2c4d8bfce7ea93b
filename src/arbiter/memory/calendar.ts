/**
 * One user's calendar in memory: the same decisions as the Redis scripts, made
 * synchronously so each is atomic within the process. Keep it in step with
 * `redis/lua/*.lua`; the differential test checks they agree.
 */
import { GENESIS_HASH, sealEvent } from "../../audit/chain.js";
import type { CancelOutcome, CounterProposal, ReleaseOutcome } from "../store.js";
import type {
  AuditEvent,
  Booking,
  CommitCommand,
  CommitOutcome,
  Hold,
  HoldCommand,
  HoldOutcome,
  Winner,
} from "../types.js";
import { MAX_SPAN_MS } from "../types.js";
import {
  bookingRef,
  bookingStateData,
  holdData,
  partiesData,
  requestEndData,
} from "./booking-data.js";
import { StartIndex } from "./start-index.js";

type Answer = HoldOutcome | CommitOutcome;
type StoredBooking = Booking & { dayKey: string };

const overlaps = (a: { start: number; end: number }, s: number, e: number) =>
  a.end > s && a.start < e;

/** The order of the Redis start indexes (ZRANGEBYSCORE): start, then id bytewise. */
const byStartThenId = (a: { start: number; id: string }, b: { start: number; id: string }) =>
  a.start - b.start || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

export function winnerOf(kind: Winner["kind"], r: Hold | Booking, now: number): Winner {
  return {
    kind,
    id: r.id,
    agentId: r.agentId,
    priority: r.priority,
    start: r.start,
    end: r.end,
    frozen: kind === "booking" && now >= (r as Booking).frozenAt,
  };
}

export function stronger(a: Winner, b: Winner | undefined): boolean {
  if (!b) return true;
  if (a.priority !== b.priority) return a.priority < b.priority;
  return a.start !== b.start ? a.start < b.start : a.id < b.id;
}

/**
 * The calendar's maps and indexes are made on first use: most users of a large
 * organization never hold or book, and each empty Map costs ~200 bytes (~1.5 KB a
 * calendar, 150 MB at 100,000 users). Code that only counts or purges reads the fields,
 * so it creates nothing.
 */
export class Calendar {
  #holds?: Map<string, Hold>;
  #bookings?: Map<string, StoredBooking>;
  /** Committed and pending bookings by start: the `active` sorted set of the scripts. */
  #active?: StartIndex;
  /** Pending bookings: the `pending_exp` set of the scripts. */
  #pendingIds?: Set<string>;
  #dayCount?: Map<string, number>;
  readonly events: AuditEvent[] = [];
  /** The events of each resource, in order: the `audit_res` index of the scripts. */
  #eventsByResource?: Map<string, AuditEvent[]>;
  #counters?: Map<string, CounterProposal>;
  /** Mentions and suggestions, by `<kind>:<id>`, serialized. */
  #personRecords?: Map<string, string>;
  #idempotency?: Map<string, { fingerprint: string; answer: Answer; until: number }>;

  get holds(): Map<string, Hold> {
    this.#holds ??= new Map();
    return this.#holds;
  }
  get bookings(): Map<string, StoredBooking> {
    this.#bookings ??= new Map();
    return this.#bookings;
  }
  private get active(): StartIndex {
    this.#active ??= new StartIndex();
    return this.#active;
  }
  private get pendingIds(): Set<string> {
    this.#pendingIds ??= new Set();
    return this.#pendingIds;
  }
  get dayCount(): Map<string, number> {
    this.#dayCount ??= new Map();
    return this.#dayCount;
  }
  get eventsByResource(): Map<string, AuditEvent[]> {
    this.#eventsByResource ??= new Map();
    return this.#eventsByResource;
  }
  get counters(): Map<string, CounterProposal> {
    this.#counters ??= new Map();
    return this.#counters;
  }
  get personRecords(): Map<string, string> {
    this.#personRecords ??= new Map();
    return this.#personRecords;
  }
  private get idempotency(): Map<string, { fingerprint: string; answer: Answer; until: number }> {
    this.#idempotency ??= new Map();
    return this.#idempotency;
  }
  /** Live holds kept now (expired ones too, until the next purge). */
  get holdCount(): number {
    return this.#holds?.size ?? 0;
  }
  private eventCount = 0;
  private eventPrefix = "";

  /** Starts one atomic step: the event ids of this step share a prefix. */
  begin(eventPrefix: string): void {
    this.eventPrefix = eventPrefix;
    this.eventCount = 0;
  }

  audit(now: number, type: string, actor: string, resource: string, data: Record<string, unknown>) {
    const last = this.events[this.events.length - 1];
    this.eventCount += 1;
    const event = sealEvent({
      seq: (last?.seq ?? 0) + 1,
      id: `${this.eventPrefix}${this.eventCount}`,
      type,
      at: now,
      actor,
      resource,
      data,
      prev_hash: last?.hash ?? GENESIS_HASH,
    });
    this.events.push(event);
    const ofResource = this.eventsByResource.get(resource);
    if (ofResource) ofResource.push(event);
    else this.eventsByResource.set(resource, [event]);
    return event.id;
  }

  /** Forgets idempotency records past their 24 h and expired holds. */
  purgeExpired(now: number): void {
    if (this.#idempotency)
      for (const [key, r] of this.#idempotency) if (r.until <= now) this.#idempotency.delete(key);
    this.purgeExpiredHolds(now);
  }

  /** Idempotency records kept now (expired ones too, until the next purge). */
  get idempotencyRecords(): number {
    return this.#idempotency?.size ?? 0;
  }

  purgeExpiredHolds(now: number): void {
    if (this.#holds)
      for (const [id, h] of this.#holds) if (h.expiresAt <= now) this.#holds.delete(id);
  }

  /**
   * Pending bookings past pendingUntil become `expired`, oldest first (ties: id), each
   * with a booking.expired event by "system", as core/pending.lua expire_pending does.
   */
  expirePending(now: number): Booking[] {
    const due = this.livePending().filter((b) => b.pendingUntil! <= now);
    for (const b of due) {
      this.setStatus(b, "expired");
      b.endedAt = now;
      this.audit(now, "booking.expired", "system", b.id, requestEndData(b));
    }
    return structuredClone(due);
  }

  /** Live pending bookings, earliest expiry first (call after expirePending). */
  livePending(): StoredBooking[] {
    return [...this.pendingIds]
      .map((id) => this.bookings.get(id)!)
      .sort(
        (a, b) => a.pendingUntil! - b.pendingUntil! || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
      );
  }

  replay(key: string | undefined, fingerprint: string, now: number): Answer | undefined {
    if (key === undefined) return undefined;
    const stored = this.idempotency.get(key);
    if (!stored || stored.until <= now) return undefined;
    if (stored.fingerprint !== fingerprint)
      return { status: "rejected", reason: "idempotency_mismatch", replay: true };
    return { ...structuredClone(stored.answer), replay: true };
  }

  private remember<T extends Answer>(
    key: string | undefined,
    fingerprint: string,
    now: number,
    answer: T,
  ): T {
    if (key !== undefined)
      this.idempotency.set(key, {
        fingerprint,
        answer: structuredClone(answer),
        until: now + 86_400_000,
      });
    return answer;
  }

  hold(cmd: HoldCommand, now: number, idemKey: string | undefined): HoldOutcome {
    const replay = this.replay(idemKey, cmd.fingerprint, now);
    if (replay) return replay as HoldOutcome;
    this.purgeExpiredHolds(now);
    this.expirePending(now);
    let winner: Winner | undefined;
    for (const b of this.activeOverlapping(cmd.start, cmd.end)) {
      const w = winnerOf("booking", b, now);
      if (stronger(w, winner)) winner = w;
    }
    for (const h of this.holds.values()) {
      if (h.agentId === cmd.agentId || !overlaps(h, cmd.start, cmd.end)) continue;
      const w = winnerOf("hold", h, now);
      if (stronger(w, winner)) winner = w;
    }
    if (winner)
      return this.remember(idemKey, cmd.fingerprint, now, {
        status: "conflict",
        winner,
        replay: false,
      });
    const hold: Hold = {
      id: cmd.holdId,
      agentId: cmd.agentId,
      priority: cmd.priority,
      start: cmd.start,
      end: cmd.end,
      createdAt: now,
      expiresAt: now + cmd.ttlMs,
    };
    this.holds.set(hold.id, hold);
    const auditRef = this.audit(now, "hold.created", cmd.agentId, hold.id, holdData(hold));
    return this.remember(idemKey, cmd.fingerprint, now, {
      status: "held",
      hold,
      auditRef,
      replay: false,
    });
  }

  release(holdId: string, agentId: string | undefined, actor: string, now: number): ReleaseOutcome {
    this.purgeExpiredHolds(now);
    this.expirePending(now);
    const hold = this.holds.get(holdId);
    if (!hold || (agentId !== undefined && hold.agentId !== agentId))
      return { status: "rejected", reason: "hold_not_found" };
    this.holds.delete(holdId);
    const auditRef = this.audit(now, "hold.released", actor, holdId, {
      hold: holdData(hold),
      reason: "released",
    });
    return { status: "released", hold, auditRef };
  }

  /**
   * Committed and live pending bookings overlapping [s, e), by start (call after
   * expirePending), read as core/common.lua overlapping_bookings reads them: they never
   * overlap each other, so of those starting before s only the last can reach into the
   * range.
   */
  activeOverlapping(s: number, e: number): StoredBooking[] {
    const ids = this.active.between(s, e);
    const last = this.active.lastBefore(s);
    if (last !== undefined) ids.unshift(last);
    return ids.map((id) => this.bookings.get(id)!).filter((b) => overlaps(b, s, e));
  }

  /**
   * Committed and pending bookings overlapping the range, by start, read as the Redis
   * store reads them: those starting less than MAX_SPAN_MS before it (no booking is longer).
   */
  activeInRange(range: { start: number; end: number }): StoredBooking[] {
    return this.active
      .between(range.start - MAX_SPAN_MS, range.end, true)
      .map((id) => this.bookings.get(id)!)
      .filter((b) => overlaps(b, range.start, range.end));
  }

  /** Adds a booking, committed or pending, to the calendar and its indexes. */
  private addBooking(b: StoredBooking): void {
    this.bookings.set(b.id, b);
    this.active.add(b.start, b.id);
    if (b.status === "pending") this.pendingIds.add(b.id);
  }

  /** Changes a booking's status and keeps the indexes in step (an ended booking leaves them). */
  setStatus(b: StoredBooking, status: Booking["status"]): void {
    b.status = status;
    if (status !== "pending") this.pendingIds.delete(b.id);
    if (status !== "committed" && status !== "pending") this.active.remove(b.start, b.id);
  }

  commit(cmd: CommitCommand, now: number, idemKey: string | undefined): CommitOutcome {
    const replay = this.replay(idemKey, cmd.fingerprint, now);
    if (replay) return replay as CommitOutcome;
    if (cmd.notice) {
      // As commit_one in core/commit.lua: neither refusal is remembered, nothing is written.
      if (cmd.start < now + cmd.notice.ms)
        return { status: "rejected", reason: "insufficient_notice", replay: false };
      if (cmd.notice.afterwards)
        return { status: "rejected", reason: cmd.notice.afterwards, replay: false };
    }
    this.purgeExpiredHolds(now);
    this.expirePending(now);
    const pending = cmd.pending !== undefined && cmd.pending.expiresAt > 0;
    const reject = (
      reason: "daily_limit" | "hold_not_found" | "booking_not_found" | "too_many_pending",
    ) =>
      this.remember(idemKey, cmd.fingerprint, now, {
        status: "rejected",
        reason,
        replay: false,
      } as const);
    const held = cmd.holdId !== undefined ? this.holds.get(cmd.holdId) : undefined;
    // A hold names the slot it reserved: one elsewhere would stay live and busy.
    if (
      cmd.holdId !== undefined &&
      (held?.agentId !== cmd.agentId || !overlaps(held, cmd.start, cmd.end))
    )
      return reject("hold_not_found");
    const replaced = cmd.replaces !== undefined ? this.bookings.get(cmd.replaces) : undefined;
    if (
      cmd.replaces !== undefined &&
      (replaced?.status !== "committed" || replaced.agentId !== cmd.agentId)
    )
      return reject("booking_not_found");
    const requester = cmd.requesterKey ?? "";
    const maxPending = cmd.maxPendingPerRequester ?? 0;
    if (
      pending &&
      requester !== "" &&
      maxPending > 0 &&
      this.livePending().filter((b) => b.requesterKey === requester).length >= maxPending
    )
      return reject("too_many_pending");

    let winner: Winner | undefined;
    const own: Hold[] = [];
    const displaced: Hold[] = [];
    const evicted: StoredBooking[] = [];
    for (const h of [...this.holds.values()].sort(byStartThenId)) {
      if (!overlaps(h, cmd.start, cmd.end)) continue;
      if (h.agentId === cmd.agentId) own.push(h);
      else if (h.priority < cmd.priority) {
        const w = winnerOf("hold", h, now);
        if (stronger(w, winner)) winner = w;
      } else displaced.push(h);
    }
    for (const b of this.activeOverlapping(cmd.start, cmd.end)) {
      if (b.id === cmd.replaces) continue;
      // A request evicts nothing; a pending booking is never evicted.
      if (!pending && b.status === "committed" && cmd.priority < b.priority && now < b.frozenAt)
        evicted.push(b);
      else {
        const w = winnerOf("booking", b, now);
        if (stronger(w, winner)) winner = w;
      }
    }
    if (winner)
      return this.remember(idemKey, cmd.fingerprint, now, {
        status: "conflict",
        winner,
        replay: false,
      });
    if (cmd.maxPerDay > 0) {
      let count = this.dayCount.get(cmd.dayKey) ?? 0;
      count -= evicted.filter((b) => b.dayKey === cmd.dayKey).length;
      if (replaced?.dayKey === cmd.dayKey) count -= 1;
      if (count >= cmd.maxPerDay) return reject("daily_limit");
    }

    const endBooking = (
      b: StoredBooking,
      status: Booking["status"],
      type: string,
      data: object,
    ) => {
      this.setStatus(b, status);
      b.endedAt = now;
      this.dayCount.set(b.dayKey, (this.dayCount.get(b.dayKey) ?? 0) - 1);
      this.audit(now, type, cmd.actor, b.id, data as Record<string, unknown>);
    };
    for (const h of own) {
      this.holds.delete(h.id);
      this.audit(now, "hold.released", cmd.actor, h.id, {
        booking_id: cmd.bookingId,
        hold: holdData(h),
        reason: "committed",
      });
    }
    for (const h of displaced) {
      this.holds.delete(h.id);
      this.audit(now, "hold.invalidated", cmd.actor, h.id, {
        booking_id: cmd.bookingId,
        by_agent_id: cmd.agentId,
        hold: holdData(h),
        reason: "displaced",
      });
    }
    for (const b of evicted) {
      b.evictedBy = cmd.agentId;
      endBooking(b, "evicted", "booking.evicted", {
        ...bookingRef(b),
        evicted_by_agent_id: cmd.agentId,
        evicted_by_booking_id: cmd.bookingId,
        reason: "priority_bump",
        ...partiesData(b),
      });
    }
    if (replaced)
      endBooking(replaced, "cancelled", "booking.cancelled", {
        ...bookingRef(replaced),
        reason: "replaced",
        replaced_by: cmd.bookingId,
        ...partiesData(replaced),
      });

    const booking: StoredBooking = {
      id: cmd.bookingId,
      agentId: cmd.agentId,
      priority: cmd.priority,
      start: cmd.start,
      end: cmd.end,
      status: pending ? "pending" : "committed",
      committedAt: now,
      // A pending booking is frozen from the start: nothing evicts a request.
      frozenAt: pending ? now : now + cmd.bumpWindowMs,
      dayKey: cmd.dayKey,
      ...(cmd.holdId !== undefined && { holdId: cmd.holdId }),
      ...(cmd.replaces !== undefined && { replaces: cmd.replaces }),
      ...(cmd.details !== undefined && { details: structuredClone(cmd.details) }),
      ...(pending && { pendingUntil: cmd.pending!.expiresAt }),
      ...(requester !== "" && { requesterKey: requester }),
      ...(cmd.remote !== undefined && {
        remote: {
          address: cmd.remote.address,
          bookingId: cmd.remote.bookingId,
          status: cmd.remote.status,
        },
      }),
      ...(cmd.callbackUrl !== undefined &&
        cmd.callbackUrl !== "" && { callbackUrl: cmd.callbackUrl }),
    };
    this.addBooking(booking);
    const auditRef = pending
      ? this.audit(now, "booking.requested", cmd.actor, booking.id, {
          ...bookingStateData(booking),
          expires_at: booking.pendingUntil,
        })
      : this.audit(now, "booking.committed", cmd.actor, booking.id, bookingStateData(booking));
    if (!pending) this.dayCount.set(cmd.dayKey, (this.dayCount.get(cmd.dayKey) ?? 0) + 1);
    return this.remember(idemKey, cmd.fingerprint, now, {
      status: "committed",
      booking: structuredClone(booking),
      displacedHolds: displaced,
      evicted: structuredClone(evicted),
      auditRef,
      replay: false,
    });
  }

  cancel(
    bookingId: string,
    agentId: string | undefined,
    actor: string,
    now: number,
  ): CancelOutcome {
    this.expirePending(now);
    const b = this.bookings.get(bookingId);
    if (!b) return { status: "rejected", reason: "booking_not_found" };
    if (agentId !== undefined && b.agentId !== agentId)
      return { status: "rejected", reason: "not_owner" };
    const was = b.status;
    if (was !== "committed" && was !== "pending")
      return { status: "rejected", reason: "not_committed" };
    this.setStatus(b, "cancelled");
    b.endedAt = now;
    if (was === "committed") this.dayCount.set(b.dayKey, (this.dayCount.get(b.dayKey) ?? 0) - 1);
    const auditRef = this.audit(now, "booking.cancelled", actor, b.id, {
      ...bookingRef(b),
      reason: "cancelled",
      ...(was === "pending" && { previous_status: "pending" }),
      ...partiesData(b),
    });
    return { status: "cancelled", booking: structuredClone(b), auditRef };
  }
}
