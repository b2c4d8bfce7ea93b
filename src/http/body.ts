import type { IncomingMessage } from "node:http";
import express, { type Request, type RequestHandler } from "express";
import { InvalidRequestError, UnsupportedMediaTypeError } from "../errors.js";

export const MAX_BODY_BYTES = 256 * 1024;

function hasBody(req: Parameters<RequestHandler>[0]): boolean {
  const len = req.headers["content-length"];
  return req.headers["transfer-encoding"] !== undefined || (len !== undefined && len !== "0");
}

/**
 * JSON bodies only: a body of another type is a 415, malformed JSON a 400, an oversized
 * body a 413 (mapped in errors.ts). Requests without a body pass through.
 */
export function jsonBody(): RequestHandler[] {
  const requireJson: RequestHandler = (req, _res, next) => {
    if (!hasBody(req) || req.is("application/json") || req.is("application/*+json")) {
      next();
      return;
    }
    next(new UnsupportedMediaTypeError());
  };
  const parse = express.json({
    limit: MAX_BODY_BYTES,
    strict: false,
    type: ["application/json", "application/*+json"],
    verify: (req, _res, buf) => {
      rawBodies.set(req, buf);
    },
  });
  const general: RequestHandler = (req, res, next) => {
    requireJson(req, res, (err?: unknown) => (err ? next(err) : parse(req, res, next)));
  };
  return [
    (req, res, next) => {
      const length = plainJsonLength(req);
      if (length === undefined) general(req, res, next);
      else readPlainJson(req, length, next);
    },
  ];
}

/** `application/json`, bare or with `charset=utf-8`: what agents send. */
const PLAIN_JSON_TYPE = /^application\/json[ \t]*(?:;[ \t]*charset[ \t]*=[ \t]*"?utf-8"?[ \t]*)?$/i;

/**
 * The declared length of the common body — plain JSON in UTF-8, not compressed, with a
 * Content-Length within the limit, not yet read — or undefined for anything else, which
 * goes through express's parser. Both ways give the same body and the same errors.
 */
function plainJsonLength(req: IncomingMessage): number | undefined {
  const { headers } = req;
  const declared = headers["content-length"];
  if (declared === undefined || headers["transfer-encoding"] !== undefined) return undefined;
  const encoding = headers["content-encoding"];
  if (encoding !== undefined && encoding.toLowerCase() !== "identity") return undefined;
  const type = headers["content-type"];
  if (type === undefined || !PLAIN_JSON_TYPE.test(type)) return undefined;
  if (!/^\d{1,7}$/.test(declared)) return undefined;
  const length = Number(declared);
  if (length === 0 || length > MAX_BODY_BYTES || req.readableEnded || req.complete)
    return undefined;
  return length;
}

/**
 * Reads a plain JSON body of `length` bytes: as express's parser does, a leading byte
 * order mark is dropped, an empty document is `{}`, any JSON value is taken, and the raw
 * bytes are kept for `rawBodyOf`.
 */
function readPlainJson(req: Request, length: number, next: (err?: unknown) => void): void {
  const chunks: Buffer[] = [];
  let received = 0;
  let settled = false;
  const finish = (err?: unknown) => {
    if (settled) return;
    settled = true;
    req.off("data", onData);
    req.off("end", onEnd);
    req.off("error", onError);
    req.off("aborted", onAborted);
    next(err);
  };
  const onData = (chunk: Buffer) => {
    received += chunk.length;
    chunks.push(chunk);
  };
  const onError = () => finish(new InvalidRequestError("Malformed request body"));
  const onAborted = onError;
  const onEnd = () => {
    if (received !== length) {
      finish(new InvalidRequestError("Malformed request body"));
      return;
    }
    const raw = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, received);
    rawBodies.set(req, raw);
    let text = raw.toString("utf8");
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    try {
      req.body = text.length === 0 ? {} : JSON.parse(text);
    } catch {
      finish(
        new InvalidRequestError("Request body is not valid JSON", undefined, "malformed_json"),
      );
      return;
    }
    finish();
  };
  req.on("data", onData);
  req.on("end", onEnd);
  req.on("error", onError);
  req.on("aborted", onAborted);
}

/** The exact bytes of each parsed body: request tokens sign a hash of them. */
const rawBodies = new WeakMap<IncomingMessage, Buffer>();

const EMPTY = Buffer.alloc(0);

/** The body's bytes as received (empty when there was none). */
export function rawBodyOf(req: Request): Buffer {
  return rawBodies.get(req) ?? EMPTY;
}
