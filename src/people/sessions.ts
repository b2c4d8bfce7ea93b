/**
 * Sessions of signed-in people: a random id in a cookie, the store keeping its hash. A
 * session lasts 12 hours from sign-in (fixed, not sliding) or until sign-out.
 */
import type { SignInDeps } from "./deps.js";
import { newSecret, SECRET_RE, secretHash } from "./secret.js";

export const SESSION_TTL_MS = 12 * 3_600_000;

export interface Session {
  /** The secret for the cookie; the store keeps only its hash. */
  id: string;
  username: string;
  expiresAt: number;
}

/** A new session (always a fresh id: signing in never reuses one the browser brought). */
export async function startSession(deps: SignInDeps, username: string): Promise<Session> {
  const id = newSecret();
  const now = deps.clock.now();
  const expiresAt = now + SESSION_TTL_MS;
  await deps.people.putSession(
    secretHash(id),
    { username, createdAt: now, expiresAt },
    SESSION_TTL_MS,
  );
  return { id, username, expiresAt };
}

/** The username of a live session, or null (unknown, ended, expired, or its user deleted). */
export async function sessionUser(
  deps: SignInDeps,
  id: string | undefined,
): Promise<string | null> {
  if (id === undefined || !SECRET_RE.test(id)) return null;
  const session = await deps.people.getSession(secretHash(id));
  if (!session || deps.clock.now() >= session.expiresAt) return null;
  if (!(await deps.users.getUser(session.username))) return null;
  return session.username;
}

/** Sign-out: the session ends on every node process at once. */
export async function endSession(deps: SignInDeps, id: string | undefined): Promise<void> {
  if (id === undefined || !SECRET_RE.test(id)) return;
  await deps.people.deleteSession(secretHash(id));
}
