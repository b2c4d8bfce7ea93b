import { createHash, timingSafeEqual } from "node:crypto";
import type { RequestHandler } from "express";
import { AuthRequiredError, ForbiddenError } from "../errors.js";

function digest(value: string): Buffer {
  return createHash("sha256").update(value).digest();
}

/** Bearer token from an Authorization header, or undefined. */
export function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const m = /^Bearer[ ]+([^\s]+)\s*$/i.exec(header);
  return m?.[1];
}

/** True when `candidate` is the admin token; compared in constant time over digests. */
export function isAdminToken(adminToken: string, candidate: string | undefined): boolean {
  if (candidate === undefined) return false;
  return timingSafeEqual(digest(adminToken), digest(candidate));
}

/** 401 without a token, 403 with a wrong one. */
export function requireAdmin(adminToken: string): RequestHandler {
  return (req, _res, next) => {
    const token = bearerToken(req.headers.authorization);
    if (token === undefined) {
      next(new AuthRequiredError("Admin token required: Authorization: Bearer <ADMIN_TOKEN>"));
      return;
    }
    if (!isAdminToken(adminToken, token)) {
      next(new ForbiddenError("Admin token is not valid"));
      return;
    }
    next();
  };
}
