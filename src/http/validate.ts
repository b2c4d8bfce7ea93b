/**
 * Request bodies are checked at the edge against `schemas/api/*.json`, compiled once.
 * The first error is reported with a JSON pointer to the offending value.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import addFormatsModule from "ajv-formats";
import { InvalidRequestError } from "../errors.js";
import { SCHEMAS_DIR } from "../paths.js";

const addFormats = addFormatsModule.default;
const API_DIR = path.join(SCHEMAS_DIR, "api");

const ajv = new Ajv({ strict: true, allErrors: false });
addFormats(ajv, { mode: "full" });

const validators = new Map<string, ValidateFunction>();
for (const file of readdirSync(API_DIR).filter((f) => f.endsWith(".json"))) {
  validators.set(
    file.replace(/\.json$/, ""),
    ajv.compile(JSON.parse(readFileSync(path.join(API_DIR, file), "utf8"))),
  );
}

function pointerOf(err: ErrorObject): string {
  if (err.keyword === "required")
    return `${err.instancePath}/${(err.params as { missingProperty: string }).missingProperty}`;
  if (err.keyword === "additionalProperties")
    return `${err.instancePath}/${(err.params as { additionalProperty: string }).additionalProperty}`;
  return err.instancePath || "/";
}

function messageOf(err: ErrorObject): string {
  if (err.keyword === "additionalProperties")
    return `unknown member "${(err.params as { additionalProperty: string }).additionalProperty}"`;
  if (err.keyword === "required")
    return `"${(err.params as { missingProperty: string }).missingProperty}" is required`;
  return err.message ?? "is invalid";
}

/** Returns the body typed as T, or throws a 400 naming where it is wrong. */
export function validateBody<T>(schema: string, body: unknown): T {
  const validate = validators.get(schema);
  if (!validate) throw new Error(`no request schema "${schema}"`);
  if (validate(body)) return body as T;
  const err = validate.errors![0]!;
  const pointer = pointerOf(err);
  throw new InvalidRequestError(`Invalid request body: ${pointer} ${messageOf(err)}`, [
    { pointer, message: messageOf(err) },
  ]);
}
