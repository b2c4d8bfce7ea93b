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

/** The input variant: the published schema with the node-filled members made optional. */
function toInputSchema(published: SchemaObject): SchemaObject {
  const input = structuredClone(published);
  const filled: readonly string[] = NODE_FILLED_MEMBERS;
  input.$id = INPUT_SCHEMA_ID;
  input.required = (input.required as string[]).filter((name) => !filled.includes(name));
  return input;
}

export const profileSchema: SchemaObject = readSchema("calendario-schema-v0.1.json");
export const userRulesSchema: SchemaObject = readSchema("user-rules.json");

// The validator and the admin API report every error at once; the arrays and strings the
// schema bounds keep allErrors cheap.
const listingAjv = createAjv({ allErrors: true });
const profileValidator = listingAjv.compile<CalendarioProfile>(profileSchema);
const inputValidator = listingAjv.compile(toInputSchema(profileSchema));
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
  [
    definitions.notifyTarget?.properties.type.pattern,
    "must be email, sms, push, webhook, matrix_dm or an x- extension type",
  ],
]);

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

function issuesOf(validate: ValidateFunction, doc: unknown): ProfileIssue[] {
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
    issues.push(issue);
  }
  return issues;
}

/** Checks a published profile: every member, proofs included, must be present and well-formed. */
export function validateProfileSchema(doc: unknown): ProfileIssue[] {
  return issuesOf(profileValidator, doc);
}

/** Checks a profile given to the node, which may leave the node-filled members out. */
export function validateProfileInput(doc: unknown): ProfileIssue[] {
  return issuesOf(inputValidator, doc);
}

/** Checks a user's node-level rules (buffers, focus blocks); stops at the first error. */
export function validateUserRules(doc: unknown): ProfileIssue[] {
  return issuesOf(rulesValidator, doc);
}
