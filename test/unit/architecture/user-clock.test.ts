/**
 * A decision or an answer about one user reads that user's clock: `store.now(username)`
 * (on Redis Cluster the clock of the shard whose scripts decide for the user). A bare
 * `now()` is for what belongs to no user, and only in the places listed here.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { expect, it } from "vitest";
import { PACKAGE_ROOT } from "../../../src/paths.js";

const SRC = path.join(PACKAGE_ROOT, "src");

/** Files allowed a bare `store.now()`, and why. */
const USERLESS = new Map([
  ["booking/pending-sweeper.ts", "sweeps every user's expired requests"],
  ["operations/store-health.ts", "asks whether the store answers at all"],
  ["http/docs/index.ts", "the public skill's example slot"],
]);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith(".ts") ? [full] : [];
  });
}

it("reads the time of the user concerned everywhere but the listed places", () => {
  const bare: string[] = [];
  for (const file of sourceFiles(SRC)) {
    const rel = path.relative(SRC, file).split(path.sep).join("/");
    readFileSync(file, "utf8")
      .split("\n")
      .forEach((line, i) => {
        if (/\bstore\.now\(\)/.test(line) && !USERLESS.has(rel)) bare.push(`${rel}:${i + 1}`);
      });
  }
  expect(bare).toEqual([]);
});
