/**
 * The memory store keeps nothing across restarts, so the signed form of each file-managed
 * profile is kept in DATA_DIR (`signed-profiles.jsonl`, one record a line): at the next
 * start a file whose digest matches is served as it was, not signed again. Records are
 * public profiles (no secrets); a line that does not read as a record is ignored, and its
 * profile is signed again.
 */
import { createReadStream } from "node:fs";
import { mkdir, open, rename, rm } from "node:fs/promises";
import path from "node:path";
import type { UserRecord } from "../arbiter/index.js";

export const SIGNED_PROFILES_FILE = "signed-profiles.jsonl";
const HEADER = JSON.stringify({ format: "calendario signed profiles", version: 1 });

function asRecord(value: unknown): UserRecord | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const r = value as Record<string, unknown>;
  const ok =
    typeof r.username === "string" &&
    typeof r.fileDigest === "string" &&
    typeof r.published === "string" &&
    typeof r.etag === "string" &&
    (r.visibility === "public" || r.visibility === "private") &&
    r.source === "file" &&
    typeof r.updatedAt === "number" &&
    typeof r.input === "object" &&
    r.input !== null;
  return ok ? (r as unknown as UserRecord) : undefined;
}

/**
 * The records kept by the last start, a batch of up to `batch` at a time (never all
 * held); none when there are none. The file is read in large chunks and split into lines
 * here: readline's per-line events cost more than the parse at 100,000 lines.
 */
export async function* readSignedProfiles(
  dataDir: string,
  batch = 64,
): AsyncGenerator<UserRecord[]> {
  const stream = createReadStream(path.join(dataDir, SIGNED_PROFILES_FILE), {
    encoding: "utf8",
    highWaterMark: 1 << 20,
  });
  let rest = "";
  let first = true;
  let records: UserRecord[] = [];
  /** False once the header says the file is not ours: nothing of it is used. */
  const take = (line: string): boolean => {
    if (first) {
      first = false;
      return line.replace(/\r$/, "") === HEADER;
    }
    let record: UserRecord | undefined;
    try {
      record = asRecord(JSON.parse(line));
    } catch {
      record = undefined;
    }
    if (record) records.push(record);
    return true;
  };
  try {
    for await (const chunk of stream as AsyncIterable<string>) {
      const lines = (rest + chunk).split("\n");
      rest = lines.pop()!;
      for (const line of lines) {
        if (!take(line)) return;
        if (records.length >= batch) {
          yield records;
          records = [];
        }
      }
    }
    if (rest !== "" && !take(rest)) return;
    if (records.length > 0) yield records;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  } finally {
    stream.destroy();
  }
}

/** Replaces the kept records with `records` (written aside, then renamed into place). */
export async function writeSignedProfiles(
  dataDir: string,
  records: Iterable<UserRecord>,
): Promise<void> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const file = path.join(dataDir, SIGNED_PROFILES_FILE);
  const tmp = `${file}.${process.pid}.tmp`;
  const handle = await open(tmp, "w", 0o600);
  try {
    let chunk = `${HEADER}\n`;
    for (const record of records) {
      chunk += `${JSON.stringify(record)}\n`;
      if (chunk.length > 1 << 20) {
        await handle.write(chunk);
        chunk = "";
      }
    }
    await handle.write(chunk);
    await handle.close();
    await rename(tmp, file);
  } catch (err) {
    await handle.close().catch(() => {});
    await rm(tmp, { force: true });
    throw err;
  }
}
