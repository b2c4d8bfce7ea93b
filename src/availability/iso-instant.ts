/**
 * The common shape of an ISO 8601 instant (`2026-03-09T09:00:00Z`,
 * `2026-03-09T10:00:00.250+01:00`) read without luxon, which cost a commit request
 * several percent of its CPU. Only fields in their ordinary ranges are read here; for
 * anything else the answer is `FALLBACK` and the caller asks luxon, so the two always
 * agree (a property test compares them).
 */
export const FALLBACK = Symbol("fallback");

const SHAPE =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(?:([Zz])|([+-])(\d{2})(?::?(\d{2}))?)$/;

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysIn(year: number, month: number): number {
  if (month !== 2) return DAYS_IN_MONTH[month - 1]!;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return leap ? 29 : 28;
}

/** Epoch ms of `text`, or FALLBACK when it is not the plain shape with ordinary fields. */
export function readIsoInstant(text: string): number | typeof FALLBACK {
  const m = SHAPE.exec(text);
  if (!m) return FALLBACK;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const hour = Number(m[4]);
  const minute = Number(m[5]);
  const second = m[6] === undefined ? 0 : Number(m[6]);
  const offHour = m[10] === undefined ? 0 : Number(m[10]);
  const offMinute = m[11] === undefined ? 0 : Number(m[11]);
  if (
    year < 100 ||
    month < 1 ||
    month > 12 ||
    day < 1 ||
    day > daysIn(year, month) ||
    hour > 23 ||
    minute > 59 ||
    second > 59 ||
    offHour > 23 ||
    offMinute > 59
  )
    return FALLBACK;
  // As luxon reads a fraction: its first three digits' worth, rounded down.
  const millis = m[7] === undefined ? 0 : Math.floor(Number.parseFloat(`0.${m[7]}`) * 1000);
  const offset = (offHour * 60 + offMinute) * (m[9] === "-" ? -1 : 1);
  return Date.UTC(year, month - 1, day, hour, minute, second, millis) - offset * 60_000;
}
