import type { Logger } from "../logger.js";
import { createMetrics, type Metrics } from "./metrics.js";
import { StoreHealth } from "./store-health.js";

/**
 * Not ready while starting (until it listens), while loading (listening, profiles not
 * all loaded yet: /healthz answers, /readyz does not) and once stopping (SIGTERM).
 */
export type Phase = "starting" | "loading" | "ready" | "stopping";

/** What an operator watches: the phase, the store's health and the metrics. */
export interface Operations {
  phase: Phase;
  readonly metrics: Metrics;
  readonly storeHealth: StoreHealth;
}

export function createOperations(logger: Logger): Operations {
  const metrics = createMetrics();
  return { phase: "starting", metrics, storeHealth: new StoreHealth(logger, metrics) };
}
