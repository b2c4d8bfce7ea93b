/**
 * Login links: a random token in a URL, valid 15 minutes, spent once. The store keeps
 * only the token's hash; taking the link deletes it in the same atomic step, so two
 * sign-ins with one link cannot both succeed.
 */
import { NotFoundError } from "../errors.js";
import { USERNAME_RE } from "../profile/index.js";
import type { SignInDeps } from "./deps.js";
import { newSecret, SECRET_RE, secretHash } from "./secret.js";

export const LOGIN_LINK_TTL_MS = 15 * 60_000;
/** An expired link is remembered this much longer, to say "expired" rather than "unknown". */
const EXPIRED_MEMORY_MS = 24 * 3_600_000;

/** The path a login link opens (its sign-in page). */
export const SIGNIN_PATH = "/inbox/signin";

export interface LoginLink {
  /** `<PUBLIC_URL>/inbox/signin?token=<token>` */
  url: string;
  token: string;
  expiresAt: number;
}

/** A new login link for `username`; unknown user: NotFoundError `unknown_user`. */
export async function mintLoginLink(deps: SignInDeps, username: string): Promise<LoginLink> {
  if (!USERNAME_RE.test(username) || !(await deps.users.getUser(username)))
    throw new NotFoundError(`No user "${username}"`, "unknown_user");
  const token = newSecret();
  const now = deps.clock.now();
  const expiresAt = now + LOGIN_LINK_TTL_MS;
  await deps.people.putLoginLink(
    secretHash(token),
    { username, createdAt: now, expiresAt },
    LOGIN_LINK_TTL_MS + EXPIRED_MEMORY_MS,
  );
  const url = `${deps.publicUrl}${SIGNIN_PATH}?token=${encodeURIComponent(token)}`;
  return { url, token, expiresAt };
}

export type LoginLinkUse =
  | { status: "valid"; username: string }
  /** Past its 15 minutes (now spent as well). */
  | { status: "expired" }
  /** Never minted, already used, or malformed: told apart from nothing on purpose. */
  | { status: "invalid" };

/** Spends the link: only the first call with a live link gets `valid`. */
export async function consumeLoginLink(deps: SignInDeps, token: string): Promise<LoginLinkUse> {
  if (!SECRET_RE.test(token)) return { status: "invalid" };
  const link = await deps.people.takeLoginLink(secretHash(token));
  if (!link) return { status: "invalid" };
  if (deps.clock.now() >= link.expiresAt) return { status: "expired" };
  // A user deleted since the link was minted has nothing to sign in to.
  if (!(await deps.users.getUser(link.username))) return { status: "invalid" };
  return { status: "valid", username: link.username };
}
