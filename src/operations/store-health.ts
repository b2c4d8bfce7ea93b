/**
 * Whether the store answers, as the node last saw it. A change is logged once (store
 * down, store back) instead of a stack trace per failing request.
 */
import type { Store } from "../arbiter/index.js";
import { StoreUnavailableError } from "../errors.js";
import type { Logger } from "../logger.js";
import type { Metrics } from "./metrics.js";

export class StoreHealth {
  private up = true;

  constructor(
    private readonly logger: Logger,
    private readonly metrics: Pick<Metrics, "storeUp">,
  ) {
    metrics.storeUp.set(1);
  }

  get isUp(): boolean {
    return this.up;
  }

  /** A store call answered. */
  answered(): void {
    if (this.up) return;
    this.up = true;
    this.metrics.storeUp.set(1);
    this.logger.warn({ store: "up" }, "store back: answering again");
  }

  /** A store call failed; only unavailability (no answer) counts. */
  failed(err: unknown): void {
    if (!(err instanceof StoreUnavailableError) || !this.up) return;
    this.up = false;
    this.metrics.storeUp.set(0);
    this.logger.error({ store: "down", reason: err.message }, "store down: not answering");
  }
}

/**
 * True when the store answers within `timeoutMs` (a frozen Redis holds a command for
 * the client's whole reply deadline; readiness must not wait that long).
 */
export async function storeAnswers(store: Pick<Store, "now">, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  try {
    return await Promise.race([store.now().then(() => true), late]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}
