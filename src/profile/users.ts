import type { Store, UserRecord } from "../arbiter/index.js";
import { ManagedByFileError } from "../errors.js";
import { canonicalJson } from "../identity/index.js";
import type { Logger } from "../logger.js";
import { readProfileDir } from "./load-dir.js";
import { type PublishDeps, publishProfile } from "./publish.js";
import { validateProfileSchema } from "./schema.js";

export const USERNAME_RE = /^[a-z0-9](?:[a-z0-9._-]{0,62}[a-z0-9])?$/;

/** Validates, signs and stores a user's profile; nothing is stored when any step fails. */
export async function putUserProfile(
  store: Store,
  deps: PublishDeps,
  username: string,
  input: unknown,
  source: UserRecord["source"],
): Promise<{ record: UserRecord; created: boolean; changed: boolean }> {
  const existing = await store.getUser(username);
  if (existing?.source === "file" && source === "admin") throw new ManagedByFileError(username);
  // Several processes load the same profile files at start: an unchanged profile is not
  // signed again, so it keeps its ETag and adds no audit event — unless the organization
  // key changed since it was signed, or it lacks what the published schema now requires.
  if (
    existing &&
    existing.source === source &&
    sameJson(existing.input, input) &&
    signedWith(existing) === deps.orgSigner.kid &&
    meetsPublishedSchema(existing)
  )
    return { record: existing, created: false, changed: false };
  const published = await publishProfile(username, input, deps);
  const record: UserRecord = {
    username,
    input: input as Record<string, unknown>,
    published: published.body,
    etag: published.etag,
    visibility: published.visibility,
    source,
    updatedAt: deps.now(),
  };
  await store.putUser(record, source === "file" ? "system" : "admin");
  return { record, created: existing === null, changed: true };
}

/** False for a profile published before the node filled what the schema now requires. */
function meetsPublishedSchema(record: UserRecord): boolean {
  return validateProfileSchema(JSON.parse(record.published)).length === 0;
}

/** The organization key that signed the profile as served (its proof's verification method). */
function signedWith(record: UserRecord): string | undefined {
  const published = JSON.parse(record.published) as {
    organization_proof?: { verificationMethod?: string };
  };
  return published.organization_proof?.verificationMethod;
}

/**
 * Signs again, from what was given, every stored profile the current organization key did
 * not sign: after a key change peers could no longer verify them (custodial `self` DIDs,
 * derived from the organization key, change with it). Returns the usernames re-signed.
 */
export async function resignStaleProfiles(
  store: Store,
  deps: PublishDeps,
  logger: Logger,
): Promise<string[]> {
  const resigned: string[] = [];
  for (const username of await store.listUsernames()) {
    const record = await store.getUser(username);
    if (!record || signedWith(record) === deps.orgSigner.kid) continue;
    try {
      await putUserProfile(store, deps, username, record.input, record.source);
      resigned.push(username);
    } catch (err) {
      logger.error({ username, error: (err as Error).message }, "profile not signed again");
    }
  }
  if (resigned.length > 0)
    logger.warn({ profiles: resigned }, "profiles signed again with the current organization key");
  return resigned;
}

function sameJson(a: unknown, b: unknown): boolean {
  try {
    return canonicalJson(a) === canonicalJson(b);
  } catch {
    return false;
  }
}

/**
 * Loads every `<username>.json` in the profiles directory; a bad file is logged and
 * skipped (its user, if stored, keeps the profile it had and stays file-managed). A stored
 * file-managed user whose file is gone is handed to the admin API (`released`): it keeps its
 * profile, agents and bookings, and the admin may now change or delete it.
 */
export async function loadProfilesFromDir(
  dir: string,
  store: Store,
  deps: PublishDeps,
  logger: Logger,
): Promise<{ loaded: string[]; failed: string[]; released: string[] }> {
  const loaded: string[] = [];
  const failed: string[] = [];
  const files = await readProfileDir(dir);
  for (const file of files) {
    try {
      if (!USERNAME_RE.test(file.username)) throw new Error("file name is not a valid username");
      if (!file.content.ok) throw new Error(`not valid JSON: ${file.content.error}`);
      await putUserProfile(store, deps, file.username, file.content.value, "file");
      loaded.push(file.username);
    } catch (err) {
      failed.push(file.username);
      const e = err as Error & { details?: unknown };
      logger.error({ file: file.file, error: e.message, details: e.details }, "profile not loaded");
    }
  }
  const released = await releaseUsersWithoutFile(
    store,
    new Set(files.map((f) => f.username)),
    deps.now(),
  );
  if (released.length > 0)
    logger.warn(
      { profiles: released, dir },
      "profile files removed: these users are now managed through the admin API",
    );
  return { loaded, failed, released };
}

async function releaseUsersWithoutFile(
  store: Store,
  present: Set<string>,
  now: number,
): Promise<string[]> {
  const released: string[] = [];
  for (const username of await store.listUsernames()) {
    if (present.has(username)) continue;
    const record = await store.getUser(username);
    if (record?.source !== "file") continue;
    await store.putUser({ ...record, source: "admin", updatedAt: now }, "system");
    released.push(username);
  }
  return released;
}
