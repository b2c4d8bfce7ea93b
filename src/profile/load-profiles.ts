/**
 * PROFILES_DIR at start: every `<username>.json` is read, and signed only when its digest
 * (file-digest.ts) differs from the one kept with the user's record — so a restart with
 * nothing changed signs nothing. Files are read and signed a bounded number at a time,
 * never all held at once. Several processes starting together against one Redis each
 * claim a user before signing it (the claim is keyed by the file's digest), so each
 * profile is signed once in all, and they begin at different places in the directory to
 * share the work.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { Store, UserRecord } from "../arbiter/index.js";
import { parseJsonWithoutDuplicates } from "../identity/index.js";
import type { Logger } from "../logger.js";
import { forEachBounded } from "./bounded.js";
import { profileFileDigest } from "./file-digest.js";
import { listProfileFiles, type ProfileFile, readProfileFile } from "./load-dir.js";
import type { PublishDeps } from "./publish.js";
import { putUserProfile, STARTUP_CONCURRENCY, USERNAME_RE } from "./users.js";

/** How long a claim to sign one profile lasts if its holder dies before releasing it. */
const CLAIM_TTL_MS = 30_000;
/** How long to wait before looking again at a profile another process is signing. */
const CLAIMED_RETRY_MS = 50;
const PROGRESS_LOG_MS = 10_000;
/**
 * Files read, and their records fetched in one round trip, at a time; between chunks the
 * event loop answers requests (a chunk of changed files is ~30 ms of signing).
 */
const CHUNK = 64;

export interface LoadProfilesOptions {
  /**
   * Signed records kept from an earlier start (the memory store's DATA_DIR copy), read
   * one at a time: a file whose digest matches is stored as it was, not signed again.
   */
  kept?: AsyncIterable<UserRecord>;
}

export interface LoadProfilesResult {
  /** Users whose file is in the directory and valid, signed or not, by name. */
  loaded: string[];
  failed: string[];
  /** Users whose file is gone: now managed through the admin API. */
  released: string[];
  /** How many profiles this process signed, and how many it found already signed. */
  signed: number;
  unchanged: number;
  /** Of the unchanged, how many were taken from the kept copy (LoadProfilesOptions.kept). */
  restored: number;
}

const isCurrent = (record: UserRecord | null, digest: string) =>
  record?.source === "file" && record.fileDigest === digest;

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
  options: LoadProfilesOptions = {},
): Promise<LoadProfilesResult> {
  const started = performance.now();
  const files = await listProfileFiles(dir);
  const loaded: string[] = [];
  const failed: string[] = [];
  let signed = 0;
  let unchanged = 0;
  const progress = setInterval(
    () =>
      logger.info(
        { done: loaded.length + failed.length, total: files.length, signed, unchanged },
        "loading profiles",
      ),
    PROGRESS_LOG_MS,
  );
  progress.unref();

  const restored = options.kept
    ? await restoreKept(store, deps, files, options.kept)
    : new Map<string, string>();
  const fail = (entry: ProfileFile, err: unknown) => {
    failed.push(entry.username);
    const e = err as Error & { details?: unknown };
    logger.error({ file: entry.file, error: e.message, details: e.details }, "profile not loaded");
  };
  /** A chunk of files: read, their records read in one round trip, the changed ones signed. */
  const loadChunk = async (chunk: ProfileFile[]) => {
    const read: { entry: ProfileFile; bytes: Buffer; digest: string }[] = [];
    for (const entry of chunk) {
      try {
        if (!USERNAME_RE.test(entry.username)) throw new Error("file name is not a valid username");
        const digest = restored.get(entry.username);
        // Restored from the kept copy a moment ago, for these very bytes: nothing to read.
        if (digest !== undefined) read.push({ entry, bytes: Buffer.alloc(0), digest });
        else {
          const bytes = await readProfileFile(entry);
          read.push({ entry, bytes, digest: profileFileDigest(entry.username, bytes, deps) });
        }
      } catch (err) {
        fail(entry, err);
      }
    }
    const records = await store.getUsers(read.map((r) => r.entry.username));
    const changed: ((typeof read)[number] & { record: UserRecord | null })[] = [];
    read.forEach((r, i) => {
      const record = records[i] ?? null;
      if (isCurrent(record, r.digest)) {
        unchanged++;
        loaded.push(r.entry.username);
      } else changed.push({ ...r, record });
    });
    await forEachBounded(changed, STARTUP_CONCURRENCY, async ({ entry, bytes, digest, record }) => {
      try {
        if (bytes.length === 0 && restored.has(entry.username))
          bytes = await readProfileFile(entry);
        const outcome = await storeProfile(store, deps, entry.username, bytes, digest, record);
        if (outcome === "signed") signed++;
        else unchanged++;
        loaded.push(entry.username);
      } catch (err) {
        fail(entry, err);
      }
    });
  };
  try {
    // Processes starting together begin at different places and meet halfway.
    const first = files.length > 0 ? Math.floor(Math.random() * files.length) : 0;
    const rotated = [...files.slice(first), ...files.slice(0, first)];
    for (let at = 0; at < rotated.length; at += CHUNK) {
      await loadChunk(rotated.slice(at, at + CHUNK));
      // The memory store answers in microtasks: without this, /healthz would wait for the end.
      await new Promise((resolve) => setImmediate(resolve));
    }
  } finally {
    clearInterval(progress);
  }
  loaded.sort();
  failed.sort();
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
  logger.info(
    {
      dir,
      files: files.length,
      signed,
      unchanged,
      failed: failed.length,
      released: released.length,
      seconds: Math.round(performance.now() - started) / 1000,
    },
    `profiles loaded: signed ${signed}, unchanged ${unchanged}, failed ${failed.length}, released ${released.length}`,
  );
  return { loaded, failed, released, signed, unchanged, restored: restored.size };
}

/** Stores one file's profile, signing it only if nobody has signed these bytes yet. */
async function storeProfile(
  store: Store,
  deps: PublishDeps,
  username: string,
  bytes: Buffer,
  digest: string,
  /** The stored record as read with its chunk (not current, or it would not be here). */
  read: UserRecord | null,
): Promise<"signed" | "unchanged"> {
  let existing = read;
  const deadline = Date.now() + 2 * CLAIM_TTL_MS;
  while (!(await store.claimProfileSigning(username, digest, CLAIM_TTL_MS))) {
    // Another process is signing these bytes: its record will do.
    if (Date.now() > deadline)
      throw new Error("another node process kept the claim to sign this profile");
    await sleep(CLAIMED_RETRY_MS);
    existing = await store.getUser(username);
    if (isCurrent(existing, digest)) return "unchanged";
  }
  try {
    // Read again under the claim: a holder that just let go has stored its record.
    existing = await store.getUser(username);
    if (isCurrent(existing, digest)) return "unchanged";
    let input: unknown;
    try {
      input = parseJsonWithoutDuplicates(bytes.toString("utf8"));
    } catch (err) {
      throw new Error(`not valid JSON: ${(err as Error).message}`);
    }
    const { changed } = await putUserProfile(
      store,
      deps,
      username,
      input,
      "file",
      digest,
      existing,
    );
    return changed ? "signed" : "unchanged";
  } finally {
    await store.releaseProfileSigning(username, digest);
  }
}

/**
 * Stores each kept record whose file is still there with the same digest, and nothing
 * stored yet; answers the digest of each one stored. Other kept records are dropped.
 */
async function restoreKept(
  store: Store,
  deps: PublishDeps,
  files: ProfileFile[],
  kept: AsyncIterable<UserRecord>,
): Promise<Map<string, string>> {
  const byName = new Map(files.map((f) => [f.username, f]));
  const restored = new Map<string, string>();
  for await (const record of kept) {
    const entry = byName.get(record.username);
    if (!entry || !USERNAME_RE.test(entry.username)) continue;
    try {
      const bytes = await readProfileFile(entry);
      if (profileFileDigest(entry.username, bytes, deps) !== record.fileDigest) continue;
    } catch {
      continue; // Unreadable now: the loading pass says why.
    }
    if (await store.getUser(record.username)) continue;
    await store.putUser(record, "system");
    restored.set(record.username, record.fileDigest!);
    if (restored.size % CHUNK === 0) await new Promise((resolve) => setImmediate(resolve));
  }
  return restored;
}

async function releaseUsersWithoutFile(
  store: Store,
  present: Set<string>,
  now: number,
): Promise<string[]> {
  const released: string[] = [];
  const absent = (await store.listUsernames()).filter((u) => !present.has(u));
  await forEachBounded(absent, STARTUP_CONCURRENCY, async (username) => {
    const record = await store.getUser(username);
    if (record?.source !== "file") return;
    const { fileDigest: _, ...rest } = record;
    await store.putUser({ ...rest, source: "admin", updatedAt: now }, "system");
    released.push(username);
  });
  return released.sort();
}
