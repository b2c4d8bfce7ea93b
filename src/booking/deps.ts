import type { Store } from "../arbiter/index.js";
import type { Webhooks } from "../webhooks/index.js";

/** How long holds live, how long a fresh booking may be bumped, and the arbitration window. */
export interface BookingSettings {
  holdTtlSeconds: number;
  bumpWindowSeconds: number;
  arbitrationWindowMs: number;
  /** How long a request waiting for the person's acknowledgement blocks its slot. */
  pendingTtlSeconds: number;
}

/** What the use cases need from the node. */
export interface BookingDeps {
  store: Store;
  settings: BookingSettings;
  /** Subscriptions end with the agent or user they belong to. */
  webhooks: Pick<Webhooks, "forgetUser" | "forgetAgent">;
}
