/**
 * What operators and orchestrators call: liveness, readiness and metrics; request
 * timing by route; and `Connection: close` on every answer once the node is stopping,
 * so keep-alive clients move to another instance instead of holding this one open.
 */
import { createServer, type Server } from "node:http";
import { type RequestHandler, type Response, Router } from "express";
import type { Context } from "../context.js";
import { type Metrics, seriesObserver, storeAnswers } from "../operations/index.js";
import { requireAdmin } from "./auth.js";

/** How long the store may take to answer a readiness probe. */
export const READY_TIMEOUT_MS = 1000;

/** `/healthz` (the process runs), `/readyz` (it can serve), `/metrics` (admin token). */
export function operationsRouter(ctx: Context): Router {
  const router = Router();
  router.get("/healthz", (_req, res) => {
    res.json({ status: "ok", store: ctx.store.kind });
  });
  router.get("/readyz", async (_req, res) => {
    const { phase } = ctx.operations;
    const ready = phase === "ready" && (await storeAnswers(ctx.store, READY_TIMEOUT_MS));
    res.setHeader("Cache-Control", "no-store");
    if (ready) res.json({ status: "ready" });
    else
      res.status(503).json({
        status: "unavailable",
        reason: phase !== "ready" ? phase : "store_unavailable",
      });
  });
  router.get("/metrics", requireAdmin(ctx.adminToken), async (_req, res) => {
    const { registry } = ctx.operations.metrics;
    res.setHeader("Content-Type", registry.contentType);
    res.send(await registry.metrics());
  });
  return router;
}

/** When the request came in (performance.now()), until its duration is recorded; then -1. */
const STARTED = Symbol("request metrics: started");
type Timed = Response & { [STARTED]?: number };

/**
 * Times each request under its route pattern, until its answer has finished;
 * `Connection: close` while stopping. The `finish` is seen by one hook on the app's
 * response prototype (every answer's events pass through its `emit`), not by a listener
 * added per request.
 */
export function requestMetrics(ctx: Context): RequestHandler {
  const byRoute = new Map<string, RouteDurations>();
  const { metrics } = ctx.operations;
  const record = (res: Timed, started: number) => {
    const req = res.req;
    // The matched pattern (`/v1/bookings/:id`), never the raw path: bounded labels.
    const route = req.route ? `${req.baseUrl}${String(req.route.path)}` : "unmatched";
    let durations = byRoute.get(route);
    if (durations === undefined) {
      durations = routeDurations(metrics, route);
      byRoute.set(route, durations);
    }
    durations.observe(req.method, res.statusCode, (performance.now() - started) / 1000);
  };
  let hooked: object | undefined;
  return (_req, res, next) => {
    if (ctx.operations.phase === "stopping") res.setHeader("Connection", "close");
    // Express gives every response its app's prototype before the first middleware runs.
    const proto = Object.getPrototypeOf(res) as object;
    if (proto !== hooked) {
      recordOnFinish(proto, record);
      hooked = proto;
    }
    (res as Timed)[STARTED] = performance.now();
    next();
  };
}

function recordOnFinish(proto: object, record: (res: Timed, started: number) => void): void {
  const emit = (proto as Response).emit;
  Object.defineProperty(proto, "emit", {
    configurable: true,
    writable: true,
    value: function emitTimed(this: Timed, event: string | symbol, ...args: unknown[]) {
      if (event === "finish") {
        const started = this[STARTED];
        if (started !== undefined && started >= 0) {
          this[STARTED] = -1;
          record(this, started);
        }
      }
      return emit.call(this, event, ...args);
    },
  });
}

/** Request durations of one route pattern, by method and status. */
export interface RouteDurations {
  observe(method: string, status: number, seconds: number): void;
}

/** Each method and status gets its series' observer once, not a labels object per request. */
export function routeDurations(
  metrics: Pick<Metrics, "httpDuration">,
  route: string,
): RouteDurations {
  const series = new Map<string, (seconds: number) => void>();
  return {
    observe(method, status, seconds) {
      const key = `${method} ${status}`;
      let observe = series.get(key);
      if (observe === undefined) {
        observe = seriesObserver(metrics.httpDuration, { method, route, status: String(status) });
        series.set(key, observe);
      }
      observe(seconds);
    },
  };
}

/** A listener of its own (METRICS_PORT) answering only `GET /metrics`, without a token. */
export function metricsServer(ctx: Context): Server {
  const { registry } = ctx.operations.metrics;
  return createServer((req, res) => {
    const path = (req.url ?? "").split("?")[0];
    if (req.method !== "GET" || path !== "/metrics") {
      res.writeHead(404, { "Content-Type": "application/json" });
      res.end(JSON.stringify({ error: { code: "not_found", message: "Only GET /metrics here" } }));
      return;
    }
    registry.metrics().then(
      (text) => {
        res.writeHead(200, { "Content-Type": registry.contentType });
        res.end(text);
      },
      () => {
        res.writeHead(500).end();
      },
    );
  });
}
