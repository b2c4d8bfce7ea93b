/**
 * The node's Prometheus metrics, in a registry of its own per context (tests build many
 * contexts in one process; a global registry would mix them and refuse duplicates).
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

export interface Metrics {
  readonly registry: Registry;
  /** By method, route pattern (never the raw URL: bounded labels) and status. */
  readonly httpDuration: Histogram<"method" | "route" | "status">;
  /** Booking decisions by use case and outcome (held, committed, conflict, …). */
  readonly decisions: Counter<"kind" | "outcome">;
  /** Webhook and callback delivery attempts by their result. */
  readonly deliveries: Counter<"kind" | "status">;
  /** Every store call, by operation and whether it answered. */
  readonly storeDuration: Histogram<"operation" | "result">;
  /** 1 while the store answers, 0 after a failure until it answers again. */
  readonly storeUp: Gauge;
  /** Long polls (`/v1/events?wait=`, MCP wait_for_events) open now. */
  readonly longPolls: Gauge;
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  return {
    registry,
    httpDuration: new Histogram({
      name: "calendario_http_request_duration_seconds",
      help: "HTTP requests by method, route pattern and status",
      labelNames: ["method", "route", "status"],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
    decisions: new Counter({
      name: "calendario_decisions_total",
      help: "Booking decisions by use case and outcome",
      labelNames: ["kind", "outcome"],
      registers,
    }),
    deliveries: new Counter({
      name: "calendario_deliveries_total",
      help: "Webhook and callback delivery attempts by result",
      labelNames: ["kind", "status"],
      registers,
    }),
    storeDuration: new Histogram({
      name: "calendario_store_operation_duration_seconds",
      help: "Store calls by operation and result (ok or error)",
      labelNames: ["operation", "result"],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5],
      registers,
    }),
    storeUp: new Gauge({
      name: "calendario_store_up",
      help: "1 while the store answers, 0 while it is unavailable",
      registers,
    }),
    longPolls: new Gauge({
      name: "calendario_long_polls",
      help: "Long polls waiting for events now",
      registers,
    }),
  };
}
