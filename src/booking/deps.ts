import type { Store } from "../arbiter/index.js";

/** How long holds live, how long a fresh booking may be bumped, and the arbitration window. */
export interface BookingSettings {
  holdTtlSeconds: number;
  bumpWindowSeconds: number;
  arbitrationWindowMs: number;
}

/** What the use cases need from the node. */
export interface BookingDeps {
  store: Store;
  settings: BookingSettings;
}
