/** The people store of the embedded in-memory node: one process, not durable. */
import type { Clock } from "../clock.js";
import type { LoginLinkRecord, PeopleStore, SessionRecord } from "./people-store.js";

interface Entry<T> {
  value: T;
  /** Dropped at this instant (the clock's). */
  until: number;
}

export class MemoryPeopleStore implements PeopleStore {
  readonly kind = "memory" as const;
  private readonly links = new Map<string, Entry<LoginLinkRecord>>();
  private readonly sessions = new Map<string, Entry<SessionRecord>>();

  constructor(private readonly clock: Clock) {}

  private live<T>(map: Map<string, Entry<T>>, key: string): T | null {
    const entry = map.get(key);
    if (!entry) return null;
    if (entry.until <= this.clock.now()) {
      map.delete(key);
      return null;
    }
    return entry.value;
  }

  private sweep(): void {
    const now = this.clock.now();
    for (const map of [this.links, this.sessions] as Map<string, Entry<unknown>>[])
      for (const [key, entry] of map) if (entry.until <= now) map.delete(key);
  }

  async putLoginLink(hash: string, link: LoginLinkRecord, retainMs: number): Promise<void> {
    this.sweep();
    this.links.set(hash, { value: { ...link }, until: this.clock.now() + retainMs });
  }

  async takeLoginLink(hash: string): Promise<LoginLinkRecord | null> {
    const link = this.live(this.links, hash);
    this.links.delete(hash);
    return link;
  }

  async putSession(hash: string, session: SessionRecord, ttlMs: number): Promise<void> {
    this.sweep();
    this.sessions.set(hash, { value: { ...session }, until: this.clock.now() + ttlMs });
  }

  async getSession(hash: string): Promise<SessionRecord | null> {
    return this.live(this.sessions, hash);
  }

  async deleteSession(hash: string): Promise<void> {
    this.sessions.delete(hash);
  }
}
