import type { BookingDeps } from "./deps.js";

/** Which use case reached a decision (a metric label: a short, fixed list). */
export type DecisionKind =
  | "hold"
  | "commit"
  | "peer_request"
  | "meeting"
  | "decide_request"
  | "counter_accept";

/** Told each decision's outcome (`held`, `committed`, `conflict`, `rule_violation`, …). */
export type DecisionObserver = (kind: DecisionKind, outcome: string) => void;

/**
 * The use case, reporting each outcome to `deps.decisions` (`error` when it throws). The
 * booking core's public face exports these, so every door is counted once, and a use
 * case calling another inside the core (a meeting places a hold) is not counted twice.
 */
export function observed<I, C, R extends { outcome: string }>(
  kind: DecisionKind,
  useCase: (deps: BookingDeps, caller: C, input: I) => Promise<R>,
): (deps: BookingDeps, caller: C, input: I) => Promise<R> {
  return async (deps, caller, input) => {
    let result: R;
    try {
      result = await useCase(deps, caller, input);
    } catch (err) {
      deps.decisions?.(kind, "error");
      throw err;
    }
    deps.decisions?.(kind, result.outcome);
    return result;
  };
}
