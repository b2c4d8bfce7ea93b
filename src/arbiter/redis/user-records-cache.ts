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

export interface LiveCacheBounds {
  /** Entries kept at most (the least recently used go first). */
  maxEntries: number;
  /** Age after which an entry is loaded again, even with no change announced. */
  maxAgeMs: number;
}

const RECORDS_BOUNDS: LiveCacheBounds = { maxEntries: 10_000, maxAgeMs: 10_000 };

type Entry<V> = { value: V; at: number };

/**
 * Values loaded by username, kept while the change subscription is live (see above):
 * the records cache, and the published profiles' (redis-store.ts).
 */
export class LiveCache<V> {
  /**
   * Two generations instead of one map evicting its oldest entry: a map whose first
   * entries are deleted over and over keeps them as holes that every look for the oldest
   * steps over (~10 µs a miss with 10,000 users cached). New entries go to `young`; when
   * it holds half the bound it becomes `old` and the previous `old` is dropped; a hit in
   * `old` moves to `young`. At most `maxEntries` in all, the least recently used go first.
   */
  private young = new Map<string, Entry<V>>();
  private old = new Map<string, Entry<V>>();
  private readonly loading = new Map<string, Promise<V>>();
  /** Counts invalidations: a load that saw one happen is answered, not kept. */
  private changes = 0;
  private live = false;

  constructor(
    private readonly load: (username: string) => Promise<V>,
    private readonly bounds: LiveCacheBounds = RECORDS_BOUNDS,
  ) {}

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

  get(username: string): Promise<V> {
    const hit = this.young.get(username) ?? this.old.get(username);
    if (hit && this.live && performance.now() - hit.at < this.bounds.maxAgeMs) {
      if (!this.young.has(username)) this.keep(username, hit);
      return Promise.resolve(hit.value);
    }
    // Concurrent reads of one user (profile, rules and agents of one request) share a load.
    const inFlight = this.loading.get(username);
    if (inFlight) return inFlight;
    const changes = this.changes;
    const at = performance.now();
    const loaded: Promise<V> = this.load(username).then(
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

  private keep(username: string, entry: Entry<V>): void {
    this.old.delete(username);
    this.young.set(username, entry);
    if (this.young.size >= this.bounds.maxEntries / 2) {
      this.old = this.young;
      this.young = new Map();
    }
  }
}

/** A user's profile record, rules and agents. */
export class UserRecordsCache extends LiveCache<UserRecords> {}
