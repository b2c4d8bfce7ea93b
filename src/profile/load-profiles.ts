/**
 * PROFILES_DIR at start: every `<username>.json` is read, and signed only when its digest
 * (file-digest.ts) differs from the one kept with the user's record — so a restart with
 * nothing changed signs nothing. Files are taken a chunk at a time, never all held at
 * once: a chunk's records are read in one round trip, its changed files claimed, signed,
 * and stored together (Store.putUsers). Several processes starting together against one
 * Redis each claim a user before signing it (the claim is keyed by the file's digest), so
 * each profile is signed once in all, and they begin at different places in the
 * directory to share the work.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { Store, UserRecord } from "../arbiter/index.js";
import { parseJsonWithoutDuplicates } from "../identity/index.js";
import type { Logger } from "../logger.js";
import { forEachBounded } from "./bounded.js";
import { profileFileDigest, readFileDigests } from "./file-digest.js";
import { listProfileFiles, type ProfileFile, readProfileFile } from "./load-dir.js";
import type { PublishDeps } from "./publish.js";
import type { PublishPool } from "./publish-pool.js";
import { profileRecord, putUserProfile, STARTUP_CONCURRENCY, USERNAME_RE } from "./users.js";

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
/**
 * Chunks under way at once: while one waits for the store or the signing threads, the
 * next is read. Each holds at most CHUNK files' bytes.
 */
const CHUNKS_IN_FLIGHT = 4;
/** A chunk with this many files to sign starts the signing threads (a few are not worth it). */
const SIGNING_THREADS_FROM = 16;
/**
 * With a kept copy to restore and this many files, the threads are started first to read
 * and digest the files (the main thread's share of a restart was mostly that).
 */
const DIGEST_THREADS_FROM = 128;

export interface LoadProfilesOptions {
  /**
   * Signed records kept from an earlier start (the memory store's DATA_DIR copy), read a
   * batch at a time: a file whose digest matches is stored as it was, not signed again.
   */
  kept?: AsyncIterable<UserRecord[]>;
  /**
   * Starts signing threads (publish-pool.ts), called once a chunk has enough files to
   * sign; they are closed when loading ends. Without it, the main thread signs.
   */
  startSigningThreads?: () => Promise<PublishPool>;
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
  /** Of the signed, how many on signing threads (LoadProfilesOptions.startSigningThreads). */
  signedOnThreads: number;
}

/** A file whose digest differs from the stored record's: to sign (or to store again). */
interface ChangedFile {
  entry: ProfileFile;
  bytes: Buffer;
  digest: string;
  record: UserRecord | null;
}

const isCurrent = (record: UserRecord | null, digest: string) =>
  record?.source === "file" && record.fileDigest === digest;

/** Lets the event loop answer requests: the memory store answers in microtasks. */
const yieldToRequests = () => new Promise((resolve) => setImmediate(resolve));

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

  const fail = (entry: ProfileFile, err: unknown) => {
    failed.push(entry.username);
    const e = err as Error & { details?: unknown };
    logger.error({ file: entry.file, error: e.message, details: e.details }, "profile not loaded");
  };
  const done = (entry: ProfileFile, outcome: "signed" | "unchanged") => {
    if (outcome === "signed") signed++;
    else unchanged++;
    loaded.push(entry.username);
  };
  /** A chunk of files: their records read in one round trip, then the files; the changed ones signed. */
  const loadChunk = async (chunk: ProfileFile[], restored: ReadonlyMap<string, string>) => {
    const named: ProfileFile[] = [];
    for (const entry of chunk) {
      if (USERNAME_RE.test(entry.username)) named.push(entry);
      else fail(entry, new Error("file name is not a valid username"));
    }
    const records = await store.getUsers(named.map((e) => e.username));
    const changed: ChangedFile[] = [];
    for (const [i, entry] of named.entries()) {
      const record = records[i] ?? null;
      const kept = restored.get(entry.username);
      // Restored from the kept copy a moment ago, for these very bytes: nothing to read.
      if (kept !== undefined && isCurrent(record, kept)) {
        done(entry, "unchanged");
        continue;
      }
      try {
        const bytes = await readProfileFile(entry);
        const digest = profileFileDigest(entry.username, bytes, deps);
        if (isCurrent(record, digest)) done(entry, "unchanged");
        else changed.push({ entry, bytes, digest, record });
      } catch (err) {
        fail(entry, err);
      }
    }
    if (changed.length === 0) return;
    if (changed.length >= SIGNING_THREADS_FROM) startThreads();
    await storeChanged(store, deps, changed, done, fail, await threads);
  };
  let restored = new Map<string, string>();
  let threads: Promise<PublishPool | undefined> | undefined;
  const startThreads = () => {
    if (!options.startSigningThreads) return;
    threads ??= options.startSigningThreads().catch((err: Error) => {
      logger.warn({ error: err.message }, "no signing threads: profiles signed on the main thread");
      return undefined;
    });
  };
  let signedOnThreads = 0;
  try {
    if (options.kept) {
      if (files.length >= DIGEST_THREADS_FROM) startThreads();
      restored = await restoreKept(store, deps, files, options.kept, await threads);
    }
    const chunks: ProfileFile[][] = [];
    for (let at = 0; at < files.length; at += CHUNK) chunks.push(files.slice(at, at + CHUNK));
    // Processes starting together begin at different places and meet halfway.
    const first = Math.floor(Math.random() * chunks.length);
    await forEachBounded(
      chunks,
      CHUNKS_IN_FLIGHT,
      async (chunk) => {
        await loadChunk(chunk, restored);
        await yieldToRequests();
      },
      first,
    );
  } finally {
    clearInterval(progress);
    const pool = await threads;
    await pool?.close();
    signedOnThreads = pool?.signed ?? 0;
    if (pool?.failure)
      logger.warn(
        { error: pool.failure.message },
        "a signing thread failed: what it had was signed on the main thread",
      );
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
      signedOnThreads,
      unchanged,
      failed: failed.length,
      released: released.length,
      seconds: Math.round(performance.now() - started) / 1000,
    },
    `profiles loaded: signed ${signed}, unchanged ${unchanged}, failed ${failed.length}, released ${released.length}`,
  );
  return { loaded, failed, released, signed, unchanged, restored: restored.size, signedOnThreads };
}

/**
 * A chunk's changed files: each claimed, signed, and the chunk's records stored at once.
 * A claim whose record was stored is not released but left to expire (CLAIM_TTL_MS): a
 * process that read the old record just before finds the claim taken, and waits for the
 * record instead of signing again — so nothing is read again under the claim. A file
 * another process is signing waits for its record.
 */
async function storeChanged(
  store: Store,
  deps: PublishDeps,
  changed: ChangedFile[],
  done: (entry: ProfileFile, outcome: "signed" | "unchanged") => void,
  fail: (entry: ProfileFile, err: unknown) => void,
  threads: PublishPool | undefined,
): Promise<void> {
  const claimed = await Promise.all(
    changed.map((c) => store.claimProfileSigning(c.entry.username, c.digest, CLAIM_TTL_MS)),
  );
  const mine = changed.filter((_, i) => claimed[i]);
  const stored = new Set<ChangedFile>();
  try {
    const made = await Promise.all(
      mine.map(async (c) => {
        try {
          return { file: c, ...(await makeRecord(deps, c, c.record, threads)) };
        } catch (err) {
          fail(c.entry, err);
          return undefined;
        }
      }),
    );
    const batch: { file: ChangedFile; record: UserRecord; changed: boolean }[] = [];
    for (const m of made) {
      if (!m) continue;
      if (m.writeAs) batch.push(m);
      else done(m.file.entry, "unchanged");
    }
    try {
      await store.putUsers(
        batch.map((b) => b.record),
        "system",
      );
      for (const b of batch) {
        stored.add(b.file);
        done(b.file.entry, b.changed ? "signed" : "unchanged");
      }
    } catch (err) {
      for (const b of batch) fail(b.file.entry, err);
    }
  } finally {
    await Promise.all(
      mine
        .filter((c) => !stored.has(c))
        .map((c) => store.releaseProfileSigning(c.entry.username, c.digest)),
    );
  }
  const others = changed.filter((_, i) => !claimed[i]);
  await forEachBounded(others, STARTUP_CONCURRENCY, async (c) => {
    try {
      done(c.entry, await storeClaimedElsewhere(store, deps, c));
    } catch (err) {
      fail(c.entry, err);
    }
  });
}

/**
 * The record of a changed file: signed on a signing thread when there are some (the
 * main thread signs a self-signed profile, whose DID it must resolve, and anything a
 * failed thread left), else here.
 */
async function makeRecord(
  deps: PublishDeps,
  { entry, bytes, digest }: ChangedFile,
  existing: UserRecord | null,
  threads: PublishPool | undefined,
) {
  const answer = await threads
    ?.publish(entry.username, bytes.toString("utf8"), deps.now())
    .catch(() => undefined);
  if (answer?.kind === "failed")
    throw Object.assign(new Error(answer.message), { details: answer.details });
  const input = answer ? answer.input : parseProfileBytes(bytes);
  const published = answer?.kind === "published" ? answer : undefined;
  return profileRecord(deps, entry.username, input, "file", digest, existing, published);
}

function parseProfileBytes(bytes: Buffer): unknown {
  try {
    return parseJsonWithoutDuplicates(bytes.toString("utf8"));
  } catch (err) {
    throw new Error(`not valid JSON: ${(err as Error).message}`);
  }
}

/**
 * A file another process claimed first: its record will do once stored. If the claim
 * lapses first (its holder died), this process claims and signs it.
 */
async function storeClaimedElsewhere(
  store: Store,
  deps: PublishDeps,
  { entry, bytes, digest }: ChangedFile,
): Promise<"signed" | "unchanged"> {
  const { username } = entry;
  const deadline = Date.now() + 2 * CLAIM_TTL_MS;
  while (!(await store.claimProfileSigning(username, digest, CLAIM_TTL_MS))) {
    if (Date.now() > deadline)
      throw new Error("another node process kept the claim to sign this profile");
    await sleep(CLAIMED_RETRY_MS);
    if (isCurrent(await store.getUser(username), digest)) return "unchanged";
  }
  try {
    // Read again under the claim: a holder that just let go has stored its record.
    const existing = await store.getUser(username);
    if (isCurrent(existing, digest)) return "unchanged";
    const { changed } = await putUserProfile(
      store,
      deps,
      username,
      parseProfileBytes(bytes),
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
 * stored yet, a batch at a time (Store.putUsers); answers the digest of each one stored.
 * Other kept records are dropped. With threads, a batch's files are read and digested on
 * them while the main thread reads the next batch and stores the one before.
 */
async function restoreKept(
  store: Store,
  deps: PublishDeps,
  files: ProfileFile[],
  kept: AsyncIterable<UserRecord[]>,
  threads: PublishPool | undefined,
): Promise<Map<string, string>> {
  const byName = new Map(files.map((f) => [f.username, f]));
  const restored = new Map<string, string>();
  const batches = kept[Symbol.asyncIterator]();
  /** The next batch of kept records whose file is there, with their files' digests coming. */
  const nextBatch = async () => {
    const { done, value } = await batches.next();
    if (done) return undefined;
    const records: UserRecord[] = [];
    const entries: ProfileFile[] = [];
    for (const record of value) {
      const entry = byName.get(record.username);
      if (!entry || !USERNAME_RE.test(entry.username)) continue;
      records.push(record);
      entries.push(entry);
    }
    return { records, digests: fileDigests(entries, deps, threads) };
  };
  let batch = await nextBatch();
  while (batch) {
    const current = batch;
    batch = await nextBatch();
    const digests = await current.digests;
    const same = current.records.filter((r, i) => digests[i] === r.fileDigest);
    const stored = await store.getUsers(same.map((r) => r.username));
    const fresh = same.filter((_, i) => !stored[i]);
    await store.putUsers(fresh, "system");
    for (const record of fresh) restored.set(record.username, record.fileDigest!);
    await yieldToRequests();
  }
  return restored;
}

/** Each file's digest (null if unreadable now: the loading pass says why), on a thread if any. */
async function fileDigests(
  entries: ProfileFile[],
  deps: PublishDeps,
  threads: PublishPool | undefined,
): Promise<(string | null)[]> {
  const onThread = await threads?.digests(entries).catch(() => undefined);
  return onThread ?? readFileDigests(entries, deps);
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
