/**
 * The inbox's cookie session and its request checks: who is signed in (a PersonCaller
 * for the use cases), and the Origin check every state-changing request passes.
 */
import type { Request, RequestHandler, Response } from "express";
import type { PersonCaller } from "../../booking/index.js";
import type { Context } from "../../context.js";
import { AuthRequiredError, ForbiddenError } from "../../errors.js";
import { SESSION_TTL_MS, sessionUser } from "../../people/index.js";

export const SESSION_COOKIE = "calendario_session";

/** The value of one cookie of the request, or undefined. */
export function cookieOf(req: Request, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

function cookieAttributes(ctx: Context): string {
  const secure = ctx.cfg.service.publicUrl.startsWith("https:") ? "; Secure" : "";
  return `Path=/inbox; HttpOnly; SameSite=Strict${secure}`;
}

export function setSessionCookie(ctx: Context, res: Response, id: string): void {
  res.append(
    "Set-Cookie",
    `${SESSION_COOKIE}=${id}; Max-Age=${SESSION_TTL_MS / 1000}; ${cookieAttributes(ctx)}`,
  );
}

export function clearSessionCookie(ctx: Context, res: Response): void {
  res.append("Set-Cookie", `${SESSION_COOKIE}=; Max-Age=0; ${cookieAttributes(ctx)}`);
}

const persons = new WeakMap<Request, PersonCaller>();

/** Reads the session cookie; a live session makes the request's caller the person. */
export function readSession(ctx: Context): RequestHandler {
  return async (req, _res, next) => {
    try {
      const username = await sessionUser(ctx.signIn, cookieOf(req, SESSION_COOKIE));
      if (username) persons.set(req, { kind: "person", username });
      next();
    } catch (err) {
      next(err);
    }
  };
}

/** The signed-in person; AuthRequiredError (the inbox answers with the sign-in page) when none. */
export function personOf(req: Request): PersonCaller {
  const person = persons.get(req);
  if (!person) throw new AuthRequiredError("Sign in to see your inbox");
  return person;
}

export function isSignedIn(req: Request): boolean {
  return persons.has(req);
}

/**
 * Every POST of the inbox must come from the node's own pages: `Origin` equal to
 * PUBLIC_URL's origin. Missing or different: 403, nothing done. (With SameSite=Strict
 * cookies this is the second of two locks against cross-site requests.)
 */
export function requireSameOrigin(ctx: Context): RequestHandler {
  const expected = ctx.cfg.service.publicUrl;
  return (req, _res, next) => {
    if (req.method === "GET" || req.method === "HEAD") {
      next();
      return;
    }
    const origin = req.headers.origin;
    if (origin !== expected) {
      next(
        new ForbiddenError(
          origin === undefined
            ? "This form must be sent from the inbox page (no Origin header)"
            : "This form must be sent from the inbox page (Origin does not match)",
        ),
      );
      return;
    }
    next();
  };
}
