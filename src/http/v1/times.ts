import { MAX_SPAN_MS } from "../../arbiter/index.js";
import { INSTANT_MESSAGE, parseInstant } from "../../availability/index.js";
import { InvalidRequestError } from "../../errors.js";

/** A [start, end) request interval: ISO 8601 with a zone, end after start, at most a day long. */
export function parseInterval(
  start: unknown,
  end: unknown,
  base = "",
): { start: number; end: number } {
  const s = parseInstant(start);
  const e = parseInstant(end);
  if (s === undefined)
    throw new InvalidRequestError(`start ${INSTANT_MESSAGE}`, [
      { pointer: `${base}/start`, message: INSTANT_MESSAGE },
    ]);
  if (e === undefined)
    throw new InvalidRequestError(`end ${INSTANT_MESSAGE}`, [
      { pointer: `${base}/end`, message: INSTANT_MESSAGE },
    ]);
  if (e <= s)
    throw new InvalidRequestError("end must be after start", [
      { pointer: `${base}/end`, message: "must be after start" },
    ]);
  if (e - s > MAX_SPAN_MS)
    throw new InvalidRequestError("an interval is at most 24 hours long", [
      { pointer: `${base}/end`, message: "must be at most 24 hours after start" },
    ]);
  return { start: s, end: e };
}
