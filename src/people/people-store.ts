/**
 * Where sign-in state lives: login links and sessions, each one record under the SHA-256
 * of its secret (the secret itself is never stored). Kept in the node's store, so every
 * node process honours a session; apart from the arbiter's Store because nothing here
 * must be atomic with a booking.
 */

/** A login link, minted for one user and spent once. */
export interface LoginLinkRecord {
  username: string;
  createdAt: number;
  expiresAt: number;
}

/** A signed-in person's session. */
export interface SessionRecord {
  username: string;
  createdAt: number;
  expiresAt: number;
}

export interface PeopleStore {
  readonly kind: "memory" | "redis";
  /** Keeps the link under `hash` for `retainMs` (longer than its validity: an expired link is told apart from an unknown one). */
  putLoginLink(hash: string, link: LoginLinkRecord, retainMs: number): Promise<void>;
  /** Reads and deletes the link in one atomic step: of two concurrent takes, one gets it. */
  takeLoginLink(hash: string): Promise<LoginLinkRecord | null>;
  putSession(hash: string, session: SessionRecord, ttlMs: number): Promise<void>;
  getSession(hash: string): Promise<SessionRecord | null>;
  deleteSession(hash: string): Promise<void>;
}
