/**
 * A test aid: with `CALENDARIO_VALIDATE_RESPONSES=1`, every answer the app sends is checked
 * against the OpenAPI document — the operation must exist, the status must be documented
 * (or fall to `default`), the media type must match and a JSON body must validate against
 * the schema. Mismatches are recorded (never changing the answer) and the test setup fails
 * the test file that saw any, so the document cannot drift from the node.
 */

import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";
import type { RequestHandler } from "express";
import { openApiDocument } from "./openapi.js";

const addFormats = addFormatsModule.default;

export const RESPONSE_CHECK_ENV = "CALENDARIO_VALIDATE_RESPONSES";

/** Recorded mismatches, kept on globalThis so the test setup sees the app's module instance. */
const KEY = Symbol.for("calendario.responseMismatches");
export function responseMismatches(): string[] {
  const g = globalThis as { [KEY]?: string[] };
  g[KEY] ??= [];
  return g[KEY];
}

type Json = Record<string, unknown>;
interface Operation {
  responses: Record<string, { content?: Record<string, { schema?: unknown }> }>;
}
interface PathEntry {
  template: string;
  re: RegExp;
  literal: number;
  ops: Record<string, Operation>;
}

function pathEntries(doc: Json): PathEntry[] {
  const entries = Object.entries(doc.paths as Record<string, Record<string, Operation>>).map(
    ([template, ops]) => ({
      template,
      ops,
      literal: template.split("/").filter((s) => !s.startsWith("{")).length,
      re: new RegExp(
        `^${template.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\\?\{\w+\\?\}/g, "[^/]+")}$`,
      ),
    }),
  );
  return entries.sort((a, b) => b.literal - a.literal);
}

const pointer = (...parts: string[]) =>
  parts.map((p) => p.replace(/~/g, "~0").replace(/\//g, "~1")).join("/");

export function responseCheck(): RequestHandler {
  const doc = openApiDocument("https://node.test");
  const entries = pathEntries(doc);
  const ajv = new Ajv2020({ strict: false, validateSchema: false, allErrors: true });
  addFormats(ajv, { mode: "full" });
  ajv.addSchema(doc, "openapi");
  const compiled = new Map<string, ValidateFunction>();
  const validator = (ref: string) => {
    let v = compiled.get(ref);
    if (!v) {
      v = ajv.compile({ $ref: `openapi#/${ref}` });
      compiled.set(ref, v);
    }
    return v;
  };
  const record = (what: string) => responseMismatches().push(what);

  return (req, res, next) => {
    const chunks: Buffer[] = [];
    const { write, end } = res;
    const keep = (chunk: unknown, encoding: unknown) => {
      if (chunk === undefined || chunk === null || typeof chunk === "function") return;
      chunks.push(
        Buffer.isBuffer(chunk)
          ? chunk
          : Buffer.from(
              chunk as string,
              (typeof encoding === "string" ? encoding : "utf8") as BufferEncoding,
            ),
      );
    };
    res.write = function (this: typeof res, chunk: unknown, ...rest: unknown[]) {
      keep(chunk, rest[0]);
      return (write as (...a: unknown[]) => boolean).call(this, chunk, ...rest);
    } as typeof res.write;
    res.end = function (this: typeof res, chunk?: unknown, ...rest: unknown[]) {
      keep(chunk, rest[0]);
      return (end as (...a: unknown[]) => typeof res).call(this, chunk, ...rest);
    } as typeof res.end;
    res.once("finish", () => {
      const method = req.method.toLowerCase();
      // originalUrl: a middleware mounted on a path (app.use("/mcp", …)) that answers
      // without next() leaves req.url stripped of its mount path.
      const path = req.originalUrl.split("?")[0]!;
      // The inbox is pages for people, not the API the document describes (docs/PROTOCOL.md).
      if (path === "/inbox" || path.startsWith("/inbox/")) return;
      const status = String(res.statusCode);
      const where = `${req.method} ${req.originalUrl} → ${status}`;
      const entry = entries.find((e) => e.re.test(path) && e.ops[method]);
      if (!entry) {
        if (status !== "404" && status !== "401" && status !== "400" && status !== "415")
          record(`${where}: no operation in the OpenAPI document`);
        return;
      }
      const op = entry.ops[method]!;
      const key = op.responses[status] ? status : "default";
      const content = op.responses[key]?.content;
      const body = Buffer.concat(chunks);
      if (!content) {
        if (body.length > 0 && method !== "head") record(`${where}: documented without a body`);
        return;
      }
      const type = String(res.getHeader("content-type") ?? "")
        .split(";")[0]!
        .trim();
      if (!content[type]) {
        record(`${where}: content type ${type || "(none)"}, documented ${Object.keys(content)}`);
        return;
      }
      if (!type.endsWith("json")) return;
      let value: unknown;
      try {
        value = JSON.parse(body.toString("utf8"));
      } catch {
        record(`${where}: not JSON`);
        return;
      }
      const v = validator(
        pointer("paths", entry.template, method, "responses", key, "content", type, "schema"),
      );
      if (!v(value))
        record(
          `${where}: ${ajv.errorsText(v.errors, { separator: "; " })} in ${JSON.stringify(value).slice(0, 400)}`,
        );
    });
    next();
  };
}
