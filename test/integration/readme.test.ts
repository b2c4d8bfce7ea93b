/**
 * Every shell command of README.md runs as written, in order, with bash, against a node
 * started the way the quickstart starts it (`npm start` in a copy of the repository).
 * The README's `localhost:8080` (the node) and `8081` (the webhook receiver it starts)
 * are mapped to free ports. `curl` fails on an HTTP error status here, so a command that
 * answers 4xx or 5xx fails the test. Blocks the test cannot run say why in the README
 * (`<!-- readme-test: skip (reason) -->`); they are counted and listed.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { cp, mkdtemp, readFile, realpath, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../helpers/ports.js";
import { type ShellBlock, shellBlocks } from "../helpers/readme-blocks.js";

const ROOT = path.resolve(import.meta.dirname, "../..");
const START_TIMEOUT_MS = 120_000;
const RUN_TIMEOUT_MS = 300_000;
/** The blocks the README may leave to people (installing, real domains, the test suite). */
const MAX_SKIPPED = 8;

const README = await readFile(path.join(ROOT, "README.md"), "utf8");
const blocks = shellBlocks(README);
const skipped = blocks.filter((b) => b.skip !== undefined);
const runnable = blocks.filter((b) => b.skip === undefined);

let dir: string;
let node: ChildProcess | undefined;
let nodePort: number;
let receiverPort: number;
let nodeOutput = "";

/** The environment of the README's own terminal: nothing of the test runner's node settings. */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env))
    if (
      !/^(CALENDARIO_|PORT$|HOST$|PUBLIC_URL$|DATA_DIR$|PROFILES_DIR$|ADMIN_TOKEN$|REDIS_URL$|LOG_LEVEL$)/.test(
        k,
      )
    )
      env[k] = v;
  return { ...env, ...extra };
}

/**
 * How the walkthrough starts the node: the quickstart block is `npm install && npm start`;
 * the README then says to start it as `CALENDARIO_ALLOW_INSECURE=1 npm start` to follow
 * the local webhook example, and that is the line the test runs (its environment assignments).
 */
function quickstartEnv(): Record<string, string> {
  if (!blocks.some((b) => b.code.split("\n").some((l) => l.trim() === "npm install && npm start")))
    throw new Error("README's quickstart has no `npm install && npm start` line");
  const walkthrough = README.replace(/\s+/g, " ").match(
    /start it instead as `((?:\w+=\S+\s+)*)npm start`/,
  );
  if (!walkthrough)
    throw new Error("README does not say how to start the node for the walkthrough");
  return Object.fromEntries(
    [...walkthrough[1]!.matchAll(/(\w+)=(\S+)\s+/g)].map((m) => [m[1]!, m[2]!] as [string, string]),
  );
}

/** The README's ports mapped to the test's. */
function localize(code: string): string {
  return code
    .replaceAll("localhost:8080", `localhost:${nodePort}`)
    .replace(/\b8081\b/g, String(receiverPort));
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "calendario-readme-"));
  // A copy of the clone as a newcomer has it after `npm install` and a first `npm start`
  // (node_modules and dist, timestamps kept so that the build has nothing to do).
  await cp(ROOT, dir, {
    recursive: true,
    preserveTimestamps: true,
    filter: (src) => {
      const rel = path.relative(ROOT, src);
      return !/^(node_modules|\.git|data|coverage)(\/|$)/.test(rel) && !rel.endsWith(".jwk");
    },
  });
  await symlink(await realpath(path.join(ROOT, "node_modules")), path.join(dir, "node_modules"));
  nodePort = await freePort();
  receiverPort = await freePort();
  node = spawn("npm", ["start"], {
    cwd: dir,
    env: cleanEnv({ ...quickstartEnv(), PORT: String(nodePort) }),
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  node.stdout!.on("data", (c: Buffer) => {
    nodeOutput += c.toString("utf8");
  });
  node.stderr!.on("data", (c: Buffer) => {
    nodeOutput += c.toString("utf8");
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`npm start did not listen in time:\n${nodeOutput}`)),
      START_TIMEOUT_MS,
    );
    node!.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`npm start exited (${code}):\n${nodeOutput}`));
    });
    const check = () => {
      if (!nodeOutput.includes("calendario node listening")) return;
      clearTimeout(timer);
      node!.stdout!.off("data", check);
      resolve();
    };
    node!.stdout!.on("data", check);
  });
}, START_TIMEOUT_MS + 10_000);

afterAll(async () => {
  if (node?.pid !== undefined && node.exitCode === null) {
    const exited = new Promise((resolve) => node!.once("exit", resolve));
    process.kill(-node.pid, "SIGTERM"); // npm and the node it started
    await exited;
  }
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("README.md", () => {
  it("has shell blocks, and marks the few it cannot run with a reason", () => {
    expect(runnable.length).toBeGreaterThanOrEqual(10);
    console.info(
      `README: ${runnable.length} shell blocks run, ${skipped.length} skipped:\n${skipped
        .map((b) => `  line ${b.line}: ${b.skip}`)
        .join("\n")}`,
    );
    expect(skipped.length).toBeLessThanOrEqual(MAX_SKIPPED);
    for (const b of skipped) expect(b.skip!.length).toBeGreaterThan(10);
  });

  it(
    "runs every other shell block, in order, without a failing command",
    async () => {
      const script = [
        "set -euo pipefail",
        // An HTTP error status is a failure here (a person sees the body, as with plain curl).
        'curl() { command curl --fail-with-body --silent --show-error "$@"; echo; }',
        ...runnable.map(
          (b: ShellBlock) => `echo ">>> README.md line ${b.line}" >&2\n${localize(b.code)}`,
        ),
      ].join("\n");
      const result = await new Promise<{ code: number | null; out: string }>((resolve) => {
        const bash = spawn("bash", ["-c", script], {
          cwd: dir,
          env: cleanEnv({}),
          stdio: ["ignore", "pipe", "pipe"],
        });
        let out = "";
        bash.stdout.on("data", (c: Buffer) => {
          out += c.toString("utf8");
        });
        bash.stderr.on("data", (c: Buffer) => {
          out += c.toString("utf8");
        });
        const timer = setTimeout(() => bash.kill("SIGKILL"), RUN_TIMEOUT_MS);
        bash.once("exit", (code) => {
          clearTimeout(timer);
          resolve({ code, out });
        });
      });
      if (result.code !== 0) {
        const last = [...result.out.matchAll(/>>> README\.md line (\d+)/g)].at(-1)?.[1];
        throw new Error(
          `a README command failed (exit ${result.code}) in the block at line ${last}:\n${result.out.slice(-6000)}\n--- node:\n${nodeOutput.slice(-3000)}`,
        );
      }
      // What the walkthrough shows a person: a valid profile, a verified audit export, a
      // request confirmed across "organizations", a webhook delivery printed by the receiver.
      expect(result.out).toContain("Result: VALID");
      expect(result.out).toContain("Result: VERIFIED");
      expect(result.out).toContain("Confirmed: jane@localhost:");
      expect(result.out).toMatch(/"type":\s*"booking\.committed"/);
    },
    RUN_TIMEOUT_MS + 10_000,
  );
});
