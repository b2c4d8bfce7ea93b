/**
 * Epoch milliseconds as ISO 8601 UTC (`2026-11-23T15:00:00.000Z`), the same text as
 * `Date#toISOString` for years 0000–9999, several times faster on long slot lists: the
 * date part is computed once per UTC day.
 */
const DAY_MS = 86_400_000;
const dayPrefixes = new Map<number, string>();

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
  const h = Math.floor(inDay / 3_600_000);
  const m = Math.floor((inDay % 3_600_000) / 60_000);
  const s = Math.floor((inDay % 60_000) / 1000);
  const milli = inDay % 1000;
  return `${prefix}${pad2(h)}:${pad2(m)}:${pad2(s)}.${milli < 10 ? `00${milli}` : milli < 100 ? `0${milli}` : milli}Z`;
}

/** `[{"start": …, "end": …}, …]` as JSON text, without building intermediate objects. */
export function intervalsJson(intervals: readonly { start: number; end: number }[]): string {
  const parts = new Array<string>(intervals.length);
  for (let i = 0; i < intervals.length; i++) {
    const { start, end } = intervals[i]!;
    parts[i] = `{"start":"${isoUtc(start)}","end":"${isoUtc(end)}"}`;
  }
  return `[${parts.join(",")}]`;
}
