/**
 * Profile files are read with one open, read and close into a shared buffer: every size
 * comes back whole and exact, including at and past the buffer's 64 KiB.
 */
import { mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listProfileFiles, readProfileFile } from "../../../src/profile/load-dir.js";

let dir: string;
const sizes = [0, 1, 700, 65_535, 65_536, 65_537, 200_000];
const bytesOf = (n: number) => Buffer.from(Array.from({ length: n }, (_, i) => 97 + (i % 26)));

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "calendario-load-dir-"));
  for (const n of sizes) await writeFile(path.join(dir, `size-${n}.json`), bytesOf(n));
  await symlink(path.join(dir, "size-700.json"), path.join(dir, "linked.json"));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe("readProfileFile", () => {
  it("reads each file whole, whatever its size, and no read changes another's bytes", async () => {
    const files = await listProfileFiles(dir);
    const read = new Map<string, Buffer>();
    for (const f of files) read.set(f.username, await readProfileFile(f));
    for (const n of sizes) expect(read.get(`size-${n}`)!.equals(bytesOf(n))).toBe(true);
    expect(read.get("linked")!.equals(bytesOf(700))).toBe(true);
    expect(files.find((f) => f.username === "linked")!.regular).toBe(false);
  });
});
