import type { Agent, Booking, Store } from "../arbiter/index.js";
import type { Clock } from "../clock.js";
import type { FreeBusyCache, RemoteProfiles, SafeFetch } from "../federation/index.js";
import type { Signer } from "../identity/index.js";
import type { Webhooks } from "../webhooks/index.js";
import type { DecisionObserver } from "./observed.js";

/** How long holds live, how long a fresh booking may be bumped, and the arbitration window. */
export interface BookingSettings {
  holdTtlSeconds: number;
  bumpWindowSeconds: number;
  arbitrationWindowMs: number;
  /** How long a request waiting for the person's acknowledgement blocks its slot. */
  pendingTtlSeconds: number;
}

/** How this node reaches other organizations' nodes on its users' behalf. */
export interface PeerDeps {
  profiles: RemoteProfiles;
  fetch: SafeFetch;
  freeBusy: FreeBusyCache;
  /** Signs as a local user toward other nodes (the custodial key, or the organization's). */
  signerFor(username: string): Promise<Signer>;
  /** This node's origin: its callback URLs are built on it. */
  publicUrl: string;
  /** The organization's domain: local users' addresses are `user@<domain>`. */
  domain: string;
  clock: Clock;
}

/** Tells the person's inbox that an agent is at work (people/ presence); advisory. */
export interface AgentActivity {
  /** The agent places a hold or commits at `now`: it shows as acting. Never throws. */
  acting(agent: Agent, now: number): Promise<void>;
}

/** Tells the person that a request waits for them (people/ notifications). */
export interface RequestNotifier {
  /** A pending booking was just recorded. Returns at once; failures are the notifier's. */
  requested(username: string, booking: Booking): void;
}

/** What the use cases need from the node. */
export interface BookingDeps {
  store: Store;
  settings: BookingSettings;
  /** Subscriptions end with the agent or user they belong to; callbacks need a watched outbox. */
  webhooks: Pick<Webhooks, "forgetUser" | "forgetAgent" | "watchCallbacks">;
  peers: PeerDeps;
  /** Told each decision's outcome (metrics). */
  decisions?: DecisionObserver;
  /** Absent: nothing shows agents at work. */
  activity?: AgentActivity;
  /** Absent: nobody is told of requests beyond the events. */
  notifier?: RequestNotifier;
}
