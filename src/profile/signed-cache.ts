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
 * held); none when there are none. The file is read in large chunks of bytes and each
 * line decoded on its own: decoding the chunks to text and splitting that cost five
 * times as much (and readline's per-line events more) at 100,000 lines.
 */
export async function* readSignedProfiles(
  dataDir: string,
  batch = 64,
): AsyncGenerator<UserRecord[]> {
  const stream = createReadStream(path.join(dataDir, SIGNED_PROFILES_FILE), {
    highWaterMark: 1 << 20,
  });
  let rest: Buffer | undefined;
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
    for await (const read of stream as AsyncIterable<Buffer>) {
      const chunk = rest ? Buffer.concat([rest, read]) : read;
      let at = 0;
      for (let nl = chunk.indexOf(10, at); nl >= 0; nl = chunk.indexOf(10, at)) {
        if (!take(chunk.toString("utf8", at, nl))) return;
        at = nl + 1;
        if (records.length >= batch) {
          yield records;
          records = [];
        }
      }
      rest = chunk.subarray(at);
    }
    if (rest && rest.length > 0 && !take(rest.toString("utf8"))) return;
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
