import type { Interval } from "../../../src/availability/index.js";

export const at = (iso: string): number => {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new Error(`bad test time ${iso}`);
  return ms;
};

export const span = (start: string, end: string): Interval => ({ start: at(start), end: at(end) });

const short = (t: number) => new Date(t).toISOString().replace(":00.000Z", "Z");

/** Intervals as "start/end" with minute precision, for readable exact comparisons. */
export const show = (intervals: readonly Interval[]): string[] =>
  intervals.map((i) => `${short(i.start)}/${short(i.end)}`);

export const starts = (intervals: readonly Interval[]): string[] =>
  intervals.map((i) => short(i.start));
