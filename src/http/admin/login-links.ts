import { Router } from "express";
import type { Context } from "../../context.js";
import { isoUtc } from "../../iso-time.js";
import { mintLoginLink } from "../../people/index.js";

/** `POST /admin/v1/users/{username}/login-links`: a single-use sign-in link for the person. */
export function adminLoginLinksRouter(ctx: Context): Router {
  const router = Router();
  router.post("/admin/v1/users/:username/login-links", async (req, res) => {
    const link = await mintLoginLink(ctx.signIn, req.params.username as string);
    ctx.logger.info({ username: req.params.username }, "login link minted");
    res.status(201).set("Cache-Control", "no-store");
    res.json({ url: link.url, expires_at: isoUtc(link.expiresAt) });
  });
  return router;
}
