import type { Request } from "express";
import type { UserRecord } from "../arbiter/index.js";
import type { Context } from "../context.js";
import { NotFoundError } from "../errors.js";
import { USERNAME_RE } from "../profile/index.js";
import { bearerToken, isAdminToken } from "./auth.js";

/**
 * The user named by `:username`, if the caller may see them. A private profile is
 * indistinguishable from an unknown user to anyone but the admin.
 */
export async function visibleUser(ctx: Context, req: Request): Promise<UserRecord> {
  const username = req.params.username as string;
  const record = USERNAME_RE.test(username) ? await ctx.store.getUser(username) : null;
  const visible =
    record !== null &&
    (record.visibility === "public" ||
      isAdminToken(ctx.adminToken, bearerToken(req.headers.authorization)));
  if (!visible) throw new NotFoundError(`No Calendario profile for "${username}"`, "unknown_user");
  return record;
}
