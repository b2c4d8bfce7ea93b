import express, { type Express, Router } from "express";
import type { Context } from "../context.js";
import { adminRouter } from "./admin/index.js";
import { peerBookingsRouter, peerCallbacksRouter, publicApiRouter } from "./api/index.js";
import { jsonBody } from "./body.js";
import { docsRouter } from "./docs/index.js";
import { RESPONSE_CHECK_ENV, responseCheck } from "./docs/response-check.js";
import { errorHandler, notFoundHandler } from "./errors.js";
import { inboxRouter } from "./inbox/index.js";
import { mcpRouter } from "./mcp/index.js";
import { operationsRouter, requestMetrics } from "./operations.js";
import { pathPrefixBranch } from "./path-prefix.js";
import { requestLog } from "./request-log.js";
import { v1Routes } from "./v1/index.js";
import { wellKnownRouter } from "./wellknown/index.js";

/** Everything under `/v1`: the JSON body, the `/v1` API, then GET /v1/skill (which relies on the /v1 authentication). */
function v1Branch(ctx: Context, docs: Router): Router {
  const branch = Router();
  branch.use(jsonBody());
  v1Routes(branch, ctx);
  branch.use(docs);
  return branch;
}

/** The express app, apart from listening, so supertest can drive it. */
export function createApp(ctx: Context): Express {
  const app = express();
  app.disable("x-powered-by");
  app.set("etag", false);
  app.set("query parser", "simple");
  if (ctx.cfg.service.trustProxy > 0) app.set("trust proxy", ctx.cfg.service.trustProxy);
  // Tests only: every answer is checked against the OpenAPI document.
  if (process.env[RESPONSE_CHECK_ENV] === "1") app.use(responseCheck());
  app.use(requestLog(app, ctx.logger));
  app.use(requestMetrics(ctx));
  const docs = docsRouter(ctx);
  // First: `/v1` (agents' hot path: holds, commits) goes straight to its own routers, past
  // the many routes of the other surfaces, none of which serves a `/v1` path. (Public
  // profile GETs, the most frequent requests, are answered before express: see
  // wellknown/profile-fast-path.ts; the rest of them come next.)
  app.use(pathPrefixBranch("/v1", v1Branch(ctx, docs), notFoundHandler()));
  app.use(wellKnownRouter(ctx));
  app.use(operationsRouter(ctx));
  app.use(publicApiRouter(ctx));
  // Before the JSON body parser: the inbox's forms are urlencoded.
  app.use(inboxRouter(ctx));
  app.use(jsonBody());
  app.use(peerBookingsRouter(ctx));
  app.use(peerCallbacksRouter(ctx));
  app.use(adminRouter(ctx));
  app.use(docs);
  app.use(mcpRouter(ctx));
  app.use(notFoundHandler());
  app.use(errorHandler(ctx.logger));
  return app;
}
