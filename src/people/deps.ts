import type { Store } from "../arbiter/index.js";
import type { Clock } from "../clock.js";
import type { PeopleStore } from "./people-store.js";

/** What sign-in needs: its own store, the users, the clock and where the node is reached. */
export interface PeopleDeps {
  people: PeopleStore;
  users: Pick<Store, "getUser">;
  clock: Clock;
  /** The node's origin, e.g. `https://acme.example`: login links point there. */
  publicUrl: string;
}
