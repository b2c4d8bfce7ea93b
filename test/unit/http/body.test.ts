/**
 * The plain-JSON fast path of `jsonBody` (Content-Length, `application/json`, UTF-8, not
 * compressed) gives what express's parser gives for the same bytes: the same body, the
 * same raw bytes, the same error. Each body is sent both ways — with a Content-Length
 * (the fast path) and chunked (express's parser) — and the answers compared.
 */
import { request as httpRequest, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import express from "express";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jsonBody, MAX_BODY_BYTES, rawBodyOf } from "../../../src/http/body.js";
import { errorHandler } from "../../../src/http/errors.js";
import { createLogger } from "../../../src/logger.js";

let server: Server;
let port: number;

beforeAll(async () => {
  const app = express();
  app.use(jsonBody());
  app.post("/echo", (req, res) => {
    res.json({ body: req.body ?? null, raw: rawBodyOf(req).toString("base64") });
  });
  app.use(errorHandler(createLogger("silent")));
  server = app.listen(0, "127.0.0.1");
  await new Promise((r) => server.once("listening", r));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise((r) => server.close(r)));

interface Answer {
  status: number;
  body: unknown;
}

/** POSTs `bytes`, with a Content-Length or chunked, and the parsed answer. */
function post(bytes: Buffer, how: "length" | "chunked", contentType: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { "content-type": contentType };
    if (how === "length") headers["content-length"] = String(bytes.length);
    else headers["transfer-encoding"] = "chunked";
    const req = httpRequest(
      { host: "127.0.0.1", port, method: "POST", path: "/echo", headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            body: JSON.parse(Buffer.concat(chunks).toString("utf8")),
          }),
        );
      },
    );
    req.on("error", reject);
    // Chunked: the body in two pieces, to read it across chunks too.
    if (how === "chunked" && bytes.length > 1) {
      req.write(bytes.subarray(0, 1));
      req.end(bytes.subarray(1));
    } else req.end(bytes);
  });
}

async function bothWays(bytes: Buffer, contentType = "application/json") {
  const fast = await post(bytes, "length", contentType);
  const general = await post(bytes, "chunked", contentType);
  return { fast, general };
}

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

describe("jsonBody: the plain-JSON fast path", () => {
  it.each([
    ["an object", Buffer.from('{"start":"2026-12-01T10:00:00Z","n":1}')],
    ["an array", Buffer.from("[1,2,3]")],
    ["a scalar", Buffer.from('"just a string"')],
    ["a byte order mark first", Buffer.concat([BOM, Buffer.from('{"a":1}')])],
    ["only a byte order mark", BOM],
    ["white space", Buffer.from("  \n ")],
    ["malformed JSON", Buffer.from('{"a":')],
    ["bytes that are not UTF-8", Buffer.from([0x22, 0xff, 0xfe, 0x22])],
    ["a __proto__ member", Buffer.from('{"__proto__":{"x":1}}')],
  ])("answers %s as express's parser does", async (_name, bytes) => {
    const { fast, general } = await bothWays(bytes);
    expect(fast).toEqual(general);
  });

  it("answers a malformed body with 400 malformed_json", async () => {
    const { fast } = await bothWays(Buffer.from("{nope"));
    expect(fast.status).toBe(400);
    expect(fast.body).toMatchObject({ error: { code: "malformed_json" } });
  });

  it("takes the charset parameter and any case, as express's parser does", async () => {
    for (const type of ["application/json; charset=utf-8", "Application/JSON;charset=UTF-8"]) {
      const { fast, general } = await bothWays(Buffer.from('{"a":[1]}'), type);
      expect(fast).toEqual(general);
      expect(fast.body).toMatchObject({ body: { a: [1] } });
    }
  });

  it("leaves an oversized body to express's parser: 413", async () => {
    const big = Buffer.from(JSON.stringify({ pad: "x".repeat(MAX_BODY_BYTES) }));
    const { fast, general } = await bothWays(big);
    expect(fast.status).toBe(413);
    expect(fast).toEqual(general);
  });

  it("gives the same answer as express's parser for any string of JSON-ish text", async () => {
    const jsonish = fc.oneof(
      fc.json(),
      fc.string({ unit: fc.constantFrom(...'{}[]":,0123456789aeflnrstu \\\n\ufeff') }),
      fc.string({ unit: "grapheme" }),
    );
    await fc.assert(
      fc.asyncProperty(jsonish, async (text) => {
        const { fast, general } = await bothWays(Buffer.from(text, "utf8"));
        expect(fast).toEqual(general);
      }),
      { numRuns: 150 },
    );
  });
});
