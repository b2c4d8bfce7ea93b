import type { IncomingMessage, RequestListener, ServerResponse } from "node:http";
import type { PublishedProfile } from "../../arbiter/index.js";
import type { Context } from "../../context.js";
import { USERNAME_RE } from "../../profile/index.js";
import { routeDurations } from "../operations.js";
import { requestIdOf, requestLineWriter } from "../request-log.js";
import { answerProfile, PROFILE_ROUTE } from "./profile-answer.js";

const PREFIX = "/.well-known/calendario/";

/**
 * The node's request listener in front of `next` (the express app): a GET or HEAD of a
 * public profile — the most frequent request, from every peer and client that discovers
 * a user — is answered with node's own API before express (whose router passes cost more
 * than the answer), with what express would send: the same headers, ETag and 304, the
 * request id, the request's log line and its duration under the route's pattern (a query
 * is ignored, as express's route ignores it). Everything else goes to `next` untouched:
 * another method or path, a username that is not plainly one (percent-encoding, a
 * trailing slash, capitals), an unknown or private user (a private profile needs the
 * admin's token), a failed store read, and any phase but `ready` (while stopping, express
 * adds `Connection: close`).
 */
export function profileFastPath(ctx: Context, next: RequestListener): RequestListener {
  const writeLine = requestLineWriter(ctx.logger);
  const durations = routeDurations(ctx.operations.metrics, PROFILE_ROUTE);
  const answer = (
    req: IncomingMessage,
    res: ServerResponse,
    record: PublishedProfile | null,
    started: number,
  ): void => {
    if (record === null || record.visibility !== "public") {
      next(req, res);
      return;
    }
    req.id = requestIdOf(req);
    try {
      res.setHeader("X-Request-Id", req.id);
      answerProfile(req, res, record);
      // In the same turn as the answer, as express's line (which goes with its headers).
      writeLine(req, res.statusCode, started);
      durations.observe(req.method!, res.statusCode, (performance.now() - started) / 1000);
    } catch (err) {
      // What cannot be sent here (a record express could not send either) gets express's
      // answer to the same failure; one half sent is cut off; a sent one is kept.
      if (!res.headersSent) next(req, res);
      else if (!res.writableEnded) res.destroy();
      else
        ctx.logger.error({ err, reqId: req.id }, "profile answered, but its log or metric failed");
    }
  };
  return (req, res) => {
    const username = profileUsername(req);
    if (username === undefined || ctx.operations.phase !== "ready") {
      next(req, res);
      return;
    }
    const started = performance.now();
    ctx.store.getPublishedProfile(username).then(
      (record) => answer(req, res, record, started),
      // Express reads it again and answers the failure as it always does.
      () => next(req, res),
    );
  };
}

/** The username of a GET or HEAD of `/.well-known/calendario/{username}`, if plainly one. */
function profileUsername(req: IncomingMessage): string | undefined {
  if (req.method !== "GET" && req.method !== "HEAD") return undefined;
  const url = req.url;
  if (url === undefined || !url.startsWith(PREFIX)) return undefined;
  const query = url.indexOf("?", PREFIX.length);
  const username = query < 0 ? url.slice(PREFIX.length) : url.slice(PREFIX.length, query);
  return USERNAME_RE.test(username) ? username : undefined;
}
