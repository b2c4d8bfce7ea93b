/** Half-open interval arithmetic on epoch milliseconds. */
import type { Interval } from "./types.js";

/** Sorted, with overlapping and touching intervals joined; empty ones dropped. */
export function mergeIntervals(intervals: readonly Interval[]): Interval[] {
  const sorted = intervals.filter((i) => i.end > i.start).sort((a, b) => a.start - b.start);
  const merged: Interval[] = [];
  for (const { start, end } of sorted) {
    const last = merged[merged.length - 1];
    if (last && start <= last.end) {
      if (end > last.end) last.end = end;
    } else {
      merged.push({ start, end });
    }
  }
  return merged;
}

/** `from` minus `remove`; both must be sorted and merged. */
export function subtractIntervals(
  from: readonly Interval[],
  remove: readonly Interval[],
): Interval[] {
  const out: Interval[] = [];
  let r = 0;
  for (const interval of from) {
    let start = interval.start;
    const end = interval.end;
    while (r < remove.length && remove[r]!.end <= start) r++;
    let k = r;
    while (k < remove.length && remove[k]!.start < end) {
      const cut = remove[k]!;
      if (cut.start > start) out.push({ start, end: cut.start });
      if (cut.end > start) start = cut.end;
      if (start >= end) break;
      k++;
    }
    if (start < end) out.push({ start, end });
  }
  return out;
}

/** The parts of sorted `intervals` inside `range`. */
export function clipIntervals(intervals: readonly Interval[], range: Interval): Interval[] {
  const out: Interval[] = [];
  for (const { start, end } of intervals) {
    const s = Math.max(start, range.start);
    const e = Math.min(end, range.end);
    if (s < e) out.push({ start: s, end: e });
  }
  return out;
}

export function overlaps(a: Interval, b: Interval): boolean {
  return a.start < b.end && b.start < a.end;
}
