import type { Store } from "../arbiter/index.js";
import type { BookingDeps } from "../booking/index.js";
import type { PresenceSignal } from "./presence-signal.js";
import type { PresenceStore } from "./presence-store.js";

/** What the person's use cases (presence, mentions, suggestions, notifications) need. */
export interface PeopleDeps {
  store: Store;
  booking: BookingDeps;
  presence: PresenceStore;
  /** Wakes watchers of a user's presence in this process at once (others poll). */
  presenceSignal: PresenceSignal;
  presenceTtlMs: number;
}
