import type { Histogram } from "prom-client";
import type { Store } from "../arbiter/index.js";
import type { Metrics } from "./metrics.js";
import type { StoreHealth } from "./store-health.js";

type StoreMethod = (...args: unknown[]) => unknown;

/**
 * The store, with each call timed (by operation) and its failures reported to the
 * health watch. Every part of the node gets this one, so all store traffic is seen.
 * Each operation's wrapper and its label-bound histogram child are made once, so a call
 * costs no label hashing and no closure beyond its own.
 */
export function instrumentStore(
  store: Store,
  metrics: Pick<Metrics, "storeDuration">,
  health: StoreHealth,
): Store {
  const wrapped = new Map<string, { method: StoreMethod; wrapper: StoreMethod }>();
  return new Proxy(store, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target);
      if (typeof value !== "function" || prop === "close" || typeof prop !== "string") return value;
      const known = wrapped.get(prop);
      if (known !== undefined && known.method === value) return known.wrapper;
      const wrapper = timedCall(value as StoreMethod, target, prop, metrics.storeDuration, health);
      wrapped.set(prop, { method: value as StoreMethod, wrapper });
      return wrapper;
    },
  });
}

function timedCall(
  method: StoreMethod,
  target: Store,
  operation: string,
  duration: Histogram<"operation" | "result">,
  health: StoreHealth,
): StoreMethod {
  // Bound once (a series appears at its first observation, not here).
  const okSeries = duration.labels(operation, "ok");
  const errorSeries = duration.labels(operation, "error");
  const seconds = (started: number) => (performance.now() - started) / 1000;
  const ok = (started: number) => okSeries.observe(seconds(started));
  const failed = (started: number) => errorSeries.observe(seconds(started));
  return (...args: unknown[]) => {
    const started = performance.now();
    let result: unknown;
    try {
      result = method.apply(target, args);
    } catch (err) {
      failed(started);
      health.failed(err);
      throw err;
    }
    if (!(result instanceof Promise)) {
      ok(started);
      return result;
    }
    return result.then(
      (answer: unknown) => {
        ok(started);
        health.answered();
        return answer;
      },
      (err: unknown) => {
        failed(started);
        health.failed(err);
        throw err;
      },
    );
  };
}
