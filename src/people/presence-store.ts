/**
 * Where agents' presence lives: a small store beside the arbiter's, in memory or on the
 * node's one Redis connection (one hash per user, `cal:{<username>}:presence`, with an
 * expiry, so every node process sees the same presence and idle users leave nothing).
 * Entries carry their own expiry instant, taken from the store's clock, so a reader
 * drops stale entries whatever Redis's key expiry has done yet.
 */
import { type RedisClient, userKey } from "../arbiter/index.js";

export type PresenceStatus = "reading" | "thinking" | "acting" | "completed";

export interface PresenceEntry {
  agentId: string;
  status: PresenceStatus;
  note?: string;
  /** When the agent said so. */
  at: number;
  /** When it fades unless refreshed. */
  expiresAt: number;
}

export interface PresenceStore {
  set(username: string, entry: PresenceEntry): Promise<void>;
  /** The live entries of the user's agents at `now`, any order. */
  list(username: string, now: number): Promise<PresenceEntry[]>;
  /** Forgets the user's presence (the user was deleted). */
  forgetUser(username: string): Promise<void>;
}

export class MemoryPresenceStore implements PresenceStore {
  private readonly byUser = new Map<string, Map<string, PresenceEntry>>();

  async set(username: string, entry: PresenceEntry): Promise<void> {
    let entries = this.byUser.get(username);
    if (!entries) {
      entries = new Map();
      this.byUser.set(username, entries);
    }
    entries.set(entry.agentId, { ...entry });
  }

  async list(username: string, now: number): Promise<PresenceEntry[]> {
    const entries = this.byUser.get(username);
    if (!entries) return [];
    for (const [id, e] of entries) if (e.expiresAt <= now) entries.delete(id);
    return [...entries.values()].map((e) => ({ ...e }));
  }

  async forgetUser(username: string): Promise<void> {
    this.byUser.delete(username);
  }
}

/** The commands presence uses: any of the node's connections offers them. */
type PresenceRedis = Pick<RedisClient, "hSet" | "pExpire" | "hGetAll" | "hDel" | "del">;

export class RedisPresenceStore implements PresenceStore {
  constructor(private readonly client: PresenceRedis) {}

  private key(username: string): string {
    return userKey(username, "presence");
  }

  async set(username: string, entry: PresenceEntry): Promise<void> {
    const key = this.key(username);
    // Sent together, one round trip (a commit writes presence beside its decision); the
    // hash outlives its freshest entry a little; readers filter by expiresAt anyway.
    await Promise.all([
      this.client.hSet(key, entry.agentId, JSON.stringify(entry)),
      this.client.pExpire(key, Math.max(entry.expiresAt - entry.at, 1000) * 2),
    ]);
  }

  async list(username: string, now: number): Promise<PresenceEntry[]> {
    const key = this.key(username);
    const all = await this.client.hGetAll(key);
    const live: PresenceEntry[] = [];
    const stale: string[] = [];
    for (const [agentId, raw] of Object.entries(all)) {
      const entry = JSON.parse(raw) as PresenceEntry;
      if (entry.expiresAt > now) live.push(entry);
      else stale.push(agentId);
    }
    if (stale.length > 0) await this.client.hDel(key, stale);
    return live;
  }

  async forgetUser(username: string): Promise<void> {
    await this.client.del(this.key(username));
  }
}
