/**
 * A bounded shutdown: stop accepting, close idle keep-alive connections (and those that
 * become idle), let requests in flight finish until the drain deadline, then close the
 * rest of the node; past the whole bound, force it.
 */
import type { Server } from "node:http";

/** Time kept for closing the store and loops after the drain, within the bound. */
const MAX_CLOSE_RESERVE_MS = 2000;
const IDLE_SWEEP_MS = 50;

export interface ShutdownPlan {
  servers: Server[];
  /** The whole bound: draining plus closing. */
  timeoutMs: number;
  /** Closes the node's parts (context.destroy). */
  destroy(): Promise<void>;
  /** Called when destroy() is still running at the bound. */
  forceClose(): void;
}

export interface ShutdownOutcome {
  /** Requests in flight were cut off at the drain deadline. */
  cutOff: boolean;
  /** The parts did not close in time and were closed forcibly. */
  forced: boolean;
  ms: number;
}

function closed(server: Server): Promise<void> {
  // Called back once every connection has ended (at once, with an error, if not listening).
  return new Promise((resolve) => server.close(() => resolve()));
}

type Settled = { done: true; error?: unknown } | { done: false };

function within(promise: Promise<unknown>, ms: number): Promise<Settled> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise.then(
      () => ({ done: true as const }),
      (error: unknown) => ({ done: true as const, error }),
    ),
    new Promise<Settled>((resolve) => {
      timer = setTimeout(() => resolve({ done: false }), Math.max(0, ms));
    }),
  ]).finally(() => clearTimeout(timer));
}

export async function drainAndClose(plan: ShutdownPlan): Promise<ShutdownOutcome> {
  const started = performance.now();
  const reserve = Math.min(MAX_CLOSE_RESERVE_MS, plan.timeoutMs / 4);
  const allClosed = Promise.all(plan.servers.map(closed));
  const sweep = setInterval(() => {
    for (const s of plan.servers) s.closeIdleConnections();
  }, IDLE_SWEEP_MS);
  for (const s of plan.servers) s.closeIdleConnections();
  const drained = await within(allClosed, plan.timeoutMs - reserve);
  clearInterval(sweep);
  if (!drained.done) for (const s of plan.servers) s.closeAllConnections();
  const remaining = plan.timeoutMs - (performance.now() - started);
  const destroyed = await within(plan.destroy(), remaining);
  if (!destroyed.done) plan.forceClose();
  // A part that failed to close fails the shutdown (exit 1), once the rest is closed.
  if (destroyed.done && destroyed.error !== undefined) throw destroyed.error;
  return {
    cutOff: !drained.done,
    forced: !destroyed.done,
    ms: Math.round(performance.now() - started),
  };
}
