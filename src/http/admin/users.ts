import { Router } from "express";
import { ADMIN, deleteUser } from "../../booking/index.js";
import type { Context } from "../../context.js";
import { NotFoundError } from "../../errors.js";
import { isoUtc } from "../../iso-time.js";
import { putUserProfile, refuseDuplicateMembers, USERNAME_RE } from "../../profile/index.js";
import { rawBodyOf } from "../body.js";

function usernameParam(raw: string): string {
  if (!USERNAME_RE.test(raw))
    throw new NotFoundError(`"${raw}" is not a valid username`, "unknown_user");
  return raw;
}

/** `/admin/v1`: the organization's administrator manages users and their profiles. */
export function adminUsersRouter(ctx: Context): Router {
  const router = Router();

  router.get("/admin/v1/users", async (_req, res) => {
    res.json({ users: await ctx.store.listUsernames() });
  });

  router.get("/admin/v1/users/:username", async (req, res) => {
    const record = await ctx.store.getUser(usernameParam(req.params.username));
    if (!record) throw new NotFoundError(`No user "${req.params.username}"`, "unknown_user");
    res.json({
      username: record.username,
      source: record.source,
      updated_at: new Date(record.updatedAt).toISOString(),
      input: record.input,
      profile: JSON.parse(record.published),
    });
  });

  router.put("/admin/v1/users/:username", async (req, res) => {
    const username = usernameParam(req.params.username);
    refuseDuplicateMembers(rawBodyOf(req).toString("utf8"));
    const { record, created } = await putUserProfile(
      ctx.store,
      ctx.publishDeps,
      username,
      req.body,
      "admin",
    );
    ctx.logger.info({ username, created }, "profile published");
    res.status(created ? 201 : 200).set("ETag", record.etag);
    res.json({ username, profile: JSON.parse(record.published) });
  });

  /** The closed audit chains of deleted users of this name; read them with /v1/audit?archive=. */
  router.get("/admin/v1/users/:username/audit/archives", async (req, res) => {
    const username = usernameParam(req.params.username);
    const archives = await ctx.store.listAuditArchives(username);
    res.json({
      username,
      archives: archives.map((a) => ({
        archive: a.archive,
        deleted_at: isoUtc(a.deletedAt),
        head: { seq: a.head.seq, hash: a.head.hash },
      })),
    });
  });

  router.delete("/admin/v1/users/:username", async (req, res) => {
    const username = usernameParam(req.params.username);
    if (!(await deleteUser(ctx.booking, ADMIN, username)))
      throw new NotFoundError(`No user "${username}"`, "unknown_user");
    ctx.logger.info({ username }, "user deleted");
    res.status(204).end();
  });

  return router;
}
