import type { ErrorRequestHandler, RequestHandler } from "express";
import {
  AppError,
  InvalidRequestError,
  NotFoundError,
  PayloadTooLargeError,
  RateLimitedError,
  UnsupportedMediaTypeError,
} from "../errors.js";
import type { Logger } from "../logger.js";
import { statusOf } from "./error-status.js";

/** Errors that express's body parser raises, mapped to ours by their `type`. */
function fromBodyParserError(err: { type?: string; message?: string }): AppError | undefined {
  switch (err.type) {
    case "entity.parse.failed":
      return new InvalidRequestError("Request body is not valid JSON", undefined, "malformed_json");
    case "entity.too.large":
      return new PayloadTooLargeError();
    case "encoding.unsupported":
    case "charset.unsupported":
      return new UnsupportedMediaTypeError("Unsupported content encoding or charset");
    case "request.aborted":
    case "request.size.invalid":
    case "stream.encoding.set":
      return new InvalidRequestError("Malformed request body");
    default:
      return undefined;
  }
}

/**
 * What express and node raise on a malformed request before any route runs: a path
 * parameter that is not percent-encoded UTF-8 (the router's URIError), a body that does
 * not decompress (a zlib or brotli error, given status 400 by the body parser).
 */
function fromMalformedRequest(err: {
  status?: unknown;
  code?: unknown;
  errno?: unknown;
}): AppError | undefined {
  if (err.status !== 400) return undefined;
  if (err instanceof URIError)
    return new InvalidRequestError("A path parameter is not valid percent-encoded UTF-8");
  if (
    typeof err.errno === "number" ||
    (typeof err.code === "string" && /^Z_|BROTLI/.test(err.code))
  )
    return new InvalidRequestError("Request body does not decompress with its Content-Encoding");
  return undefined;
}

/** Any error a route or express raised, as the node's error (unknown ones become a 500). */
export function appErrorOf(err: unknown): AppError {
  if (err instanceof AppError) return err;
  const raw = err as Parameters<typeof fromBodyParserError>[0] &
    Parameters<typeof fromMalformedRequest>[0];
  return fromBodyParserError(raw) ?? fromMalformedRequest(raw) ?? AppError.fromError(err);
}

export function notFoundHandler(): RequestHandler {
  return (req, _res, next) => next(new NotFoundError(`No route for ${req.method} ${req.path}`));
}

/**
 * A failed call in the log: a server fault (500) with its stack at `error`; a temporary
 * unavailability (503: the store outage itself is logged once, by the store's health
 * watch) or an upstream failure (502) at `warn`, one line without a stack, so an outage
 * does not flood the log.
 */
export function logFailure(
  logger: Logger,
  err: unknown,
  mapped: AppError,
  status: number,
  fields: Record<string, unknown>,
): void {
  if (status < 500) return;
  if (status === 500) logger.error({ ...fields, err }, "request failed");
  else logger.warn({ ...fields, status, code: mapped.code }, "request failed");
}

export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err, req, res, next) => {
    if (res.headersSent) {
      next(err);
      return;
    }
    const mapped = appErrorOf(err);
    const status = statusOf(mapped.code);
    // A 500 gets its own line, with the stack; other failures only mark the request's
    // log line (warn, with the code), so each failed request is one line.
    if (status === 500) logFailure(logger, err, mapped, status, { reqId: req.id, path: req.path });
    else res.locals.errorCode = mapped.code;
    if (mapped instanceof RateLimitedError && mapped.retryAfterSeconds !== undefined)
      res.set("Retry-After", String(mapped.retryAfterSeconds));
    res.status(status).json(mapped.payload);
  };
}
