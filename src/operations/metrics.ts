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

/** prom-client 15's state of one histogram series (not its public API). */
interface HistogramSeries {
  labels: Record<string, string | number>;
  bucketValues: Record<number, number>;
  sum: number;
  count: number;
}
interface HistogramState {
  hashMap?: Record<string, HistogramSeries>;
  upperBounds?: number[];
}

/**
 * Observes one fixed label set of a histogram, for a per-request path. prom-client's own
 * `observe` (and `labels(...).observe`) validates and hashes the labels on every call;
 * this finds the series once and then counts into it as prom-client does. Whatever it
 * cannot find (the first observation, a series dropped by `reset`, a prom-client whose
 * state looks different) goes through prom-client's `observe`, so the exported series is
 * the same either way.
 */
export function seriesObserver<T extends string>(
  histogram: Histogram<T>,
  labels: Record<T, string>,
): (value: number) => void {
  const state = histogram as unknown as HistogramState;
  const names = Object.keys(labels) as T[];
  let key: string | undefined;
  return (value) => {
    const series = key === undefined ? undefined : state.hashMap?.[key];
    if (series === undefined || !Number.isFinite(value)) {
      histogram.observe(labels, value);
      key = findSeries(state, labels, names);
      return;
    }
    series.sum += value;
    series.count += 1;
    for (const bound of state.upperBounds!) {
      if (value <= bound) {
        if (bound in series.bucketValues) series.bucketValues[bound]! += 1;
        break;
      }
    }
  };
}

function findSeries<T extends string>(
  state: HistogramState,
  labels: Record<T, string>,
  names: T[],
): string | undefined {
  if (state.hashMap === undefined || !Array.isArray(state.upperBounds)) return undefined;
  for (const [key, series] of Object.entries(state.hashMap)) {
    const own = series.labels;
    if (
      typeof series.sum === "number" &&
      typeof series.count === "number" &&
      typeof series.bucketValues === "object" &&
      Object.keys(own).length === names.length &&
      names.every((name) => String(own[name]) === labels[name])
    )
      return key;
  }
  return undefined;
}
