/**
 * Every subcommand answers --help and -h with its usage and exit 0; --version prints the
 * version; bare `calendario` is a usage error (help on stderr, exit 2). In-process over the
 * command table, and once through the real bin/calendario.js.
 */
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { COMMANDS, main } from "../../../src/cli/main.js";

const ROOT = path.resolve(import.meta.dirname, "../../..");
const VERSION = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")).version;

async function cli(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const stdout = process.stdout.write.bind(process.stdout);
  const stderr = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((c: string) => out.push(String(c)) > 0) as typeof process.stdout.write;
  process.stderr.write = ((c: string) => err.push(String(c)) > 0) as typeof process.stderr.write;
  try {
    return { code: await main(args), stdout: out.join(""), stderr: err.join("") };
  } finally {
    process.stdout.write = stdout;
    process.stderr.write = stderr;
  }
}

// Every command of the table, plus the verb of `audit`, each with both help flags.
const INVOCATIONS = [...COMMANDS.map((c) => [c.name]), ["audit", "verify"]];
const CASES = INVOCATIONS.flatMap((words) => [
  [words.join(" "), [...words, "--help"]],
  [words.join(" "), [...words, "-h"]],
]) as [string, string[]][];

describe("calendario <command> --help", () => {
  it("knows the commands of the README", () => {
    expect(COMMANDS.map((c) => c.name)).toEqual(
      expect.arrayContaining(["serve", "validate", "keygen", "sign", "request", "audit"]),
    );
  });

  it.each(CASES)("%s: %j prints its usage on stdout and exits 0", async (name, args) => {
    const res = await cli(args);
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(new RegExp(`^usage: calendario ${name.split(" ")[0]}\\b`));
    expect(res.stderr).toBe("");
  });

  it("shows help even after other arguments, but not after --", async () => {
    expect((await cli(["keygen", "--out", "x.jwk", "--help"])).code).toBe(0);
    const res = await cli(["sign", "--", "--help"]);
    expect(res.code).toBe(2);
  });

  it("refuses an unknown command with exit 2", async () => {
    const res = await cli(["frobnicate"]);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('unknown command "frobnicate"');
  });

  it("refuses arguments to serve with exit 2", async () => {
    const res = await cli(["serve", "now"]);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain("usage: calendario serve");
  });
});

describe("the calendario executable", () => {
  const run = (args: string[]) =>
    promisify(execFile)(process.execPath, [path.join(ROOT, "bin/calendario.js"), ...args]).then(
      ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
      (err: { code: number; stdout: string; stderr: string }) => err,
    );

  it("--version prints the package version", async () => {
    for (const flag of ["--version", "-V"]) {
      const res = await run([flag]);
      expect(res.code).toBe(0);
      expect(res.stdout).toBe(`calendario-node ${VERSION}\n`);
    }
  });

  it("with no command prints the help on stderr and exits 2 (usage error)", async () => {
    const res = await run([]);
    expect(res.code).toBe(2);
    expect(res.stdout).toBe("");
    expect(res.stderr).toContain("Usage:");
    expect(res.stderr).toContain("calendario audit verify");
  });

  it("help and --help print the help on stdout and exit 0", async () => {
    for (const args of [["help"], ["--help"], ["-h"]]) {
      const res = await run(args);
      expect(res.code).toBe(0);
      expect(res.stdout).toContain("Usage:");
    }
  });

  it("audit verify --help exits 0", async () => {
    const res = await run(["audit", "verify", "--help"]);
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/^usage: calendario audit verify/);
  });
});
