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

type Entry = { value: UserRecords; at: number };

export class UserRecordsCache {
  /**
   * Two generations instead of one map evicting its oldest entry: a map whose first
   * entries are deleted over and over keeps them as holes that every look for the oldest
   * steps over (~10 µs a miss with 10,000 users cached). New entries go to `young`; when
   * it holds half the bound it becomes `old` and the previous `old` is dropped; a hit in
   * `old` moves to `young`. At most MAX_ENTRIES in all, the least recently used go first.
   */
  private young = new Map<string, Entry>();
  private old = new Map<string, Entry>();
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
    this.young = new Map();
    this.old = new Map();
    this.loading.clear();
  }

  invalidate(username: string): void {
    this.changes++;
    this.young.delete(username);
    this.old.delete(username);
    // A read from now on must not join a load that began before the change.
    this.loading.delete(username);
  }

  get(username: string): Promise<UserRecords> {
    const hit = this.young.get(username) ?? this.old.get(username);
    if (hit && this.live && performance.now() - hit.at < MAX_AGE_MS) {
      if (!this.young.has(username)) this.keep(username, hit);
      return Promise.resolve(hit.value);
    }
    // Concurrent reads of one user (profile, rules and agents of one request) share a load.
    const inFlight = this.loading.get(username);
    if (inFlight) return inFlight;
    const changes = this.changes;
    const at = performance.now();
    const loaded: Promise<UserRecords> = this.load(username).then(
      (value) => {
        if (this.loading.get(username) === loaded) this.loading.delete(username);
        if (this.live && changes === this.changes) this.keep(username, { value, at });
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

  private keep(username: string, entry: Entry): void {
    this.old.delete(username);
    this.young.set(username, entry);
    if (this.young.size >= MAX_ENTRIES / 2) {
      this.old = this.young;
      this.young = new Map();
    }
  }
}
