import { Router } from "express";
import type { Context } from "../../context.js";
import { requireAdmin } from "../auth.js";
import { adminAgentsRouter } from "./agents.js";
import { adminLoginLinksRouter } from "./login-links.js";
import { adminMentionsRouter } from "./mentions.js";
import { adminRequestsRouter } from "./requests.js";
import { adminUsersRouter } from "./users.js";

/** `/admin/v1`: the organization's administrator manages users, their profiles and agents. */
export function adminRouter(ctx: Context): Router {
  const router = Router();
  router.use("/admin/v1", requireAdmin(ctx.adminToken));
  router.use(adminUsersRouter(ctx));
  router.use(adminAgentsRouter(ctx));
  router.use(adminRequestsRouter(ctx));
  router.use(adminLoginLinksRouter(ctx));
  router.use(adminMentionsRouter(ctx));
  return router;
}
