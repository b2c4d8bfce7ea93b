/**
 * Signing in and out. A login link opens a page with a Sign in button; only its POST
 * spends the link (a scanner that fetches the link spends nothing), starts a new session
 * (a fresh id every time: no session fixation) and sets the cookie. `/inbox/login` sends
 * a link by email when the node has SMTP, and otherwise says to ask the administrator.
 */
import { Router } from "express";
import type { Context } from "../../context.js";
import { RateLimitedError } from "../../errors.js";
import {
  consumeLoginLink,
  endSession,
  mailLoginLink,
  startSession,
  usernameFromInput,
} from "../../people/index.js";
import { html } from "./html.js";
import { messagePage, page } from "./layout.js";
import {
  clearSessionCookie,
  cookieOf,
  isSignedIn,
  SESSION_COOKIE,
  setSessionCookie,
} from "./session.js";

/** Login emails asked from one client address, and for one username, per window. */
const LOGIN_MAILS_PER_CLIENT = 10;
const LOGIN_MAILS_PER_USER = 3;
const LOGIN_MAIL_WINDOW_MS = 15 * 60_000;

const formValue = (body: unknown, name: string): string | undefined => {
  const v = (body as Record<string, unknown> | undefined)?.[name];
  return typeof v === "string" ? v : undefined;
};

/** Where to go after signing in: a page of the inbox (a notification email names one), else the inbox. */
function pageAfterSignIn(next: unknown): string {
  return typeof next === "string" && /^\/inbox(\/[A-Za-z0-9_-]+)*(#[A-Za-z0-9_-]+)?$/.test(next)
    ? next
    : "/inbox";
}

export function signinRouter(ctx: Context): Router {
  const router = Router();

  router.get("/inbox/signin", (req, res) => {
    const token = typeof req.query.token === "string" ? req.query.token : "";
    res.type("html").send(
      page({
        title: "Sign in",
        body: html`<p>Sign in to your Calendario inbox. The link works once.</p>
<form method="post" action="/inbox/signin">
  <input type="hidden" name="token" value="${token}">
  <input type="hidden" name="next" value="${pageAfterSignIn(req.query.next)}">
  <button type="submit" class="primary">Sign in</button>
</form>`,
      }),
    );
  });

  router.post("/inbox/signin", async (req, res) => {
    const use = await consumeLoginLink(ctx.signIn, formValue(req.body, "token") ?? "");
    if (use.status === "expired") {
      res
        .status(410)
        .type("html")
        .send(
          messagePage(
            "Link expired",
            html`This sign-in link has expired (links work for 15 minutes). <a href="/inbox/login">Get a new link</a>.`,
            true,
          ),
        );
      return;
    }
    if (use.status === "invalid") {
      res
        .status(400)
        .type("html")
        .send(
          messagePage(
            "Link not valid",
            html`This sign-in link is not valid: it was already used, or it is not a link of this node. <a href="/inbox/login">Get a new link</a>.`,
            true,
          ),
        );
      return;
    }
    // Whatever session the browser brought ends: the person gets a new id.
    await endSession(ctx.signIn, cookieOf(req, SESSION_COOKIE));
    const session = await startSession(ctx.signIn, use.username);
    setSessionCookie(ctx, res, session.id);
    ctx.logger.info({ username: use.username }, "person signed in");
    res.redirect(303, pageAfterSignIn(formValue(req.body, "next")));
  });

  router.post("/inbox/signout", async (req, res) => {
    await endSession(ctx.signIn, cookieOf(req, SESSION_COOKIE));
    clearSessionCookie(ctx, res);
    res.type("html").send(messagePage("Signed out", "You are signed out."));
  });

  router.get("/inbox/login", (req, res) => {
    if (isSignedIn(req)) {
      res.redirect(303, "/inbox");
      return;
    }
    if (!ctx.mailer) {
      res
        .type("html")
        .send(
          messagePage(
            "Sign in",
            "To sign in, ask your administrator for a sign-in link (calendario login-link <username>).",
          ),
        );
      return;
    }
    res.type("html").send(
      page({
        title: "Sign in",
        body: html`<form method="post" action="/inbox/login">
  <label for="who">Your username or address</label>
  <input type="text" id="who" name="username" autocomplete="username" required maxlength="320">
  <button type="submit" class="primary">Email me a sign-in link</button>
</form>`,
      }),
    );
  });

  router.post("/inbox/login", async (req, res) => {
    const mailer = ctx.mailer;
    if (!mailer) {
      res
        .status(404)
        .type("html")
        .send(
          messagePage(
            "Sign in",
            "This node sends no email: ask your administrator for a sign-in link.",
            true,
          ),
        );
      return;
    }
    const input = formValue(req.body, "username") ?? "";
    const username = usernameFromInput(input.slice(0, 320), ctx.cfg.service.domain);
    const byClient = await ctx.store.hitRateLimit(
      `inbox-login:ip:${req.ip ?? "unknown"}`,
      LOGIN_MAILS_PER_CLIENT,
      LOGIN_MAIL_WINDOW_MS,
    );
    const byUser = username
      ? await ctx.store.hitRateLimit(
          `inbox-login:user:${username}`,
          LOGIN_MAILS_PER_USER,
          LOGIN_MAIL_WINDOW_MS,
        )
      : { allowed: true, retryAfterMs: 0 };
    if (!byClient.allowed)
      throw new RateLimitedError(
        "Too many sign-in emails asked from here; try again later",
        Math.ceil(byClient.retryAfterMs / 1000),
      );
    // Sent after the answer, and the answer is the same either way: nothing tells who exists.
    if (username && byUser.allowed)
      void mailLoginLink({ ...ctx.signIn, mailer, logger: ctx.logger }, username).catch((err) =>
        ctx.logger.warn({ err: (err as Error).message }, "login link email failed"),
      );
    res
      .type("html")
      .send(
        messagePage(
          "Check your email",
          "If this user exists and their profile lists an email address, a sign-in link was sent to it. It works once, for 15 minutes.",
        ),
      );
  });

  return router;
}
