import { randomUUID } from "node:crypto";
import type { RequestHandler } from "express";
import type { Logger } from "../logger.js";

declare module "http" {
  interface IncomingMessage {
    id?: string;
  }
}

/**
 * One structured log line per request, with a request id; never headers or bodies. At
 * `warn` for a 5xx answer, with its error code.
 */
export function requestLog(logger: Logger): RequestHandler {
  const enabled = logger.isLevelEnabled("warn");
  return (req, res, next) => {
    const incoming = req.headers["x-request-id"];
    req.id =
      typeof incoming === "string" && /^[\w.-]{1,64}$/.test(incoming) ? incoming : randomUUID();
    res.setHeader("X-Request-Id", req.id);
    if (enabled) {
      const started = process.hrtime.bigint();
      res.on("finish", () => {
        const failed = res.statusCode >= 500;
        if (!failed && !logger.isLevelEnabled("info")) return;
        const line = {
          reqId: req.id,
          method: req.method,
          path: req.path,
          status: res.statusCode,
          ms: Number(process.hrtime.bigint() - started) / 1e6,
          code: res.locals.errorCode as string | undefined,
        };
        if (failed) logger.warn(line, "request");
        else logger.info(line, "request");
      });
    }
    next();
  };
}
