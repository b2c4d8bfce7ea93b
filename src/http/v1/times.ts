import { MAX_SPAN_MS } from "../../arbiter/index.js";
import { parseInstant } from "../../availability/index.js";
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
    throw new InvalidRequestError("start must be an ISO 8601 date-time with a zone offset", [
      { pointer: `${base}/start`, message: "must be an ISO 8601 date-time with a zone offset" },
    ]);
  if (e === undefined)
    throw new InvalidRequestError("end must be an ISO 8601 date-time with a zone offset", [
      { pointer: `${base}/end`, message: "must be an ISO 8601 date-time with a zone offset" },
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
