import { Router } from "express";
import type { Context } from "../../context.js";
import { authenticateAgentOrAdmin } from "../auth.js";
import { agentsRouter } from "./agents.js";
import { auditRouter } from "./audit.js";
import { availabilityRouter } from "./availability.js";
import { bookingsRouter } from "./bookings.js";
import { countersRouter } from "./counters.js";
import { eventsRouter } from "./events.js";
import { meetingsRouter } from "./meetings.js";
import { mentionsRouter } from "./mentions.js";
import { presenceRouter } from "./presence.js";
import { webhooksRouter } from "./webhooks.js";

/** The AgentDraft-compatible `/v1` API. */
export function v1Router(ctx: Context): Router {
  const router = Router();
  router.use("/v1", authenticateAgentOrAdmin(ctx));
  // First after authentication: holds and commits are the hot path. No two of these
  // routers serve the same path, so their order changes nothing else.
  router.use(bookingsRouter(ctx));
  router.use(agentsRouter(ctx));
  router.use(availabilityRouter(ctx));
  router.use(countersRouter(ctx));
  router.use(auditRouter(ctx));
  router.use(webhooksRouter(ctx));
  router.use(eventsRouter(ctx));
  router.use(meetingsRouter(ctx));
  router.use(presenceRouter(ctx));
  router.use(mentionsRouter(ctx));
  return router;
}
