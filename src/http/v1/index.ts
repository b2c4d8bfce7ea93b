import type { Router } from "express";
import type { Context } from "../../context.js";
import { authenticateAgentOrAdmin } from "../auth.js";
import { agentsRoutes } from "./agents.js";
import { auditRoutes } from "./audit.js";
import { availabilityRoutes } from "./availability.js";
import { bookingsRoutes } from "./bookings.js";
import { countersRoutes } from "./counters.js";
import { eventsRoutes } from "./events.js";
import { meetingsRoutes } from "./meetings.js";
import { mentionsRoutes } from "./mentions.js";
import { presenceRoutes } from "./presence.js";
import { webhooksRoutes } from "./webhooks.js";

/**
 * The AgentDraft-compatible `/v1` API, added to `router`: its authentication, then every
 * route on that one router (no router per part: each nested router a request enters costs
 * a pass of its own).
 */
export function v1Routes(router: Router, ctx: Context): void {
  router.use("/v1", authenticateAgentOrAdmin(ctx));
  // First after authentication: holds and commits are the hot path. No two of these
  // parts serve the same path, so their order changes nothing else.
  bookingsRoutes(router, ctx);
  agentsRoutes(router, ctx);
  availabilityRoutes(router, ctx);
  countersRoutes(router, ctx);
  auditRoutes(router, ctx);
  webhooksRoutes(router, ctx);
  eventsRoutes(router, ctx);
  meetingsRoutes(router, ctx);
  presenceRoutes(router, ctx);
  mentionsRoutes(router, ctx);
}
