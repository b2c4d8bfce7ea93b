/** Alternatives for a conflict answer: the free slots nearest to the time that was asked for. */
import { listSlots } from "./slots.js";
import { DAY_MS, type Interval, type SuggestInput } from "./types.js";

const DEFAULT_COUNT = 3;
const MAX_COUNT = 50;
const DEFAULT_SEARCH_DAYS = 7;
const MAX_SEARCH_DAYS = 31;

function clampWhole(value: number | undefined, fallback: number, min: number, max: number) {
  if (value === undefined || !Number.isFinite(value)) return fallback;
  return Math.min(max, Math.max(min, Math.floor(value)));
}

/**
 * Up to `count` slots of the duration within `searchDays` before and after `around`
 * (and inside `range`, when given), nearest first; equally near ones earlier first.
 */
export function suggestTimes(input: SuggestInput): Interval[] {
  const count = clampWhole(input.count, DEFAULT_COUNT, 1, MAX_COUNT);
  const searchDays = clampWhole(input.searchDays, DEFAULT_SEARCH_DAYS, 1, MAX_SEARCH_DAYS);
  let start = input.around - searchDays * DAY_MS;
  let end = input.around + searchDays * DAY_MS;
  if (input.range) {
    start = Math.max(start, input.range.start);
    end = Math.min(end, input.range.end);
  }
  if (!(end > start)) return [];
  const slots = listSlots({ ...input, range: { start, end } });
  const distance = (slot: Interval) => Math.abs(slot.start - input.around);
  return slots.sort((a, b) => distance(a) - distance(b) || a.start - b.start).slice(0, count);
}
