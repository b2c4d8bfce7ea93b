/**
 * The people store on the node's one Redis connection. One key per link and per session,
 * named by the hash and hash-tagged by it (`people:session:{<hash>}`), so every command
 * touches one slot of a Redis Cluster.
 */
import type { LoginLinkRecord, PeopleStore, SessionRecord } from "./people-store.js";

/** The commands the people store uses, as node-redis offers them. */
export interface PeopleRedis {
  set(
    key: string,
    value: string,
    options: { expiration: { type: "PX"; value: number } },
  ): Promise<unknown>;
  get(key: string): Promise<string | null>;
  getDel(key: string): Promise<string | null>;
  del(key: string): Promise<number>;
}

const linkKey = (hash: string) => `people:login:{${hash}}`;
const sessionKey = (hash: string) => `people:session:{${hash}}`;

export class RedisPeopleStore implements PeopleStore {
  readonly kind = "redis" as const;

  constructor(private readonly redis: PeopleRedis) {}

  async putLoginLink(hash: string, link: LoginLinkRecord, retainMs: number): Promise<void> {
    await this.redis.set(linkKey(hash), JSON.stringify(link), {
      expiration: { type: "PX", value: Math.max(1, Math.ceil(retainMs)) },
    });
  }

  async takeLoginLink(hash: string): Promise<LoginLinkRecord | null> {
    const raw = await this.redis.getDel(linkKey(hash));
    return raw === null ? null : (JSON.parse(raw) as LoginLinkRecord);
  }

  async putSession(hash: string, session: SessionRecord, ttlMs: number): Promise<void> {
    await this.redis.set(sessionKey(hash), JSON.stringify(session), {
      expiration: { type: "PX", value: Math.max(1, Math.ceil(ttlMs)) },
    });
  }

  async getSession(hash: string): Promise<SessionRecord | null> {
    const raw = await this.redis.get(sessionKey(hash));
    return raw === null ? null : (JSON.parse(raw) as SessionRecord);
  }

  async deleteSession(hash: string): Promise<void> {
    await this.redis.del(sessionKey(hash));
  }
}
