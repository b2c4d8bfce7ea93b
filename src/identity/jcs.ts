/**
 * RFC 8785 JSON Canonicalization Scheme, through the `canonicalize` package. The package
 * quietly drops or rewrites what JCS cannot represent; we refuse it instead, so two
 * signers can never disagree on the bytes of the same value.
 */
import canonicalizeModule from "canonicalize";
import { InvalidRequestError } from "../errors.js";

// The package is CommonJS whose typings declare an ES default export; under NodeNext the
// default import is the function itself at run time, so the types need this one nudge.
const canonicalize = canonicalizeModule as unknown as (value: unknown) => string | undefined;

const LONE_SURROGATE = /\p{Surrogate}/u;

function refuse(pointer: string, why: string): never {
  throw new InvalidRequestError(`Value cannot be canonicalized (RFC 8785): ${why}`, [
    { pointer, message: why },
  ]);
}

function escapePointer(key: string): string {
  return key.replace(/~/g, "~0").replace(/\//g, "~1");
}

function assertRepresentable(value: unknown, pointer: string, seen: Set<object>): void {
  switch (typeof value) {
    case "string":
      if (LONE_SURROGATE.test(value)) refuse(pointer, "string contains a lone surrogate");
      return;
    case "number":
      if (!Number.isFinite(value)) refuse(pointer, `number ${value} has no JSON form`);
      return;
    case "boolean":
      return;
    case "object":
      break;
    default:
      refuse(pointer, `${typeof value} has no JSON form`);
  }
  if (value === null) return;
  if (seen.has(value)) refuse(pointer, "value is circular");
  if (!Array.isArray(value) && Object.getPrototypeOf(value) !== Object.prototype) {
    if (Object.getPrototypeOf(value) !== null) refuse(pointer, "only plain objects and arrays");
  }
  seen.add(value);
  if (Array.isArray(value)) {
    value.forEach((item, i) => {
      assertRepresentable(item, `${pointer}/${i}`, seen);
    });
  } else {
    for (const [key, item] of Object.entries(value)) {
      const at = `${pointer}/${escapePointer(key)}`;
      if (LONE_SURROGATE.test(key)) refuse(at, "member name contains a lone surrogate");
      assertRepresentable(item, at, seen);
    }
  }
  seen.delete(value);
}

/** The canonical JSON text of a JSON value; throws InvalidRequestError for anything else. */
export function canonicalJson(value: unknown): string {
  assertRepresentable(value, "", new Set());
  const text = canonicalize(value);
  if (text === undefined) refuse("", "value has no JSON form");
  return text;
}
