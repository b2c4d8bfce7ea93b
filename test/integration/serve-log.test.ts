/**
 * `calendario serve` as a newcomer runs it: its first lines say where it listens, which
 * store (and that memory is not durable) and where the admin token is — never the token —
 * and every line is written in the turn it happens, so a SIGKILL after an answer loses none of
 * its lines.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { cp, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";

const ROOT = path.resolve(import.meta.dirname, "../..");
const WAIT_MS = 60_000;

let dir: string;
let child: ChildProcess;
let stdout = "";
let stderr = "";

/** Resolves once `test` holds for what the child wrote on stdout so far. */
function waitForStdout(test: (out: string) => boolean, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    if (test(stdout)) return resolve();
    const timer = setTimeout(() => {
      child.stdout!.off("data", check);
      reject(
        new Error(
          `no ${what} on stdout within ${WAIT_MS} ms; stdout: ${stdout}; stderr: ${stderr}`,
        ),
      );
    }, WAIT_MS);
    const check = () => {
      if (!test(stdout)) return;
      clearTimeout(timer);
      child.stdout!.off("data", check);
      resolve();
    };
    child.stdout!.on("data", check);
  });
}

const lines = () =>
  stdout
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l) as Record<string, unknown>);

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "calendario-serve-log-"));
  await cp(path.join(ROOT, "profiles"), path.join(dir, "profiles"), { recursive: true });
  child = spawn(process.execPath, [path.join(ROOT, "bin/calendario.js"), "serve"], {
    cwd: dir,
    env: { ...process.env, PORT: "0", PUBLIC_URL: "http://localhost:8080", LOG_LEVEL: "info" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout!.on("data", (c: Buffer) => {
    stdout += c.toString("utf8");
  });
  child.stderr!.on("data", (c: Buffer) => {
    stderr += c.toString("utf8");
  });
  await waitForStdout((out) => out.includes("calendario node listening"), "listening line");
}, WAIT_MS + 10_000);

afterAll(async () => {
  if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  await rm(dir, { recursive: true, force: true });
});

it("says where it listens, that memory is not durable, and where the admin token is", async () => {
  const first = lines();
  const listening = first.find((l) => String(l.msg).startsWith("calendario node listening"))!;
  const url = listening.url as string;
  expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  expect(listening.msg).toContain(`listening on ${url}`);
  expect(listening.msg).toContain("store: memory, NOT durable");
  const tokenFile = path.join(dir, "data", "admin-token");
  expect(listening.msg).toContain(`admin token: in ${tokenFile}`);
  expect(listening).toMatchObject({
    store: "memory",
    durable: false,
    adminTokenAt: `in ${tokenFile}`,
  });
  expect(first.some((l) => String(l.msg).includes("NOT durable"))).toBe(true);
  // The token itself is in its file and shown once on stderr, never in the log.
  const token = (await readFile(tokenFile, "utf8")).trim();
  expect(stderr).toContain(token);
  expect(stdout).not.toContain(token);
});

it("writes each request's line in the turn of its answer; a SIGKILL right after the answers loses none", async () => {
  const url = lines().find((l) => l.url)!.url as string;
  // Less than 4 KiB of lines, concurrent, so that several answers share a turn.
  const ids = Array.from({ length: 10 }, (_, i) => `serve-log-${i}`);
  const answers = await Promise.all(
    ids.map(async (id) => {
      const res = await fetch(`${url}/.well-known/calendario/jane`, {
        headers: { "x-request-id": id },
      });
      await res.arrayBuffer();
      return res.status;
    }),
  );
  expect(answers).toEqual(ids.map(() => 200));
  // No waiting for the lines, no shutdown, no flush: the kill follows the last answer.
  const closed = new Promise((resolve) => child.once("close", resolve));
  child.kill("SIGKILL");
  await closed;
  expect(child.signalCode).toBe("SIGKILL");
  const logged = lines().filter((l) => l.msg === "request");
  for (const id of ids)
    expect(logged.filter((l) => l.reqId === id)).toMatchObject([
      { method: "GET", path: "/.well-known/calendario/jane", status: 200 },
    ]);
});
