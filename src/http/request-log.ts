import { randomUUID } from "node:crypto";
import type { RequestHandler } from "express";
import type { Logger } from "../logger.js";

declare module "http" {
  interface IncomingMessage {
    id?: string;
  }
}

/** One structured log line per request, with a request id; never headers or bodies. */
export function requestLog(logger: Logger): RequestHandler {
  const enabled = logger.isLevelEnabled("info");
  return (req, res, next) => {
    const incoming = req.headers["x-request-id"];
    req.id =
      typeof incoming === "string" && /^[\w.-]{1,64}$/.test(incoming) ? incoming : randomUUID();
    res.setHeader("X-Request-Id", req.id);
    if (enabled) {
      const started = process.hrtime.bigint();
      res.on("finish", () => {
        logger.info(
          {
            reqId: req.id,
            method: req.method,
            path: req.path,
            status: res.statusCode,
            ms: Number(process.hrtime.bigint() - started) / 1e6,
          },
          "request",
        );
      });
    }
    next();
  };
}
