import { Router } from "express";
import type { Context } from "../context.js";
import { NotFoundError } from "../errors.js";
import { USERNAME_RE } from "../profile/index.js";
import { PROTOCOL_VERSION, SOFTWARE_NAME, SOFTWARE_VERSION } from "../version.js";
import { bearerToken, isAdminToken } from "./admin-auth.js";

const PROFILE_MAX_AGE_SECONDS = 300;

/** `/.well-known/calendario/{username}`, node metadata, and the organization's DID document. */
export function wellKnownRouter(ctx: Context): Router {
  const router = Router();
  const didBody = JSON.stringify(ctx.didDocument);
  const metadataBody = JSON.stringify({
    protocol: "calendario",
    version: PROTOCOL_VERSION,
    domain: ctx.cfg.domain,
    did: ctx.did,
    endpoints: {
      profile: `${ctx.cfg.publicUrl}/.well-known/calendario/{username}`,
      bookings: `${ctx.cfg.publicUrl}/api/bookings/{username}`,
      freebusy: `${ctx.cfg.publicUrl}/api/freebusy/{username}`,
      availability: `${ctx.cfg.publicUrl}/api/availability/{username}`,
      agents: `${ctx.cfg.publicUrl}/v1`,
      did_document: `${ctx.cfg.publicUrl}/.well-known/did.json`,
    },
    software: { name: SOFTWARE_NAME, version: SOFTWARE_VERSION },
  });

  router.get("/.well-known/did.json", (_req, res) => {
    res.set("Content-Type", "application/did+json").set("Cache-Control", "max-age=300");
    res.set("Access-Control-Allow-Origin", "*").send(didBody);
  });

  router.get("/.well-known/calendario", (_req, res) => {
    res.set("Content-Type", "application/json").set("Access-Control-Allow-Origin", "*");
    res.send(metadataBody);
  });

  router.get("/.well-known/calendario/:username", async (req, res) => {
    const { username } = req.params;
    const record = USERNAME_RE.test(username) ? await ctx.store.getUser(username) : null;
    // A private profile is indistinguishable from an unknown user to anonymous callers.
    const visible =
      record !== null &&
      (record.visibility === "public" ||
        isAdminToken(ctx.adminToken, bearerToken(req.headers.authorization)));
    if (!visible)
      throw new NotFoundError(`No Calendario profile for "${username}"`, "unknown_user");
    res.setHeader("ETag", record.etag);
    res.setHeader(
      "Cache-Control",
      record.visibility === "public"
        ? `public, max-age=${PROFILE_MAX_AGE_SECONDS}`
        : "private, no-store",
    );
    res.setHeader("Access-Control-Allow-Origin", "*");
    if (req.fresh) {
      res.status(304).end();
      return;
    }
    res.setHeader("Content-Type", "application/json; charset=utf-8");
    res.end(record.published);
  });

  return router;
}
