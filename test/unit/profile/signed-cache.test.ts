/**
 * The memory store's kept signed profiles (DATA_DIR/signed-profiles.jsonl) are read back
 * a batch at a time, for Store.putUsers: never one record at a time, never all at once.
 */
import { appendFile, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { UserRecord } from "../../../src/arbiter/index.js";
import {
  readSignedProfiles,
  SIGNED_PROFILES_FILE,
  writeSignedProfiles,
} from "../../../src/profile/index.js";

const record = (i: number): UserRecord => ({
  username: `user-${i}`,
  input: { username: `user-${i}`, note: "é\u2028" },
  published: JSON.stringify({ username: `user-${i}` }),
  etag: `"etag-${i}"`,
  visibility: i % 2 === 0 ? "public" : "private",
  source: "file",
  updatedAt: 1_700_000_000_000 + i,
  fileDigest: `digest-${i}`,
});

async function readAll(dir: string, batch: number): Promise<UserRecord[][]> {
  const batches: UserRecord[][] = [];
  for await (const b of readSignedProfiles(dir, batch)) batches.push(b);
  return batches;
}

describe("kept signed profiles", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "calendario-signed-cache-"));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it("reads back what was written, in batches of the size asked", async () => {
    const records = Array.from({ length: 7 }, (_, i) => record(i));
    await writeSignedProfiles(dir, records);
    const batches = await readAll(dir, 3);
    expect(batches.map((b) => b.length)).toEqual([3, 3, 1]);
    expect(batches.flat()).toEqual(records);
  });

  it("reads records across the read stream's chunks (a file of several MiB)", async () => {
    const big = "x".repeat(4000);
    const records = Array.from({ length: 1500 }, (_, i) => ({ ...record(i), published: big }));
    await writeSignedProfiles(dir, records);
    const batches = await readAll(dir, 64);
    expect(batches.flat()).toEqual(records);
    expect(Math.max(...batches.map((b) => b.length))).toBe(64);
  });

  it("skips a line that is not a record, and reads a last line without its newline", async () => {
    await writeSignedProfiles(dir, [record(1)]);
    const file = path.join(dir, SIGNED_PROFILES_FILE);
    await appendFile(file, `{"not":"a record"}\nnot json\n${JSON.stringify(record(2))}`);
    expect((await readAll(dir, 64)).flat()).toEqual([record(1), record(2)]);
  });

  it("reads nothing from a file of another format, or none at all", async () => {
    expect(await readAll(dir, 64)).toEqual([]);
    await writeSignedProfiles(dir, [record(1)]);
    const file = path.join(dir, SIGNED_PROFILES_FILE);
    const text = await readFile(file, "utf8");
    await writeFile(file, text.replace('"version":1', '"version":2'));
    expect(await readAll(dir, 64)).toEqual([]);
  });
});
