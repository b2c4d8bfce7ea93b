/**
 * `/inbox`: the person's door. Server-rendered pages (one module per page), a cookie
 * session, an Origin check on every POST, a strict Content-Security-Policy, and errors
 * answered as pages. Mounted before the JSON body parser: its forms are urlencoded.
 */
import express, { type ErrorRequestHandler, type RequestHandler, Router } from "express";
import type { Context } from "../../context.js";
import { AppError, AuthRequiredError, NotFoundError, RateLimitedError } from "../../errors.js";
import { statusOf } from "../error-status.js";
import { appErrorOf } from "../errors.js";
import { activityRouter } from "./activity.js";
import { agentsRouter } from "./agents.js";
import { askRouter } from "./ask.js";
import { INBOX_CSS, INBOX_JS } from "./assets.js";
import { bookingsRouter } from "./bookings.js";
import { inboxEventsRouter } from "./events.js";
import { messagePage } from "./layout.js";
import { requestsRouter } from "./requests.js";
import { readSession, requireSameOrigin } from "./session.js";
import { signinRouter } from "./signin.js";
import { suggestionsRouter } from "./suggestions.js";

export const INBOX_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
  "form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

const FORM_LIMIT = "16kb";

const securityHeaders: RequestHandler = (_req, res, next) => {
  res.set({
    "Content-Security-Policy": INBOX_CSP,
    "X-Content-Type-Options": "nosniff",
    // Not no-referrer: with it Chromium sends `Origin: null` on form posts.
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
  });
  next();
};

function assetRoutes(): Router {
  const router = Router();
  router.get("/inbox/assets/inbox.css", (_req, res) => {
    res.set("Cache-Control", "public, max-age=300").type("text/css").send(INBOX_CSS);
  });
  router.get("/inbox/assets/inbox.js", (_req, res) => {
    res.set("Cache-Control", "public, max-age=300").type("text/javascript").send(INBOX_JS);
  });
  return router;
}

/** Errors of the inbox as pages: not signed in → the sign-in page; others by their code's status. */
function errorPages(ctx: Context): ErrorRequestHandler {
  return (err, req, res, next) => {
    if (res.headersSent) {
      next(err);
      return;
    }
    if (
      err instanceof AuthRequiredError &&
      req.method === "GET" &&
      req.originalUrl.split("?")[0] !== "/inbox/events"
    ) {
      res.redirect(303, "/inbox/login");
      return;
    }
    // Malformed requests (a path parameter that is not UTF-8, a form too large) as the API maps them.
    const mapped = appErrorOf(err);
    const status = statusOf(mapped.code);
    if (status >= 500)
      ctx.logger.error({ err, reqId: req.id, path: req.originalUrl }, "inbox page failed");
    if (mapped instanceof RateLimitedError && mapped.retryAfterSeconds !== undefined)
      res.set("Retry-After", String(mapped.retryAfterSeconds));
    const message =
      status === 502 && err instanceof AppError
        ? // The other organization failed (its code, not its details): worth saying so.
          `The other organization could not be reached or verified (${mapped.code}); try again later.`
        : status >= 500
          ? "Something went wrong; try again shortly."
          : mapped.message;
    res
      .status(status)
      .type("html")
      .send(
        messagePage(
          status === 404 ? "Not found" : status === 403 ? "Refused" : "Not done",
          message,
          true,
        ),
      );
  };
}

export function inboxRouter(ctx: Context): Router {
  const router = Router();
  router.use("/inbox", securityHeaders);
  router.use(assetRoutes());
  router.use("/inbox", express.urlencoded({ extended: false, limit: FORM_LIMIT }));
  router.use("/inbox", requireSameOrigin(ctx));
  router.use("/inbox", readSession(ctx));
  router.use(signinRouter(ctx));
  router.use(requestsRouter(ctx));
  router.use(bookingsRouter(ctx));
  router.use(agentsRouter(ctx));
  router.use(askRouter(ctx));
  router.use(suggestionsRouter(ctx));
  router.use(activityRouter(ctx));
  router.use(inboxEventsRouter(ctx));
  router.use("/inbox", (req, _res, next) => next(new NotFoundError(`No page ${req.path}`)));
  router.use("/inbox", errorPages(ctx));
  return router;
}
