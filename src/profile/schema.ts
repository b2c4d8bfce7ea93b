/**
 * Profile and user-rules validation against the JSON Schemas in `schemas/`, compiled once
 * at module load. Every issue names the offending value by JSON pointer.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { Ajv, type ErrorObject, type Options, type SchemaObject, type ValidateFunction } from "ajv";
import addFormatsModule from "ajv-formats";
import { SCHEMAS_DIR } from "../paths.js";
import type { CalendarioProfile, UserRules } from "./types.gen.js";

export interface ProfileIssue {
  /** JSON pointer (RFC 6901) of the offending value; for a missing member, where it belongs. */
  pointer: string;
  message: string;
  /** The schema keyword that failed (`required`, `format`, …) or the semantic check's name. */
  keyword: string;
}

const INPUT_SCHEMA_ID = "https://calendario.dev/schemas/calendario-profile-input-v0.1.json";

/** Members the node fills in when it publishes a profile given through the admin API. */
export const NODE_FILLED_MEMBERS = [
  "self",
  "self_proof",
  "organization",
  "organization_proof",
] as const;

const addFormats = addFormatsModule.default;

function readSchema(file: string): SchemaObject {
  return JSON.parse(readFileSync(path.join(SCHEMAS_DIR, file), "utf8")) as SchemaObject;
}

function createAjv(options: Options): Ajv {
  const ajv = new Ajv({ strict: true, discriminator: true, ...options });
  addFormats(ajv, { mode: "full" });
  return ajv;
}

/** Members of `response_channel` the node fills in a profile it signs (see publish.ts). */
export const NODE_FILLED_CHANNEL_MEMBERS = [
  "notify",
  "confirm",
  "booking_confirmation_message",
  "booking_error_message",
] as const;

/** The input variant: the published schema with the node-filled members made optional. */
function toInputSchema(published: SchemaObject): SchemaObject {
  const input = structuredClone(published);
  const filled: readonly string[] = NODE_FILLED_MEMBERS;
  const filledChannel: readonly string[] = NODE_FILLED_CHANNEL_MEMBERS;
  input.$id = INPUT_SCHEMA_ID;
  input.required = (input.required as string[]).filter((name) => !filled.includes(name));
  const channel = input.definitions.responseChannel as SchemaObject;
  channel.required = (channel.required as string[]).filter((name) => !filledChannel.includes(name));
  return input;
}

/**
 * The nested objects of a profile whose members v0.1 defines. The schema leaves them open,
 * as the official schema does; a member they do not define is a warning (see `closed`).
 */
const DEFINED_OBJECTS = [
  "proof",
  "dateSpan",
  "weeklyBlock",
  "dateBlock",
  "rangeBlock",
  "pricing",
  "notifyTarget",
  "responseChannel",
] as const;

/** A copy of the profile schema whose nested objects allow only the members v0.1 defines. */
export function closeDefinedObjects(schema: SchemaObject): SchemaObject {
  const closed = structuredClone(schema);
  const definitions = closed.definitions as Record<string, SchemaObject>;
  for (const name of DEFINED_OBJECTS) {
    const definition = definitions[name] as SchemaObject;
    definition.additionalProperties = false;
  }
  const channel = definitions.responseChannel as SchemaObject;
  channel.properties.confirm.additionalProperties = false;
  return closed;
}

export const profileSchema: SchemaObject = readSchema("calendario-schema-v0.1.json");
const CLOSED_SCHEMA_ID = "https://calendario.dev/schemas/calendario-profile-closed-v0.1.json";
export const userRulesSchema: SchemaObject = readSchema("user-rules.json");

// The validator and the admin API report every error at once; the arrays and strings the
// schema bounds keep allErrors cheap.
const listingAjv = createAjv({ allErrors: true });
const profileValidator = listingAjv.compile<CalendarioProfile>(profileSchema);
const inputValidator = listingAjv.compile(toInputSchema(profileSchema));
const closedValidator = listingAjv.compile({
  ...closeDefinedObjects(profileSchema),
  $id: CLOSED_SCHEMA_ID,
});
const rulesValidator = createAjv({}).compile<UserRules>(userRulesSchema);

const FORMAT_MESSAGES: Record<string, string> = {
  date: 'must be a date "YYYY-MM-DD" that exists',
  "date-time": "must be an RFC 3339 date-time with a time zone",
  uri: "must be an http(s) URL",
  email: "must be an email address",
};

// Raw patterns make poor messages; these say what each pattern of the schema means.
const definitions = profileSchema.definitions as Record<string, SchemaObject>;
const PATTERN_MESSAGES = new Map<string, string>([
  [
    profileSchema.properties.username.pattern,
    "must be 1-64 characters of a-z, 0-9, '.', '_' or '-', starting and ending with a letter or digit",
  ],
  [definitions.did?.pattern, "must be a DID (did:<method>:<id>)"],
  [definitions.httpUrl?.pattern, "must be an http(s) URL"],
  [
    definitions.hours?.items.pattern,
    'must be "HH:MM-HH:MM" on a 24-hour clock (24:00 allowed as the end)',
  ],
  [definitions.proof?.properties.jws.pattern, "must be a compact JWS (base64url parts and dots)"],
  [
    definitions.pricing?.properties.currency.pattern,
    "must be an ISO 4217 currency code such as USD",
  ],
]);

/**
 * Where this schema is stricter than the official one, the message says why: a value the
 * official schema lets through but that would make the profile unusable or unbounded.
 */
const STRICTER_BECAUSE: Record<string, string> = {
  "/version": "the only protocol version there is; another would be read by other rules",
  "/username": "it is the last segment of the profile URL and the local part of an address",
  "/self": "the proofs are checked against this DID",
  pattern: "another shape cannot be read the same way by every node",
  format: "another value cannot be fetched, opened or read as a date",
  bound: "a bound of this node, so that no profile makes validation or expansion costly",
  scheduling: "a profile without any block offers no time at all",
  weekly: "a weekly block without days is available on no day",
  date: "a date block without dates is available on no day",
  range: "a range block needs both ends to know which days it covers",
  currency: "a price without its currency cannot be read",
  proof: "only this proof type and purpose are defined by Calendario v0.1",
  day: "weekdays are lowercase English names, so every node reads them alike",
  hours: "a block without hours offers no time",
  days: "a block with an empty list of days offers no time",
  meta: "meta holds named tags and hints, so it is an object",
};

const BOUND_KEYWORDS = new Set([
  "maxLength",
  "minLength",
  "maxItems",
  "maxProperties",
  "minimum",
  "maximum",
  "uniqueItems",
]);

const BLOCK_RE = /^\/scheduling\/\d+$/;
const PROOF_RE = /^\/(?:self|organization|representing)_proof\/(?:type|proofPurpose)$/;

/** Why this schema refuses what the official one may accept; undefined where they agree. */
function stricterBecause(
  issue: ProfileIssue,
  error: ErrorObject,
  doc: unknown,
): string | undefined {
  const at = error.instancePath;
  if (issue.keyword === "required" && BLOCK_RE.test(at)) {
    const index = Number(at.slice("/scheduling/".length));
    const blocks = (doc as { scheduling?: unknown }).scheduling;
    const type = Array.isArray(blocks) ? (blocks[index] as { type?: unknown })?.type : undefined;
    return typeof type === "string" && ["weekly", "date", "range"].includes(type)
      ? STRICTER_BECAUSE[type]
      : undefined;
  }
  if (issue.keyword === "required" && /^\/pricing$/.test(at)) return STRICTER_BECAUSE.currency;
  if (issue.keyword === "minItems" && at === "/scheduling") return STRICTER_BECAUSE.scheduling;
  if (issue.keyword === "minItems" && /\/hours$/.test(at)) return STRICTER_BECAUSE.hours;
  if (issue.keyword === "minItems" && /\/days$/.test(at)) return STRICTER_BECAUSE.days;
  if (issue.keyword === "enum" && /\/days\/\d+$/.test(at)) return STRICTER_BECAUSE.day;
  if (issue.keyword === "type" && at === "/meta") return STRICTER_BECAUSE.meta;
  if (issue.keyword === "const" && PROOF_RE.test(at)) return STRICTER_BECAUSE.proof;
  if (
    Object.hasOwn(STRICTER_BECAUSE, at) &&
    (issue.keyword === "const" || issue.keyword === "pattern")
  )
    return STRICTER_BECAUSE[at];
  if (BOUND_KEYWORDS.has(issue.keyword)) return STRICTER_BECAUSE.bound;
  if (issue.keyword === "pattern") return STRICTER_BECAUSE.pattern;
  if (issue.keyword === "format") return STRICTER_BECAUSE.format;
  return undefined;
}

const BLACKOUT_RE = /^\/blackouts\/\d+$/;

function escapePointerToken(token: string): string {
  return token.replace(/~/g, "~0").replace(/\//g, "~1");
}

function toIssue(error: ErrorObject): ProfileIssue {
  const at = error.instancePath;
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case "required": {
      const name = String(params.missingProperty);
      return {
        pointer: `${at}/${escapePointerToken(name)}`,
        message: `"${name}" is required`,
        keyword: "required",
      };
    }
    case "additionalProperties": {
      const name = String(params.additionalProperty);
      return {
        pointer: `${at}/${escapePointerToken(name)}`,
        message: `unknown member "${name}"`,
        keyword: "additionalProperties",
      };
    }
    case "discriminator": {
      // A block without a known `type` has no branch to check; the fault is in `type` itself.
      const tag = String(params.tag);
      const pointer = `${at}/${escapePointerToken(tag)}`;
      if (params.error === "tag" && params.tagValue === undefined)
        return { pointer, message: `"${tag}" is required`, keyword: "required" };
      return { pointer, message: "must be one of weekly, date, range", keyword: "enum" };
    }
    case "enum": {
      const allowed = (params.allowedValues as unknown[]).map(String).join(", ");
      return { pointer: at, message: `must be one of ${allowed}`, keyword: "enum" };
    }
    case "const":
      return {
        pointer: at,
        message: `must be ${JSON.stringify(params.allowedValue)}`,
        keyword: "const",
      };
    case "format":
      return {
        pointer: at,
        message: FORMAT_MESSAGES[String(params.format)] ?? error.message ?? "is invalid",
        keyword: "format",
      };
    case "pattern":
      return {
        pointer: at,
        message: PATTERN_MESSAGES.get(String(params.pattern)) ?? error.message ?? "is invalid",
        keyword: "pattern",
      };
    case "type":
      // A blackout that is neither a string nor an object fails the span branch last.
      if (BLACKOUT_RE.test(at))
        return {
          pointer: at,
          message: 'must be a date "YYYY-MM-DD" or a {start, end} span',
          keyword: "type",
        };
      return { pointer: at, message: error.message ?? "is invalid", keyword: "type" };
    default:
      return { pointer: at, message: error.message ?? "is invalid", keyword: error.keyword };
  }
}

function issuesOf(validate: ValidateFunction, doc: unknown, explain = false): ProfileIssue[] {
  if (validate(doc)) return [];
  const issues: ProfileIssue[] = [];
  const seen = new Set<string>();
  for (const error of validate.errors ?? []) {
    // "must match then schema" only repeats the error found inside `then`.
    if (error.keyword === "if") continue;
    const issue = toIssue(error);
    // A value failing two keywords that mean the same thing (format and pattern of a URL) is one issue.
    const key = `${issue.pointer}\u0000${issue.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const because = explain ? stricterBecause(issue, error, doc) : undefined;
    issues.push(because ? { ...issue, message: `${issue.message}: ${because}` } : issue);
  }
  return issues;
}

export interface SchemaReport {
  errors: ProfileIssue[];
  /** Unknown members of nested objects: the official schema allows them, so only a warning. */
  warnings: ProfileIssue[];
}

/** Members of nested objects that v0.1 does not define (checked on a schema-valid profile). */
function unknownNestedMembers(doc: unknown): ProfileIssue[] {
  return issuesOf(closedValidator, doc)
    .filter((i) => i.keyword === "additionalProperties")
    .map((i) => ({ ...i, message: `${i.message} is not part of Calendario v0.1 (ignored)` }));
}

/** A published profile's errors (every member, proofs included) and warnings. */
export function checkProfileSchema(doc: unknown): SchemaReport {
  const errors = issuesOf(profileValidator, doc, true);
  return { errors, warnings: errors.length === 0 ? unknownNestedMembers(doc) : [] };
}

/** Checks a published profile: every member, proofs included, must be present and well-formed. */
export function validateProfileSchema(doc: unknown): ProfileIssue[] {
  return issuesOf(profileValidator, doc, true);
}

/** Checks a profile given to the node, which may leave the node-filled members out. */
export function validateProfileInput(doc: unknown): ProfileIssue[] {
  return issuesOf(inputValidator, doc, true);
}

/** Checks a user's node-level rules (buffers, focus blocks); stops at the first error. */
export function validateUserRules(doc: unknown): ProfileIssue[] {
  return issuesOf(rulesValidator, doc);
}
