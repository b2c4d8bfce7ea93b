/**
 * Profile blocks, blackouts and focus blocks turned into checks on local days. Malformed
 * hours or dates are skipped, never thrown on: the profile checks refuse them before
 * publishing, and the engine must not fail on a profile that slipped through.
 */
import { dayNumberOf, type LocalDay } from "./local-days.js";
import {
  type AvailabilityProfile,
  type FocusBlock,
  type SchedulingBlock,
  WEEKDAYS,
  type Weekday,
} from "./types.js";

/** Minutes after local midnight, half-open; 1440 is the next midnight. */
export interface MinuteRange {
  start: number;
  end: number;
}

export interface DayRule {
  weekdayMask: number;
  firstDay: number;
  lastDay: number;
  dates: Set<number> | undefined;
  minutes: MinuteRange[];
}

export interface DaySpan {
  first: number;
  last: number;
}

const ALL_WEEKDAYS = 0b1111111;
const HOURS_RE = /^([01]\d|2[0-3]):([0-5]\d)-(?:([01]\d|2[0-3]):([0-5]\d)|(24):00)$/;

/** "09:00-17:30" as minutes; undefined when malformed or not running forward. */
export function parseHours(text: string): MinuteRange | undefined {
  const m = HOURS_RE.exec(text);
  if (!m) return undefined;
  const start = Number(m[1]) * 60 + Number(m[2]);
  const end = m[5] ? 1440 : Number(m[3]) * 60 + Number(m[4]);
  return end > start ? { start, end } : undefined;
}

function parseHoursList(hours: readonly string[]): MinuteRange[] {
  const out: MinuteRange[] = [];
  for (const text of hours) {
    const range = typeof text === "string" ? parseHours(text) : undefined;
    if (range) out.push(range);
  }
  return out;
}

function weekdayMask(days: readonly Weekday[] | undefined): number {
  if (days === undefined) return ALL_WEEKDAYS;
  let mask = 0;
  for (const day of days) {
    const index = WEEKDAYS.indexOf(day);
    if (index >= 0) mask |= 1 << index;
  }
  return mask;
}

function dayOr(date: string | undefined, fallback: number): number {
  return (date === undefined ? undefined : dayNumberOf(date)) ?? fallback;
}

function compileBlock(block: SchedulingBlock): DayRule | undefined {
  const minutes = parseHoursList(block.hours ?? []);
  if (minutes.length === 0) return undefined;
  switch (block.type) {
    case "weekly":
      return {
        weekdayMask: weekdayMask(block.days ?? []),
        firstDay: -Infinity,
        lastDay: dayOr(block.expires, Infinity),
        dates: undefined,
        minutes,
      };
    case "date": {
      const dates = new Set<number>();
      for (const date of block.dates ?? []) {
        const day = dayNumberOf(date);
        if (day !== undefined) dates.add(day);
      }
      return { weekdayMask: ALL_WEEKDAYS, firstDay: -Infinity, lastDay: Infinity, dates, minutes };
    }
    case "range": {
      const first = dayNumberOf(block.start);
      const last = dayNumberOf(block.end);
      if (first === undefined || last === undefined) return undefined;
      return {
        weekdayMask: weekdayMask(block.days),
        firstDay: first,
        lastDay: Math.min(last, dayOr(block.expires, Infinity)),
        dates: undefined,
        minutes,
      };
    }
    default:
      return undefined;
  }
}

export function compileScheduling(profile: AvailabilityProfile): DayRule[] {
  const rules: DayRule[] = [];
  for (const block of profile.scheduling ?? []) {
    const rule = compileBlock(block);
    if (rule) rules.push(rule);
  }
  return rules;
}

export function compileFocusBlocks(focus: readonly FocusBlock[] | undefined): DayRule[] {
  const rules: DayRule[] = [];
  for (const block of focus ?? []) {
    const minutes = parseHoursList(block.hours ?? []);
    if (minutes.length === 0) continue;
    const mask = weekdayMask(block.days ?? []);
    rules.push({
      weekdayMask: mask,
      firstDay: -Infinity,
      lastDay: Infinity,
      dates: undefined,
      minutes,
    });
  }
  return rules;
}

export function compileBlackouts(profile: AvailabilityProfile): DaySpan[] {
  const spans: DaySpan[] = [];
  for (const blackout of profile.blackouts ?? []) {
    const first = dayNumberOf(typeof blackout === "string" ? blackout : blackout?.start);
    const last = dayNumberOf(typeof blackout === "string" ? blackout : blackout?.end);
    if (first !== undefined && last !== undefined && last >= first) spans.push({ first, last });
  }
  return spans;
}

export function isBlackedOut(spans: readonly DaySpan[], dayNumber: number): boolean {
  for (const span of spans) if (dayNumber >= span.first && dayNumber <= span.last) return true;
  return false;
}

/** The rules' minute ranges that apply on `day`, sorted and merged. */
export function minutesOnDay(rules: readonly DayRule[], day: LocalDay): MinuteRange[] {
  const ranges: MinuteRange[] = [];
  const bit = 1 << day.weekday;
  for (const rule of rules) {
    if ((rule.weekdayMask & bit) === 0) continue;
    if (day.dayNumber < rule.firstDay || day.dayNumber > rule.lastDay) continue;
    if (rule.dates && !rule.dates.has(day.dayNumber)) continue;
    for (const range of rule.minutes) ranges.push(range);
  }
  if (ranges.length < 2) return ranges;
  ranges.sort((a, b) => a.start - b.start);
  const merged: MinuteRange[] = [{ ...ranges[0]! }];
  for (let i = 1; i < ranges.length; i++) {
    const range = ranges[i]!;
    const last = merged[merged.length - 1]!;
    if (range.start <= last.end) last.end = Math.max(last.end, range.end);
    else merged.push({ ...range });
  }
  return merged;
}
