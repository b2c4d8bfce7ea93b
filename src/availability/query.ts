/**
 * The edge check for availability queries. Every problem is reported, each naming its
 * query parameter by JSON pointer (`/start`, `/end`, `/duration_minutes`, `/step_minutes`).
 *
 * The step is a whole number of minutes, a multiple of 5 from 5 to 240: finer grids only
 * multiply slots, coarser ones hide most of a day. It need not divide a day; the grid
 * restarts at every local midnight.
 */
import { DateTime } from "luxon";
import { type ErrorDetail, InvalidRequestError } from "../errors.js";
import { FALLBACK, readIsoInstant } from "./iso-instant.js";
import { DAY_MS, DEFAULT_STEP_MINUTES, type Interval } from "./types.js";

export const MAX_RANGE_DAYS = 90;

const INSTANT_RE =
  /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:[Zz]|[+-]\d{2}(?::?\d{2})?)$/;

/**
 * The instants the node takes: from 1970 to the end of 4999. Later epoch milliseconds have
 * 15 digits, and the Redis scripts' JSON encoder keeps 14 significant digits: the record
 * and its audit event would disagree.
 */
export const INSTANT_RANGE = { first: 0, last: Date.UTC(5000, 0, 1) - 1 } as const;

/** What a bad instant is told, wherever it was given. */
export const INSTANT_MESSAGE =
  "must be an ISO 8601 date-time with Z or an offset, in the years 1970-4999, e.g. 2026-03-09T09:00:00Z";

/**
 * An ISO 8601 date-time with `Z` or an offset, as epoch ms; undefined for anything else,
 * including a time without an offset (its zone would be a guess) and an instant outside
 * INSTANT_RANGE. A space where the `+` of the offset belongs is read as `+`: an unencoded
 * `+` in a query string arrives so.
 */
export function parseInstant(text: unknown): number | undefined {
  if (typeof text !== "string" || text.length > 40) return undefined;
  const repaired = text.replace(/ (\d{2}(?::?\d{2})?)$/, "+$1");
  if (!INSTANT_RE.test(repaired)) return undefined;
  let ms = readIsoInstant(repaired);
  if (ms === FALLBACK) {
    const parsed = DateTime.fromISO(repaired, { setZone: true });
    if (!parsed.isValid) return undefined;
    ms = parsed.toMillis();
  }
  return ms >= INSTANT_RANGE.first && ms <= INSTANT_RANGE.last ? ms : undefined;
}

export interface AvailabilityQuery {
  start: unknown;
  end: unknown;
  durationMinutes: unknown;
  stepMinutes?: unknown;
}

export interface ValidAvailabilityQuery {
  range: Interval;
  durationMinutes: number;
  stepMinutes: number;
}

/** A whole number from a number or a query string of digits; undefined otherwise. */
function wholeNumber(value: unknown): number | undefined {
  if (typeof value === "number") return Number.isInteger(value) ? value : undefined;
  if (typeof value === "string" && /^\d{1,6}$/.test(value)) return Number(value);
  return undefined;
}

function checkMinutes(
  value: unknown,
  pointer: string,
  min: number,
  max: number,
  details: ErrorDetail[],
): number {
  const minutes = wholeNumber(value);
  if (minutes === undefined || minutes < min || minutes > max || minutes % 5 !== 0) {
    details.push({
      pointer,
      message: `must be a whole number of minutes from ${min} to ${max}, a multiple of 5`,
    });
  }
  return minutes ?? 0;
}

export function validateAvailabilityQuery(query: AvailabilityQuery): ValidAvailabilityQuery {
  const details: ErrorDetail[] = [];
  const start = parseInstant(query.start);
  const end = parseInstant(query.end);
  const missing = (v: unknown) => v === undefined || v === "";
  for (const [name, value, parsed] of [
    ["start", query.start, start],
    ["end", query.end, end],
  ] as const) {
    if (missing(value)) details.push({ pointer: `/${name}`, message: "is required" });
    else if (parsed === undefined) {
      details.push({
        pointer: `/${name}`,
        message: INSTANT_MESSAGE,
      });
    }
  }
  if (start !== undefined && end !== undefined) {
    if (end <= start) details.push({ pointer: "/end", message: "must be after start" });
    else if (end - start > MAX_RANGE_DAYS * DAY_MS) {
      details.push({
        pointer: "/end",
        message: `must be at most ${MAX_RANGE_DAYS} days after start`,
      });
    }
  }
  let durationMinutes = 0;
  if (missing(query.durationMinutes)) {
    details.push({ pointer: "/duration_minutes", message: "is required" });
  } else {
    durationMinutes = checkMinutes(query.durationMinutes, "/duration_minutes", 5, 480, details);
  }
  const stepMinutes = missing(query.stepMinutes)
    ? DEFAULT_STEP_MINUTES
    : checkMinutes(query.stepMinutes, "/step_minutes", 5, 240, details);
  if (details.length > 0) {
    const names = [...new Set(details.map((d) => d.pointer?.slice(1)))].join(", ");
    throw new InvalidRequestError(`Invalid availability query: ${names}`, details);
  }
  return { range: { start: start!, end: end! }, durationMinutes, stepMinutes };
}
