/** Path and query parameters of the `/v1` routes, checked at the door. */
import type { Request } from "express";
import { ID_RE } from "../../arbiter/index.js";
import { INSTANT_MESSAGE, parseInstant } from "../../availability/index.js";
import { InvalidRequestError, NotFoundError } from "../../errors.js";

const ID_KINDS = {
  bkg: { noun: "booking", code: "booking_not_found" },
  hld: { noun: "hold", code: "hold_not_found" },
} as const;

/** A record id of the given kind; anything else names no record (404). */
export function idParam(req: Request, name: string, prefix: keyof typeof ID_KINDS): string {
  const id = req.params[name] as string;
  const kind = ID_KINDS[prefix];
  if (!ID_RE.test(id) || !id.startsWith(`${prefix}_`))
    throw new NotFoundError(`No such ${kind.noun}: ${id}`, kind.code);
  return id;
}

/** Idempotency-Key header or body member; a header wins, both must agree if both are given. */
export function idempotencyKey(req: Request, fromBody: string | undefined): string | undefined {
  const header = req.headers["idempotency-key"];
  const key = typeof header === "string" ? header : undefined;
  if (key !== undefined && (key.length === 0 || key.length > 255))
    throw new InvalidRequestError("Idempotency-Key must be 1-255 characters", [
      { pointer: "/idempotency_key", message: "must be 1-255 characters" },
    ]);
  if (key !== undefined && fromBody !== undefined && key !== fromBody)
    throw new InvalidRequestError("Idempotency-Key header and idempotency_key differ", [
      { pointer: "/idempotency_key", message: "differs from the Idempotency-Key header" },
    ]);
  return key ?? fromBody;
}

function instantParam(value: unknown, pointer: string): number {
  const t = parseInstant(value);
  if (t === undefined)
    throw new InvalidRequestError(`${pointer.slice(1)} ${INSTANT_MESSAGE}`, [
      { pointer, message: INSTANT_MESSAGE },
    ]);
  return t;
}

/** `range_start`/`range_end`, at most 366 days apart; undefined when neither is given. */
export function rangeParams(start: unknown, end: unknown) {
  if (start === undefined && end === undefined) return undefined;
  const s = instantParam(start, "/range_start");
  const e = instantParam(end, "/range_end");
  if (e <= s)
    throw new InvalidRequestError("range_end must be after range_start", [
      { pointer: "/range_end", message: "must be after range_start" },
    ]);
  if (e - s > 366 * 86_400_000)
    throw new InvalidRequestError("the range is at most 366 days", [
      { pointer: "/range_end", message: "must be at most 366 days after range_start" },
    ]);
  return { start: s, end: e };
}

/** A whole number query parameter in [min, max] (plain digits only: `1e3` is not one). */
export function intParam(value: unknown, name: string, min: number, max: number, def: number) {
  if (value === undefined) return def;
  const n = Number(value);
  if (typeof value !== "string" || !/^\d{1,15}$/.test(value) || n < min || n > max)
    throw new InvalidRequestError(`${name} must be an integer from ${min} to ${max}`, [
      { pointer: `/${name}`, message: `must be an integer from ${min} to ${max}` },
    ]);
  return n;
}
