import type { RequestHandler } from "express";

/**
 * Sends every request whose path is `prefix` or below it to `branch` alone, and the
 * others on. The branch is the whole answer for its paths: whatever it leaves unanswered
 * (or any error it raises) goes to the app's error handler, so the routers after this one
 * are skipped for those paths — none of them serves any (each is mounted under a prefix of
 * its own). Matching ignores case, as express's own route matching does.
 */
export function pathPrefixBranch(
  prefix: string,
  branch: RequestHandler,
  unanswered: RequestHandler,
): RequestHandler {
  const lower = prefix.toLowerCase();
  const under = (path: string) =>
    path.length >= lower.length &&
    path.slice(0, lower.length).toLowerCase() === lower &&
    (path.length === lower.length || path.charCodeAt(lower.length) === 47); /* "/" */
  const dispatch: RequestHandler = (req, res, next) => {
    if (!under(req.path)) {
      next();
      return;
    }
    branch(req, res, (err?: unknown) => {
      if (err !== undefined && err !== null && err !== "route" && err !== "router") {
        next(err);
        return;
      }
      unanswered(req, res, next);
    });
  };
  // The branch's layers stay visible to whatever walks the app's router stack (tests that
  // list every registered route), as a mounted router's are.
  return Object.assign(dispatch, { stack: (branch as { stack?: unknown }).stack });
}
