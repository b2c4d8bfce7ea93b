/**
 * No container engine runs here, so this performs the Dockerfile's steps itself, in
 * order, in a fresh copy of the repository (the build context, .dockerignore applied):
 * each stage in its own directory standing for the image's root, WORKDIR and COPY as
 * Docker does them (`--from` reads the named stage), RUN with `sh -c` (so RUN commands must
 * use relative paths), ENV carried on. Then it starts the final stage's CMD and checks that
 * the node answers /healthz (and /readyz with the HEALTHCHECK command, when the node has
 * /readyz). What cannot be performed is checked as text: the base images, the non-root
 * USER, the volume. The npm cache of this machine is used (the Dockerfile mounts a cache there too).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { cp, mkdir, mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  dockerIgnored,
  type Instruction,
  parseDockerfile,
  parseEnv,
  parseExecForm,
  type Stage,
} from "../helpers/dockerfile.js";
import { freePort } from "../helpers/ports.js";

const ROOT = path.resolve(import.meta.dirname, "../..");
const STEP_TIMEOUT_MS = 900_000;
const BUILD_TIMEOUT_MS = 1_800_000;

const stages = parseDockerfile(await readFile(path.join(ROOT, "Dockerfile"), "utf8"));
const ignore = (await readFile(path.join(ROOT, ".dockerignore"), "utf8"))
  .split("\n")
  .map((l) => l.trim())
  .filter((l) => l !== "" && !l.startsWith("#"));

interface Built {
  root: string;
  workdir: string;
  env: Record<string, string>;
  user: string;
  cmd?: string[];
  healthcheck?: string[];
  volumes: string[];
}

let tmp: string;
const built = new Map<string, Built>();
let final: Built;
let node: ChildProcess | undefined;
let nodeOutput = "";
let baseUrl: string;

/** A path of the image, on this machine. */
const inImage = (b: Built, p: string) => path.join(b.root, path.posix.resolve(b.workdir, p));

function run(command: string, cwd: string, env: Record<string, string>, line: number) {
  return new Promise<void>((resolve, reject) => {
    const child = spawn("sh", ["-c", command], {
      cwd,
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (c: Buffer) => {
      out = (out + c.toString("utf8")).slice(-8000);
    });
    child.stderr.on("data", (c: Buffer) => {
      out = (out + c.toString("utf8")).slice(-8000);
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), STEP_TIMEOUT_MS);
    child.once("exit", (code) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`Dockerfile line ${line}: RUN ${command} exited ${code}:\n${out}`));
    });
  });
}

async function copy(b: Built, step: Instruction, context: string): Promise<void> {
  const words = step.args.split(/\s+/);
  const dest = words.pop()!;
  const from = step.flags.from === undefined ? undefined : built.get(step.flags.from);
  if (step.flags.from !== undefined && !from)
    throw new Error(`Dockerfile line ${step.line}: no stage ${step.flags.from}`);
  for (const src of words) {
    const source = from ? inImage(from, src) : path.join(context, src);
    if (!existsSync(source))
      throw new Error(
        `Dockerfile line ${step.line}: COPY ${src}: not in the ${from ? "stage" : "context"}`,
      );
    const target = inImage(b, dest);
    const isDir = (await stat(source)).isDirectory();
    const into = !isDir && (dest.endsWith("/") || words.length > 1);
    await mkdir(isDir || into ? target : path.dirname(target), { recursive: true });
    await cp(source, into ? path.join(target, path.basename(source)) : target, {
      recursive: true,
    });
  }
}

async function buildStage(stage: Stage, index: number, context: string): Promise<Built> {
  const b: Built = {
    root: path.join(tmp, `stage-${index}`),
    workdir: "/",
    env: {},
    user: "root",
    volumes: [],
  };
  await mkdir(b.root, { recursive: true });
  for (const step of stage.steps) {
    switch (step.op) {
      case "WORKDIR":
        b.workdir = path.posix.resolve(b.workdir, step.args);
        await mkdir(inImage(b, "."), { recursive: true });
        break;
      case "COPY":
        await copy(b, step, context);
        break;
      case "RUN":
        // The image's root is a directory here: a RUN command naming an absolute path
        // would reach this machine's own.
        expect(step.args, `line ${step.line}: RUN must use relative paths`).not.toMatch(
          /(^|[\s=])\/(?!dev\/null)/,
        );
        await run(step.args, inImage(b, "."), b.env, step.line);
        break;
      case "ENV":
        Object.assign(b.env, parseEnv(step.args));
        break;
      case "USER":
        b.user = step.args;
        break;
      case "VOLUME":
        b.volumes.push(...parseExecForm(step.args));
        break;
      case "HEALTHCHECK":
        b.healthcheck = parseExecForm(step.args.slice(step.args.indexOf("CMD ") + 4));
        break;
      case "CMD":
        b.cmd = parseExecForm(step.args);
        break;
      case "EXPOSE":
        break;
    }
  }
  return b;
}

/** Absolute paths of the image (in ENV and CMD) as paths on this machine. */
const mapPath = (b: Built, v: string) => (v.startsWith("/") ? path.join(b.root, v) : v);

beforeAll(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), "calendario-docker-"));
  const context = path.join(tmp, "context");
  await cp(ROOT, context, {
    recursive: true,
    filter: (src) => {
      const rel = path.relative(ROOT, src);
      return rel === "" || !dockerIgnored(ignore, rel);
    },
  });
  for (const [i, stage] of stages.entries()) {
    const b = await buildStage(stage, i, context);
    built.set(stage.name ?? String(i), b);
    final = b;
  }
  const port = await freePort();
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(final.env)) env[k] = mapPath(final, v);
  // Inside a container HOST=0.0.0.0 reaches only the container; here, loopback.
  Object.assign(env, { PORT: String(port), HOST: "127.0.0.1", LOG_LEVEL: "info" });
  const [cmd, ...args] = final.cmd!;
  node = spawn(
    cmd === "node" ? process.execPath : cmd!,
    args.map((a) => mapPath(final, a)),
    {
      cwd: inImage(final, "."),
      env: { PATH: process.env.PATH ?? "", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  node.stdout!.on("data", (c: Buffer) => {
    nodeOutput += c.toString("utf8");
  });
  node.stderr!.on("data", (c: Buffer) => {
    nodeOutput += c.toString("utf8");
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no start:\n${nodeOutput}`)), 120_000);
    node!.once("exit", (code) => reject(new Error(`CMD exited ${code}:\n${nodeOutput}`)));
    node!.stdout!.on("data", () => {
      if (!nodeOutput.includes("calendario node listening")) return;
      clearTimeout(timer);
      resolve();
    });
  });
  baseUrl = `http://127.0.0.1:${port}`;
}, BUILD_TIMEOUT_MS);

afterAll(async () => {
  if (node && node.exitCode === null && node.signalCode === null) {
    const exited = new Promise((resolve) => node!.once("exit", resolve));
    node.kill("SIGTERM");
    await exited;
  }
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe("the Dockerfile", () => {
  it("builds in one stage and runs from a second, on official Node 20 images, as a non-root user", () => {
    expect(stages).toHaveLength(2);
    for (const s of stages) expect(s.image).toMatch(/^node:20[\w.-]*$/);
    expect(stages[0]!.steps.map((s) => s.args)).toContain("npm run build");
    expect(stages[1]!.steps.filter((s) => s.op === "RUN").map((s) => s.args)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^npm ci --omit=dev\b/)]),
    );
    expect(final.user).not.toMatch(/^(root|0)(:|$)/);
    expect(final.volumes).toContain(final.env.DATA_DIR);
    expect(final.healthcheck?.join(" ")).toContain("/readyz");
  });

  it("leaves no dev dependencies and no TypeScript sources in the final stage", () => {
    const app = path.join(final.root, "app");
    expect(existsSync(path.join(app, "node_modules", "express"))).toBe(true);
    expect(existsSync(path.join(app, "node_modules", "typescript"))).toBe(false);
    expect(existsSync(path.join(app, "node_modules", "vitest"))).toBe(false);
    expect(existsSync(path.join(app, "src", "server.ts"))).toBe(false);
    expect(existsSync(path.join(app, "dist", "server.js"))).toBe(true);
  });

  it("runs a node that answers /healthz and keeps its key in the data volume", async () => {
    const res = await fetch(`${baseUrl}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: "ok", store: "memory" });
    expect(existsSync(path.join(mapPath(final, final.env.DATA_DIR!), "org-key.json"))).toBe(true);
  });

  it("passes its HEALTHCHECK exactly when /readyz answers 200", async () => {
    const ready = await fetch(`${baseUrl}/readyz`);
    const [cmd, ...args] = final.healthcheck!;
    const code = await new Promise<number | null>((resolve) => {
      const check = spawn(cmd === "node" ? process.execPath : cmd!, args, {
        env: { PATH: process.env.PATH ?? "", PORT: new URL(baseUrl).port },
        stdio: "ignore",
      });
      check.once("exit", resolve);
    });
    // /readyz comes with the operations work; until the node has it, it is a 404 and the
    // container reports unhealthy, which this checks too.
    if (ready.status !== 404) expect(ready.status).toBe(200);
    expect(code).toBe(ready.status === 200 ? 0 : 1);
  });
});
