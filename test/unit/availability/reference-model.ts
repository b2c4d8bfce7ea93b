/**
 * A slow, independent model of the slot rules for the property tests: it asks luxon about
 * every grid time and samples every 5 minutes of every slot, with none of the engine's
 * interval arithmetic or caches. It relies on all boundaries falling on 5-minute
 * multiples, which the generators guarantee (zone offsets are multiples of 15 minutes).
 */
import { DateTime, IANAZone } from "luxon";
import type { AvailabilityInput, Interval } from "../../../src/availability/index.js";

const MIN = 60_000;
const DAY = 86_400_000;
const WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"];

export interface WallMapping {
  instant: number;
  exists: boolean;
}

export function makeOracle(zoneName: string) {
  const zone = IANAZone.create(zoneName);
  const offsetMs = (t: number) => Math.round(zone.offset(t) * MIN);
  const memo = new Map<string, WallMapping>();

  /** Wall time `minute` after midnight of `date` (YYYY-MM-DD): earliest instant, or the gap's end. */
  function wall(date: string, minute: number): WallMapping {
    const key = `${date} ${minute}`;
    const hit = memo.get(key);
    if (hit) return hit;
    const w = Date.parse(`${date}T00:00:00Z`) + minute * MIN;
    const offsets = [...new Set([offsetMs(w - DAY), offsetMs(w), offsetMs(w + DAY)])];
    const valid = offsets.map((o) => w - o).filter((t) => offsetMs(t) === w - t);
    let result: WallMapping;
    if (valid.length > 0) {
      result = { instant: Math.min(...valid), exists: true };
    } else {
      // In a gap: bisect for the first instant after it.
      let lo = w - Math.max(...offsets);
      let hi = w - Math.min(...offsets);
      const before = offsetMs(lo);
      while (hi - lo > 1000) {
        const mid = lo + Math.floor((hi - lo) / 2000) * 1000;
        if (offsetMs(mid) === before) lo = mid;
        else hi = mid;
      }
      result = { instant: hi, exists: false };
    }
    memo.set(key, result);
    return result;
  }

  const dates = new Map<number, string>();
  /** The local date of an instant. */
  function dateOf(t: number): string {
    let date = dates.get(t);
    if (date === undefined) {
      date = DateTime.fromMillis(t, { zone }).toISODate()!;
      dates.set(t, date);
    }
    return date;
  }
  return { wall, dateOf };
}

export function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY).toISOString().slice(0, 10);
}

function weekdayOf(date: string): string {
  return WEEKDAYS[(new Date(`${date}T00:00:00Z`).getUTCDay() + 6) % 7]!;
}

function minutes(hours: string): [number, number] | undefined {
  const m = /^(\d\d):(\d\d)-(\d\d):(\d\d)$/.exec(hours);
  if (!m) return undefined;
  const a = Number(m[1]) * 60 + Number(m[2]);
  const b = Number(m[3]) * 60 + Number(m[4]);
  return b > a && b <= 1440 ? [a, b] : undefined;
}

type Block = AvailabilityInput["profile"]["scheduling"][number];

/** The hours of the blocks that apply on `date`. */
export function hoursOn(blocks: readonly Block[], date: string): [number, number][] {
  const day = weekdayOf(date);
  const out: [number, number][] = [];
  for (const b of blocks) {
    let applies = false;
    if (b.type === "weekly")
      applies = b.days.includes(day as never) && (!b.expires || date <= b.expires);
    if (b.type === "date") applies = b.dates.includes(date);
    if (b.type === "range") {
      applies =
        date >= b.start &&
        date <= b.end &&
        (!b.expires || date <= b.expires) &&
        (!b.days || b.days.includes(day as never));
    }
    if (applies)
      for (const h of b.hours) {
        const r = minutes(h);
        if (r) out.push(r);
      }
  }
  return out;
}

export function isBlackedOut(profile: AvailabilityInput["profile"], date: string): boolean {
  return (profile.blackouts ?? []).some((b) =>
    typeof b === "string" ? b === date : date >= b.start && date <= b.end,
  );
}

/** Point checks of every rule, each a direct reading of DESIGN.md "Scheduling semantics". */
export function slotRules(input: AvailabilityInput) {
  const { profile } = input;
  const oracle = makeOracle(profile.timezone);
  const before = (input.rules?.buffer_before_minutes ?? 0) * MIN;
  const after = (input.rules?.buffer_after_minutes ?? 0) * MIN;
  const focus = (input.rules?.focus_blocks ?? []).map(
    (f) => ({ type: "weekly", days: f.days, hours: f.hours }) as Block,
  );
  const perDay = new Map<string, number>();
  for (const b of input.bookings) {
    const d = oracle.dateOf(b.start);
    perDay.set(d, (perDay.get(d) ?? 0) + 1);
  }
  const busy: Interval[] = [
    ...input.bookings.map((b) => ({ start: b.start - before, end: b.end + after })),
    ...input.holds,
    ...(input.externalBusy ?? []),
  ];
  const coveredBy = (blocks: readonly Block[], t: number, skipBlackouts: boolean) => {
    const d = oracle.dateOf(t);
    return [addDays(d, -1), d, addDays(d, 1)].some(
      (date) =>
        !(skipBlackouts && isBlackedOut(profile, date)) &&
        hoursOn(blocks, date).some(
          ([a, b]) => oracle.wall(date, a).instant <= t && t < oracle.wall(date, b).instant,
        ),
    );
  };
  const scheduled = (t: number) => coveredBy(profile.scheduling, t, true);
  const focused = (t: number) => coveredBy(focus, t, false);
  const blocked = (t: number) => busy.some((i) => i.start <= t && t < i.end);
  const dayFull = (date: string) => {
    const limit = profile.max_bookings_per_day;
    return limit !== undefined && (perDay.get(date) ?? 0) >= limit;
  };
  const free = (t: number) => scheduled(t) && !focused(t) && !blocked(t);
  return { oracle, scheduled, focused, blocked, dayFull, free };
}

export function referenceSlots(input: AvailabilityInput): Interval[] {
  const { profile, range } = input;
  const { oracle, dayFull, free } = slotRules(input);
  const step = input.stepMinutes ?? 15;
  const duration = input.durationMinutes * MIN;
  const earliest = input.now + (profile.min_notice_hours ?? 0) * 3_600_000;
  const slots: Interval[] = [];
  const last = addDays(oracle.dateOf(range.end), 1);
  for (let date = addDays(oracle.dateOf(range.start), -1); date <= last; date = addDays(date, 1)) {
    if (dayFull(date)) continue;
    for (let m = 0; m < 1440; m += step) {
      const { instant: s, exists } = oracle.wall(date, m);
      if (!exists || s < range.start || s + duration > range.end || s < earliest) continue;
      let ok = true;
      for (let t = s; ok && t < s + duration; t += 5 * MIN) ok = free(t);
      if (ok) slots.push({ start: s, end: s + duration });
    }
  }
  return slots.sort((a, b) => a.start - b.start);
}
