/**
 * A user's profile record, rules and agents, cached in the process: every request of an
 * agent needs them, and they change rarely. The scripts that change them (record-17,
 * delete-user-23) PUBLISH the username on RECORDS_CHANNEL in the same atomic step; each
 * process listens on a subscriber connection of its own and drops the user's entry.
 * Nothing is cached while that subscription is not live (a message could be missed), an
 * entry loaded across a change is not kept, and entries expire after MAX_AGE_MS anyway.
 */
import type { UserRecord } from "../store.js";
import type { Agent } from "../types.js";

export const RECORDS_CHANNEL = "cal:records:changed";

export type AgentRecord = Agent & { keyHash: string };

export interface UserRecords {
  user: UserRecord | null;
  rules: Record<string, unknown> | null;
  /** By priority, then creation. */
  agents: AgentRecord[];
}

const MAX_AGE_MS = 10_000;
const MAX_ENTRIES = 10_000;

export class UserRecordsCache {
  private readonly entries = new Map<string, { value: UserRecords; at: number }>();
  private readonly loading = new Map<string, Promise<UserRecords>>();
  /** Counts invalidations: a load that saw one happen is answered, not kept. */
  private changes = 0;
  private live = false;

  constructor(private readonly load: (username: string) => Promise<UserRecords>) {}

  /** The subscription is (again) listening, or has stopped: either way start empty. */
  setLive(live: boolean): void {
    this.live = live;
    this.clear();
  }

  clear(): void {
    this.changes++;
    this.entries.clear();
    this.loading.clear();
  }

  invalidate(username: string): void {
    this.changes++;
    this.entries.delete(username);
    // A read from now on must not join a load that began before the change.
    this.loading.delete(username);
  }

  get(username: string): Promise<UserRecords> {
    const hit = this.entries.get(username);
    if (hit && this.live && performance.now() - hit.at < MAX_AGE_MS)
      return Promise.resolve(hit.value);
    // Concurrent reads of one user (profile, rules and agents of one request) share a load.
    const inFlight = this.loading.get(username);
    if (inFlight) return inFlight;
    const changes = this.changes;
    const at = performance.now();
    const loaded: Promise<UserRecords> = this.load(username).then(
      (value) => {
        if (this.loading.get(username) === loaded) this.loading.delete(username);
        if (this.live && changes === this.changes) {
          if (this.entries.size >= MAX_ENTRIES)
            this.entries.delete(this.entries.keys().next().value!);
          this.entries.set(username, { value, at });
        }
        return value;
      },
      (err: unknown) => {
        if (this.loading.get(username) === loaded) this.loading.delete(username);
        throw err;
      },
    );
    this.loading.set(username, loaded);
    return loaded;
  }
}
