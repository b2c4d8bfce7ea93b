/**
 * What each MCP tool answers (`structuredContent`): the schemas of
 * `schemas/mcp/tool-outputs.json`, which refer to `schemas/responses/` where a tool answers
 * what its `/v1` route answers. A tool list must carry self-contained schemas (a client
 * cannot fetch our files), so every `$ref` is inlined here, once, at load.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { SCHEMAS_DIR } from "../../paths.js";
import { INPUT_SCHEMAS, type JsonSchema, type ToolName } from "./schemas.js";

type Json = unknown;

function readSchemaFile(file: string): Record<string, Json> {
  return JSON.parse(readFileSync(file, "utf8"));
}

/** A JSON pointer (`/definitions/slot`) in `doc`. */
function at(doc: Json, pointer: string, where: string): Json {
  let node = doc;
  for (const raw of pointer.split("/").slice(1)) {
    const key = raw.replaceAll("~1", "/").replaceAll("~0", "~");
    if (typeof node !== "object" || node === null || !Object.hasOwn(node, key))
      throw new Error(`${where}: no ${pointer}`);
    node = (node as Record<string, Json>)[key];
  }
  return node;
}

/**
 * `node` with every `$ref` (to a definition in its file or to another file, relative to
 * the file that names it) replaced by what it names, without `$schema` and `$id` (a
 * validator compiling two tools' schemas would otherwise see one `$id` twice).
 */
export function inlineRefs(node: Json, file: string, doc: Json, seen: string[] = []): Json {
  if (Array.isArray(node)) return node.map((n) => inlineRefs(n, file, doc, seen));
  if (typeof node !== "object" || node === null) return node;
  const obj = node as Record<string, Json>;
  if (typeof obj.$ref === "string") {
    const [target = "", pointer = ""] = obj.$ref.split("#");
    const targetFile = target === "" ? file : path.resolve(path.dirname(file), target);
    const key = `${targetFile}#${pointer}`;
    if (seen.includes(key)) throw new Error(`${file}: $ref cycle through ${key}`);
    const targetDoc = target === "" ? doc : readSchemaFile(targetFile);
    return inlineRefs(at(targetDoc, pointer, targetFile), targetFile, targetDoc, [...seen, key]);
  }
  const out: Record<string, Json> = {};
  for (const [k, v] of Object.entries(obj)) {
    if (k === "$schema" || k === "$id") continue;
    out[k] = inlineRefs(v, file, doc, seen);
  }
  return out;
}

const FILE = path.join(SCHEMAS_DIR, "mcp", "tool-outputs.json");

function loadOutputSchemas(): Record<ToolName, JsonSchema> {
  const doc = readSchemaFile(FILE);
  const tools = doc.tools as Record<string, Json>;
  const missing = Object.keys(INPUT_SCHEMAS).filter((name) => !Object.hasOwn(tools, name));
  const unknown = Object.keys(tools).filter((name) => !Object.hasOwn(INPUT_SCHEMAS, name));
  if (missing.length > 0 || unknown.length > 0)
    throw new Error(`${FILE}: no schema for [${missing}], schemas of no tool [${unknown}]`);
  return Object.fromEntries(
    Object.keys(tools).map((name) => [name, inlineRefs(tools[name], FILE, doc)]),
  ) as Record<ToolName, JsonSchema>;
}

export const OUTPUT_SCHEMAS = loadOutputSchemas();
