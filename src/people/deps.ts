import type { Store } from "../arbiter/index.js";
import type { Clock } from "../clock.js";
import type { PeopleStore } from "./people-store.js";

/** What sign-in needs: its own store, the users, the clock and where the node is reached. */
export interface SignInDeps {
  people: PeopleStore;
  users: Pick<Store, "getUser">;
  clock: Clock;
  /** The node's origin, e.g. `https://acme.example`: login links point there. */
  publicUrl: string;
}

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
