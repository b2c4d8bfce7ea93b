import type { Router } from "express";
import { signCheckpoint } from "../../audit/index.js";
import type { Context } from "../../context.js";
import { ForbiddenError, InvalidRequestError, NotFoundError } from "../../errors.js";
import { USERNAME_RE } from "../../profile/index.js";
import { callerOf } from "../auth.js";
import { intParam } from "./params.js";

const MAX_EVENTS = 1000;

/** `archive=<n>`: the admin reads the closed chain of a deleted user (see the admin API). */
async function archiveParam(
  ctx: Context,
  caller: "agent" | "admin",
  username: string,
  raw: unknown,
): Promise<number | undefined> {
  if (raw === undefined) return undefined;
  if (caller !== "admin") throw new ForbiddenError("Only the admin reads archived audit chains");
  const archive = intParam(raw, "archive", 1, Number.MAX_SAFE_INTEGER, 1);
  const archives = await ctx.store.listAuditArchives(username);
  if (!archives.some((a) => a.archive === archive))
    throw new NotFoundError(`No archived chain ${archive} for ${username}`, "archive_not_found");
  return archive;
}

/**
 * `GET /v1/audit?resource=<id>` for an agent (its user's chain), and
 * `GET /v1/audit?user_id=<username>&after=<seq>` for the admin. Events come with a
 * checkpoint of the chain's head signed by the node's key.
 */
export function auditRoutes(router: Router, ctx: Context): void {
  router.get("/v1/audit", async (req, res) => {
    const { resource, user_id, after, limit } = req.query as Record<string, string | undefined>;
    const caller = callerOf(req, ["agent", "admin"]);
    let username: string;
    if (caller.kind === "admin") {
      if (!user_id || !USERNAME_RE.test(user_id))
        throw new InvalidRequestError("user_id is required for the admin", [
          { pointer: "/user_id", message: "is required" },
        ]);
      username = user_id;
    } else {
      username = caller.agent.username;
      if (user_id !== undefined && user_id !== username)
        throw new ForbiddenError("An agent reads only its own user's audit log");
    }
    if (resource !== undefined && !/^[A-Za-z0-9_.:-]{1,128}$/.test(resource))
      throw new InvalidRequestError("resource is not a valid id", [
        { pointer: "/resource", message: "is not a valid id" },
      ]);
    // Plain digits only: `1e21` or `-0` is not a sequence number.
    const afterSeq = intParam(after, "after", 0, Number.MAX_SAFE_INTEGER, 0);
    const max = intParam(limit, "limit", 1, MAX_EVENTS, MAX_EVENTS);
    const archive = await archiveParam(ctx, caller.kind, username, req.query.archive);
    const [events, head, now] = await Promise.all([
      ctx.store.readAudit(username, { resource, afterSeq, limit: max, archive }),
      ctx.store.auditHead(username, { archive }),
      ctx.store.now(username),
    ]);
    if (resource !== undefined && events.length === 0 && afterSeq === 0)
      throw new NotFoundError(`No audit events for ${resource}`, "resource_not_found");
    const { checkpoint, jws } = await signCheckpoint(ctx.orgSigner, username, head, now, archive);
    res.json({
      user_id: username,
      ...(archive !== undefined && { archive }),
      events,
      checkpoint: { ...checkpoint, jws },
      next_after: events.at(-1)?.seq ?? afterSeq,
    });
  });
}
