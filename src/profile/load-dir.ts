import { closeSync, openSync, readFileSync, readSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";

export interface ProfileFile {
  username: string;
  file: string;
  /** A regular file (not a symlink, FIFO or other): read without a thread-pool hop. */
  regular: boolean;
}

/**
 * The `<dir>/<username>.json` files, by name; only names are held, each file is read when
 * its turn comes. A missing directory is an empty one.
 */
export async function listProfileFiles(dir: string): Promise<ProfileFile[]> {
  let entries: import("node:fs").Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw err;
  }
  return entries
    .filter((e) => e.name.endsWith(".json"))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((e) => ({
      username: e.name.slice(0, -".json".length),
      file: path.join(dir, e.name),
      regular: e.isFile(),
    }));
}

/** Profile files are a few KiB: one read of this size takes a whole one. */
const scratch = Buffer.allocUnsafe(64 * 1024);

/**
 * A profile file's bytes. A regular file of a few KiB is read synchronously, with one
 * open, one read and one close (~10 µs; the promise API's open, stat, read and close are
 * four thread-pool round trips, and readFileSync's stat and second read cost half as much
 * again, at 100,000 files); a larger one whole; anything else (a symlink, as mounted
 * config volumes are, or a FIFO that may block) asynchronously.
 */
export function readProfileFile(entry: ProfileFile): Buffer | Promise<Buffer> {
  if (!entry.regular) return readFile(entry.file);
  const fd = openSync(entry.file, "r");
  let size: number;
  try {
    size = readSync(fd, scratch, 0, scratch.length, 0);
  } finally {
    closeSync(fd);
  }
  // A short read of a regular file is its end; a full one may not be.
  return size < scratch.length ? Buffer.from(scratch.subarray(0, size)) : readFileSync(entry.file);
}
