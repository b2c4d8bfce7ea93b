import type { Store, UserRecord } from "../arbiter/index.js";
import { ManagedByFileError } from "../errors.js";
import { canonicalJson } from "../identity/index.js";
import type { Logger } from "../logger.js";
import { forEachBounded } from "./bounded.js";
import { type PublishDeps, type PublishedProfile, publishProfile } from "./publish.js";
import { validateProfileSchema } from "./schema.js";

export const USERNAME_RE = /^[a-z0-9](?:[a-z0-9._-]{0,62}[a-z0-9])?$/;

/** Validates, signs and stores a user's profile; nothing is stored when any step fails. */
export async function putUserProfile(
  store: Store,
  deps: PublishDeps,
  username: string,
  input: unknown,
  source: UserRecord["source"],
  /** For a profile file: its digest (file-digest.ts), kept with the record. */
  fileDigest?: string,
  /** The stored record, when the caller has just read it (start-up reads it anyway). */
  stored?: UserRecord | null,
): Promise<{ record: UserRecord; created: boolean; changed: boolean }> {
  const existing = stored === undefined ? await store.getUser(username) : stored;
  const { writeAs, ...result } = await profileRecord(
    deps,
    username,
    input,
    source,
    fileDigest,
    existing,
  );
  if (writeAs) await store.putUser(result.record, writeAs);
  return result;
}

/**
 * The record putUserProfile would store for `input`, and as whom it must be written
 * (`writeAs`; absent when the stored record is already it): start-up makes a batch of
 * them and stores it at once (Store.putUsers).
 */
export async function profileRecord(
  deps: PublishDeps,
  username: string,
  input: unknown,
  source: UserRecord["source"],
  fileDigest: string | undefined,
  existing: UserRecord | null,
  /** `input` published already (on a signing thread): used if it must be signed. */
  published?: Omit<PublishedProfile, "profile">,
): Promise<{
  record: UserRecord;
  created: boolean;
  changed: boolean;
  writeAs?: "system" | "admin";
}> {
  if (existing?.source === "file" && source === "admin") throw new ManagedByFileError(username);
  // An unchanged profile is not signed again, so it keeps its ETag and adds no audit
  // event — unless the organization key changed since it was signed, or it lacks what the
  // published schema now requires.
  if (
    existing &&
    existing.source === source &&
    sameJson(existing.input, input) &&
    signedWith(existing) === deps.orgSigner.kid &&
    meetsPublishedSchema(existing)
  ) {
    if (existing.fileDigest === fileDigest)
      return { record: existing, created: false, changed: false };
    // The same profile from other bytes (or first seen with a digest): only the digest is new.
    const record: UserRecord = { ...existing, fileDigest };
    if (fileDigest === undefined) delete record.fileDigest;
    return { record, created: false, changed: false, writeAs: "system" };
  }
  published ??= await publishProfile(username, input, deps);
  const record: UserRecord = {
    username,
    input: input as Record<string, unknown>,
    published: published.body,
    etag: published.etag,
    visibility: published.visibility,
    source,
    updatedAt: deps.now(),
  };
  if (fileDigest !== undefined) record.fileDigest = fileDigest;
  return {
    record,
    created: existing === null,
    changed: true,
    writeAs: source === "file" ? "system" : "admin",
  };
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

/** How many users' records start-up reads or writes at once (pipelined on Redis). */
export const STARTUP_CONCURRENCY = 32;

/**
 * Signs again, from what was given, every stored profile the current organization key did
 * not sign: after a key change peers could no longer verify them (custodial `self` DIDs,
 * derived from the organization key, change with it). Users in `skip` (just loaded from
 * their files, so signed with the current key) are not read. Returns the usernames re-signed.
 */
export async function resignStaleProfiles(
  store: Store,
  deps: PublishDeps,
  logger: Logger,
  skip: ReadonlySet<string> = new Set(),
): Promise<string[]> {
  const resigned: string[] = [];
  const usernames = (await store.listUsernames()).filter((u) => !skip.has(u));
  await forEachBounded(usernames, STARTUP_CONCURRENCY, async (username) => {
    const record = await store.getUser(username);
    if (!record || signedWith(record) === deps.orgSigner.kid) return;
    try {
      await putUserProfile(store, deps, username, record.input, record.source, record.fileDigest);
      resigned.push(username);
    } catch (err) {
      logger.error({ username, error: (err as Error).message }, "profile not signed again");
    }
  });
  resigned.sort();
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
