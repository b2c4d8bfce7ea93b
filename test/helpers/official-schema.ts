/** The official Calendario schema (test/fixtures/official), compiled as its authors meant: draft-07, formats on. */
import { readFileSync } from "node:fs";
import path from "node:path";
import { Ajv, type ValidateFunction } from "ajv";
import addFormatsModule from "ajv-formats";
import { PACKAGE_ROOT } from "../../src/paths.js";

const addFormats = addFormatsModule.default;

export const OFFICIAL_SCHEMA_FILE = path.join(
  PACKAGE_ROOT,
  "test/fixtures/official/schema-v0.1.json",
);

/** Ajv's default class is draft-07; the official schema uses no keyword ajv's strict mode would question. */
export function compileOfficialSchema(): ValidateFunction {
  const ajv = new Ajv({ allErrors: true });
  addFormats(ajv);
  return ajv.compile(JSON.parse(readFileSync(OFFICIAL_SCHEMA_FILE, "utf8")));
}
