/**
 * The JSON Schemas of `schemas/` as OpenAPI components: one per file, named after the file
 * in PascalCase (`api/booking-request.json` → `BookingRequest`, the profile schema →
 * `CalendarioProfile`). The files are draft-07; the components are the same schemas made
 * self-contained for OpenAPI 3.1 (JSON Schema 2020-12): `$schema` and `$id` dropped,
 * `definitions` renamed `$defs`, and every `$ref` pointing into the document.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { SCHEMAS_DIR } from "../../paths.js";

type Json = Record<string, unknown>;

const RENAMED: Record<string, string> = { "calendario-schema-v0.1": "CalendarioProfile" };

/** `agent-create-request.json` → `AgentCreateRequest`. */
export function componentName(file: string): string {
  const base = path.basename(file, ".json");
  return (
    RENAMED[base] ??
    base
      .split("-")
      .map((part) => part[0]!.toUpperCase() + part.slice(1))
      .join("")
  );
}

function schemaFiles(): string[] {
  const files: string[] = [];
  for (const dir of ["", "api", "responses"])
    for (const f of readdirSync(path.join(SCHEMAS_DIR, dir)))
      if (f.endsWith(".json")) files.push(path.join(dir, f));
  return files.sort();
}

function rewrite(node: unknown, name: string, byId: Map<string, string>, base: string): unknown {
  if (Array.isArray(node)) return node.map((n) => rewrite(n, name, byId, base));
  if (typeof node !== "object" || node === null) return node;
  const out: Json = {};
  for (const [key, value] of Object.entries(node as Json)) {
    if (key === "$schema" || key === "$id") continue;
    if (key === "$ref" && typeof value === "string") {
      out.$ref = value.startsWith("#/definitions/")
        ? `#/components/schemas/${name}/$defs/${value.slice("#/definitions/".length)}`
        : `#/components/schemas/${byId.get(new URL(value, base).href) ?? missing(value, name)}`;
      continue;
    }
    out[key === "definitions" ? "$defs" : key] = rewrite(value, name, byId, base);
  }
  return out;
}

function missing(ref: string, name: string): never {
  throw new Error(`schema ${name}: $ref ${ref} names no file of schemas/`);
}

/** Every schema of `schemas/`, by component name, ready for `components.schemas`. */
export function componentSchemas(): Record<string, Json> {
  const raw = schemaFiles().map((file) => ({
    file,
    name: componentName(file),
    schema: JSON.parse(readFileSync(path.join(SCHEMAS_DIR, file), "utf8")) as Json,
  }));
  const byId = new Map(raw.map((r) => [String(r.schema.$id), r.name]));
  const out: Record<string, Json> = {};
  for (const r of raw) {
    if (out[r.name]) throw new Error(`two schemas named ${r.name}`);
    out[r.name] = rewrite(r.schema, r.name, byId, String(r.schema.$id)) as Json;
  }
  return out;
}
