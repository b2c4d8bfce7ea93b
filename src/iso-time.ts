import { offsetAt } from "./availability/index.js";

/**
 * Epoch milliseconds as ISO 8601 UTC (`2026-11-23T15:00:00.000Z`), the same text as
 * `Date#toISOString` for years 0000–9999, several times faster on long slot lists: the
 * date part is computed once per UTC day.
 */
const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;
const dayPrefixes = new Map<number, string>();
/** `HH:MM:00.000Z` for each minute of the day: slot times fall on whole minutes. */
const minuteSuffixes: string[] = [];

const pad2 = (n: number) => (n < 10 ? `0${n}` : `${n}`);

export function isoUtc(ms: number): string {
  const day = Math.floor(ms / DAY_MS);
  let prefix = dayPrefixes.get(day);
  if (prefix === undefined) {
    prefix = new Date(day * DAY_MS).toISOString().slice(0, 11);
    if (dayPrefixes.size > 4096) dayPrefixes.clear();
    dayPrefixes.set(day, prefix);
  }
  const inDay = ms - day * DAY_MS;
  if (inDay % MINUTE_MS === 0) {
    const minute = inDay / MINUTE_MS;
    let suffix = minuteSuffixes[minute];
    if (suffix === undefined) {
      suffix = `${pad2(Math.floor(minute / 60))}:${pad2(minute % 60)}:00.000Z`;
      minuteSuffixes[minute] = suffix;
    }
    return prefix + suffix;
  }
  const h = Math.floor(inDay / 3_600_000);
  const m = Math.floor((inDay % 3_600_000) / 60_000);
  const s = Math.floor((inDay % 60_000) / 1000);
  const milli = inDay % 1000;
  return `${prefix}${pad2(h)}:${pad2(m)}:${pad2(s)}.${milli < 10 ? `00${milli}` : milli < 100 ? `0${milli}` : milli}Z`;
}

/**
 * `[{"start": …, "end": …}, …]` as JSON text, built by appending (V8 keeps the pieces
 * as a rope and flattens once) without intermediate objects or arrays.
 */
export function intervalsJson(intervals: readonly { start: number; end: number }[]): string {
  let out = "[";
  for (let i = 0; i < intervals.length; i++) {
    const { start, end } = intervals[i]!;
    out += `${i === 0 ? "" : ","}{"start":"${isoUtc(start)}","end":"${isoUtc(end)}"}`;
  }
  return `${out}]`;
}

/**
 * Epoch milliseconds as ISO 8601 in an IANA zone, with its offset
 * (`2026-11-23T16:00:00.000+01:00`): the label a person of that zone reads. The offset
 * comes from the engine's per-day cache of zone offsets, so labelling a week of slots
 * asks Intl once per day, not once per slot.
 */
export function isoLocal(ms: number, zone: string): string {
  const offsetMs = offsetAt(zone, ms);
  const minutes = Math.abs(offsetMs) / MINUTE_MS;
  const sign = offsetMs < 0 ? "-" : "+";
  return `${isoUtc(ms + offsetMs).slice(0, -1)}${sign}${pad2(Math.floor(minutes / 60))}:${pad2(minutes % 60)}`;
}
