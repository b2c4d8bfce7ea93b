/**
 * Local calendar days of a zone as instants. Each day is resolved once (and remembered);
 * everything after works on epoch milliseconds.
 *
 * Wall-clock to instant, for every endpoint and grid time in this part:
 * - a wall time that exists once is that instant;
 * - an ambiguous one (a fall-back repeats it) is its EARLIER instant;
 * - a nonexistent one (inside a spring-forward gap) is the first instant after the gap.
 * The mapping never decreases, so merging wall-clock ranges before or after mapping gives
 * the same instants, and a day is [its 00:00, the next day's 00:00).
 */

import { DAY_MS, MINUTE_MS } from "./types.js";
import { type OffsetSegment, offsetAt, offsetSegments } from "./zone-offsets.js";

export interface LocalDay {
  /** The local date as days since 1970-01-01. */
  dayNumber: number;
  /** The local date, YYYY-MM-DD. */
  key: string;
  /** 0 = monday … 6 = sunday. */
  weekday: number;
  /** The instant of local 00:00. */
  start: number;
  /** The instant of the next local 00:00 (this day's 24:00). */
  end: number;
  /** The offset in force all day long, when it does not change during the day. */
  offsetMs: number | undefined;
  /** Offsets around the day, for days whose offset changes. */
  segments: readonly OffsetSegment[];
}

const MAX_CACHED_DAYS = 100_000;
const daysByZone = new Map<string, Map<number, LocalDay>>();

export function clearLocalDayCache(): void {
  daysByZone.clear();
}

/** The instant of a wall time (ms since 1970 as if the wall clock were UTC). */
export function wallToInstant(segments: readonly OffsetSegment[], wall: number): number {
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i]!;
    const next = segments[i + 1];
    const instant = wall - segment.offsetMs;
    if (instant < segment.from) return segment.from; // the wall time fell in the gap before
    if (!next || instant < next.from) return instant;
  }
  return wall - segments[segments.length - 1]!.offsetMs;
}

/** Whether a wall time happens at all (false inside a spring-forward gap). */
export function wallTimeExists(segments: readonly OffsetSegment[], wall: number): boolean {
  return segments.some((segment, i) => {
    const instant = wall - segment.offsetMs;
    const next = segments[i + 1];
    return instant >= segment.from && (!next || instant < next.from);
  });
}

function buildLocalDay(zone: string, dayNumber: number): LocalDay {
  const wallStart = dayNumber * DAY_MS;
  // Offsets stay within ±1 day, so two UTC days either side cover every wall time of the day.
  const segments = offsetSegments(zone, dayNumber - 2, dayNumber + 2);
  const start = wallToInstant(segments, wallStart);
  const end = wallToInstant(segments, wallStart + DAY_MS);
  let offsetMs: number | undefined;
  const index = segments.findLastIndex((s) => s.from <= start);
  const segment = segments[index];
  const next = segments[index + 1];
  if (segment && (!next || next.from > end) && start === wallStart - segment.offsetMs) {
    offsetMs = segment.offsetMs;
  }
  return {
    dayNumber,
    key: new Date(wallStart).toISOString().slice(0, 10),
    weekday: (((dayNumber + 3) % 7) + 7) % 7,
    start,
    end,
    offsetMs,
    segments: offsetMs === undefined ? segments : [],
  };
}

export function localDay(zone: string, dayNumber: number): LocalDay {
  let days = daysByZone.get(zone);
  if (!days) {
    days = new Map();
    daysByZone.set(zone, days);
  } else if (days.size > MAX_CACHED_DAYS) {
    days.clear();
  }
  let day = days.get(dayNumber);
  if (!day) {
    day = buildLocalDay(zone, dayNumber);
    days.set(dayNumber, day);
  }
  return day;
}

/** The local day an instant belongs to: the one with start ≤ instant < end. */
export function localDayAt(zone: string, instant: number): LocalDay {
  let day = localDay(zone, Math.floor((instant + offsetAt(zone, instant)) / DAY_MS));
  while (instant < day.start) day = localDay(zone, day.dayNumber - 1);
  while (instant >= day.end) day = localDay(zone, day.dayNumber + 1);
  return day;
}

/** The local date ("YYYY-MM-DD") of an instant in a zone. */
export function localDayKey(instant: number, zone: string): string {
  return localDayAt(zone, instant).key;
}

/** Every local day that shares an instant with `[start, end)`, in order. */
export function localDaysCovering(zone: string, start: number, end: number): LocalDay[] {
  const days: LocalDay[] = [];
  if (!(end > start)) return days;
  let day = localDayAt(zone, start);
  while (day.start < end) {
    days.push(day);
    day = localDay(zone, day.dayNumber + 1);
  }
  return days;
}

/** The instant of `minute` (0–1440) after the day's local midnight, per the mapping above. */
export function minuteToInstant(day: LocalDay, minute: number): number {
  if (day.offsetMs !== undefined) return day.start + minute * MINUTE_MS;
  return wallToInstant(day.segments, day.dayNumber * DAY_MS + minute * MINUTE_MS);
}

/** A grid time's instant, or undefined when that wall time does not exist that day. */
export function gridMinuteToInstant(day: LocalDay, minute: number): number | undefined {
  if (day.offsetMs !== undefined) return day.start + minute * MINUTE_MS;
  const wall = day.dayNumber * DAY_MS + minute * MINUTE_MS;
  return wallTimeExists(day.segments, wall) ? wallToInstant(day.segments, wall) : undefined;
}

/** "YYYY-MM-DD" as days since 1970-01-01, or undefined if it is not a real date. */
export function dayNumberOf(date: unknown): number | undefined {
  if (typeof date !== "string") return undefined;
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) return undefined;
  // setUTCFullYear, unlike Date.UTC, does not read years 0–99 as 1900–1999.
  const ms = new Date(0).setUTCFullYear(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  const back = new Date(ms);
  if (back.getUTCMonth() !== Number(m[2]) - 1 || back.getUTCDate() !== Number(m[3]))
    return undefined;
  return ms / DAY_MS;
}
