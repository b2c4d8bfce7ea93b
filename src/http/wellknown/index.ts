import { Router } from "express";
import type { Context } from "../../context.js";
import { PROTOCOL_VERSION, SOFTWARE_NAME, SOFTWARE_VERSION } from "../../version.js";
import { visibleUser } from "../visible-user.js";

const PROFILE_MAX_AGE_SECONDS = 300;

/** `/.well-known/calendario/{username}`, node metadata, and the organization's DID document. */
export function wellKnownRouter(ctx: Context): Router {
  const router = Router();
  const didBody = JSON.stringify(ctx.didDocument);
  const metadataBody = JSON.stringify({
    protocol: "calendario",
    version: PROTOCOL_VERSION,
    domain: ctx.cfg.service.domain,
    did: ctx.did,
    endpoints: {
      profile: `${ctx.cfg.service.publicUrl}/.well-known/calendario/{username}`,
      bookings: `${ctx.cfg.service.publicUrl}/api/bookings/{username}`,
      freebusy: `${ctx.cfg.service.publicUrl}/api/freebusy/{username}`,
      availability: `${ctx.cfg.service.publicUrl}/api/availability/{username}`,
      agents: `${ctx.cfg.service.publicUrl}/v1`,
      did_document: `${ctx.cfg.service.publicUrl}/.well-known/did.json`,
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
    const record = await visibleUser(ctx, req);
    res.setHeader("ETag", record.etag);
    res.setHeader(
      "Cache-Control",
      record.visibility === "public"
        ? `public, max-age=${PROFILE_MAX_AGE_SECONDS}`
        : "private, no-store",
    );
    res.setHeader("Access-Control-Allow-Origin", "*");
    // Only an If-None-Match can match (the profile has no Last-Modified): skip the check
    // for the usual request without one.
    if (req.headers["if-none-match"] !== undefined && req.fresh) {
      res.status(304).end();
      return;
    }
    res.setHeader("Content-Type", "application/json; charset=utf-8");
    res.end(record.published);
  });

  return router;
}
