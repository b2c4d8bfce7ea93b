import type { IncomingMessage } from "node:http";
import express, { type Request, type RequestHandler } from "express";
import { UnsupportedMediaTypeError } from "../errors.js";

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
  return [requireJson, parse];
}

/** The exact bytes of each parsed body: request tokens sign a hash of them. */
const rawBodies = new WeakMap<IncomingMessage, Buffer>();

const EMPTY = Buffer.alloc(0);

/** The body's bytes as received (empty when there was none). */
export function rawBodyOf(req: Request): Buffer {
  return rawBodies.get(req) ?? EMPTY;
}
