import { randomUUID } from "node:crypto";
import { type IncomingMessage, ServerResponse } from "node:http";
import type { Express, RequestHandler, Response } from "express";
import { LEVEL, type Logger, lineWriter } from "../logger.js";

declare module "http" {
  interface IncomingMessage {
    id?: string;
  }
}

const REQUEST_ID = /^[\w.-]{1,64}$/;

/** The request's id: its own `X-Request-Id` when that is 1–64 of `[A-Za-z0-9_.-]`, else a new UUID. */
export function requestIdOf(req: IncomingMessage): string {
  const incoming = req.headers["x-request-id"];
  return typeof incoming === "string" && REQUEST_ID.test(incoming) ? incoming : randomUUID();
}

/**
 * Writes the one line of an answered request (`req.id` set, `started` from
 * performance.now() when it came in); for every door, express's or not.
 */
export type RequestLineWriter = (
  req: IncomingMessage & { originalUrl?: string },
  status: number,
  started: number,
  errorCode?: string,
) => void;

export function requestLineWriter(logger: Logger): RequestLineWriter {
  const lines = lineWriter(logger);
  return (req, status, started, errorCode) => {
    const level = status >= 500 ? LEVEL.warn : LEVEL.info;
    if (!lines.enabled(level)) return;
    const url = req.originalUrl ?? req.url ?? "";
    const query = url.indexOf("?");
    const path = query < 0 ? url : url.slice(0, query);
    const ms = Math.round((performance.now() - started) * 1000) / 1000;
    const code = level === LEVEL.warn ? errorCode : undefined;
    // The request id is checked above ([\w.-]) or a UUID: it needs no escaping.
    lines.write(
      level,
      `,"reqId":"${req.id}","method":${JSON.stringify(req.method)},"path":${JSON.stringify(path)},"status":${status},"ms":${ms}${code === undefined ? "" : `,"code":${JSON.stringify(code)}`}`,
      "request",
    );
  };
}

/** When the request came in (performance.now()), until its line is written; then -1. */
const STARTED = Symbol("request log: started");
type Tracked = Response & { [STARTED]?: number };

/**
 * One structured log line per request, with a request id; never headers, bodies or the
 * query. At `warn` for a 5xx answer, with its error code. The line is handed to the log
 * when the answer's headers are sent, in the same turn as the answer, without a listener
 * per request; `ms` is the time until then: the whole time of an ordinary answer (its
 * headers go with its body), until it opened for a stream.
 */
export function requestLog(app: Express, logger: Logger): RequestHandler {
  const writeLine = requestLineWriter(logger);
  const writeHead = ServerResponse.prototype.writeHead;
  // Once per app, on express's response prototype: every answer's headers pass through
  // writeHead (res.end calls it when nothing did), and nothing is added per request.
  Object.defineProperty(app.response, "writeHead", {
    configurable: true,
    writable: true,
    value: function writeHeadLogged(this: Tracked, ...args: unknown[]) {
      const started = this[STARTED];
      if (started !== undefined && started >= 0) {
        this[STARTED] = -1;
        writeLine(this.req, this.statusCode, started, this.locals.errorCode as string | undefined);
      }
      return (writeHead as (...a: unknown[]) => ServerResponse).apply(this, args);
    },
  });
  return (req, res, next) => {
    req.id = requestIdOf(req);
    res.setHeader("X-Request-Id", req.id);
    (res as Tracked)[STARTED] = performance.now();
    next();
  };
}
