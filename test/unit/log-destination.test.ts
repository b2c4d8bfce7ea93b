/**
 * The log destination gathers one event-loop turn's lines into one write at the end of
 * the turn, writes what is pending on flush, and before the process exits, even when it
 * exits by an uncaught exception.
 */
import { spawnSync } from "node:child_process";
import path from "node:path";
import { setImmediate as nextTurn } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { TurnBatchedDestination } from "../../src/log-destination.js";

const ROOT = path.resolve(import.meta.dirname, "../..");

function recordingSink() {
  const writes: string[] = [];
  return { writes, sink: { write: (s: string) => void writes.push(s) } };
}

describe("TurnBatchedDestination", () => {
  it("hands the lines of one turn to the sink in one write, at the end of the turn", async () => {
    const { writes, sink } = recordingSink();
    const out = new TurnBatchedDestination(sink);
    out.write("a\n");
    out.write("b\n");
    await Promise.resolve();
    out.write("c\n");
    expect(writes).toEqual([]);
    await nextTurn();
    expect(writes).toEqual(["a\nb\nc\n"]);
    out.write("d\n");
    await nextTurn();
    expect(writes).toEqual(["a\nb\nc\n", "d\n"]);
  });

  it("writes what is pending on flush, once", async () => {
    const { writes, sink } = recordingSink();
    const out = new TurnBatchedDestination(sink);
    out.write("a\n");
    let flushed = false;
    out.flush(() => {
      flushed = true;
    });
    expect(flushed).toBe(true);
    expect(writes).toEqual(["a\n"]);
    await nextTurn();
    expect(writes).toEqual(["a\n"]);
  });
});

describe("the node's stdout log", () => {
  /** Runs `code` (with `createLogger` in scope) in a child process; returns its stdout. */
  function runChild(code: string) {
    const script = `import { createLogger } from ${JSON.stringify(path.join(ROOT, "src/logger.ts"))};\n${code}`;
    return spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
      cwd: ROOT,
      encoding: "utf8",
      timeout: 60_000,
    });
  }
  const messages = (stdout: string) =>
    stdout
      .split("\n")
      .filter((l) => l !== "")
      .map((l) => (JSON.parse(l) as { msg: string }).msg);

  it("writes the lines of the last turn when the process exits", () => {
    const child = runChild(
      `const log = createLogger("info"); log.info("first"); log.info("second"); process.exit(3);`,
    );
    expect(child.status).toBe(3);
    expect(messages(child.stdout)).toEqual(["first", "second"]);
  });

  it("writes them when an uncaught exception ends the process", () => {
    const child = runChild(
      `const log = createLogger("info"); log.info("before the crash"); throw new Error("boom");`,
    );
    expect(child.status).not.toBe(0);
    expect(child.stderr).toContain("boom");
    expect(messages(child.stdout)).toEqual(["before the crash"]);
  });
});
