import { Router } from "express";
import type { Context } from "../../context.js";
import { PROTOCOL_VERSION, SOFTWARE_NAME, SOFTWARE_VERSION } from "../../version.js";
import { visibleUser } from "../visible-user.js";
import { answerProfile, PROFILE_ROUTE } from "./profile-answer.js";

export { profileFastPath } from "./profile-fast-path.js";

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

  router.get(PROFILE_ROUTE, async (req, res) => {
    answerProfile(req, res, await visibleUser(ctx, req));
  });

  return router;
}
