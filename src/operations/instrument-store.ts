import type { Store } from "../arbiter/index.js";
import type { Metrics } from "./metrics.js";
import type { StoreHealth } from "./store-health.js";

/**
 * The store, with each call timed (by operation) and its failures reported to the
 * health watch. Every part of the node gets this one, so all store traffic is seen.
 */
export function instrumentStore(
  store: Store,
  metrics: Pick<Metrics, "storeDuration">,
  health: StoreHealth,
): Store {
  return new Proxy(store, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target);
      if (typeof value !== "function" || prop === "close" || typeof prop !== "string") return value;
      return (...args: unknown[]) => {
        const stop = metrics.storeDuration.startTimer({ operation: prop });
        let result: unknown;
        try {
          result = value.apply(target, args);
        } catch (err) {
          stop({ result: "error" });
          health.failed(err);
          throw err;
        }
        if (!(result instanceof Promise)) {
          stop({ result: "ok" });
          return result;
        }
        return result.then(
          (answer: unknown) => {
            stop({ result: "ok" });
            health.answered();
            return answer;
          },
          (err: unknown) => {
            stop({ result: "error" });
            health.failed(err);
            throw err;
          },
        );
      };
    },
  });
}
