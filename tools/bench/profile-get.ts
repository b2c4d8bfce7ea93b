/**
 * Profile GET requests/s against a bare express handler returning the same bytes (same
 * body and headers, but for the node's X-Request-Id), in the same run. Both servers run
 * side by side and take turns under load in short alternating runs (ABBA), so a shared
 * machine's changing load falls on both alike; the ratio is the median over the pairs.
 * The servers' CPU time per request is compared too. A third server, node's own http
 * with no framework sending the same bytes, takes its turns as well: the floor, for
 * scale (the node answers profiles before express, so it can beat bare express).
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { type LoadResult, runLoad, startServer } from "./http-load.js";
import { processCpuMs } from "./process-cpu.js";

const HERE = path.dirname(new URL(import.meta.url).pathname);
const PAIRS = 8;
const RUN_SECONDS = 2;

/** Headers of the connection or of this one answer, not of the profile. */
const PER_ANSWER = new Set([
  "connection",
  "keep-alive",
  "date",
  "content-length",
  "transfer-encoding",
  "x-request-id",
]);

type Server = Awaited<ReturnType<typeof startServer>>;

interface Run extends LoadResult {
  cpuUsPerRequest?: number;
}

async function measure(server: Server, durationSec = RUN_SECONDS): Promise<Run> {
  const before = processCpuMs(server.child.pid);
  const load = await runLoad(`http://127.0.0.1:${server.port}/.well-known/calendario/jane`, {
    durationSec,
  });
  const after = processCpuMs(server.child.pid);
  const cpuUsPerRequest =
    before !== undefined && after !== undefined && load.requests > 0
      ? ((after - before) * 1000) / load.requests
      : undefined;
  return { ...load, cpuUsPerRequest };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

export async function benchProfileGet(
  logLevel = "warn",
  pairs = PAIRS,
): Promise<Record<string, unknown>> {
  const dir = await mkdtemp(path.join(tmpdir(), "calendario-bench-"));
  const servers: Server[] = [];
  try {
    const env = {
      DATA_DIR: path.join(dir, "data"),
      PROFILES_DIR: path.resolve(HERE, "../../profiles"),
      LOG_LEVEL: logLevel,
      ADMIN_TOKEN: "bench-admin-token-0123456789",
      PUBLIC_URL: "https://bench.example",
    };
    const node = await startServer(path.join(HERE, "servers/node.ts"), env);
    servers.push(node);
    const sample = await fetch(`http://127.0.0.1:${node.port}/.well-known/calendario/jane`);
    const body = await sample.text();
    const headers = Object.fromEntries(
      [...sample.headers].filter(([name]) => !PER_ANSWER.has(name)),
    );
    const bodyFile = path.join(dir, "body.json");
    await writeFile(bodyFile, body);
    const bare = await startServer(path.join(HERE, "servers/bare-express.ts"), {
      BODY_FILE: bodyFile,
      BODY_HEADERS: JSON.stringify(headers),
    });
    servers.push(bare);
    const floor = await startServer(path.join(HERE, "servers/bare-node.ts"), {
      BODY_FILE: bodyFile,
      BODY_HEADERS: JSON.stringify(headers),
    });
    servers.push(floor);
    await measure(bare, 1);
    await measure(node, 1);
    await measure(floor, 1);

    const base: Run[] = [];
    const ours: Run[] = [];
    const floors: Run[] = [];
    for (let i = 0; i < pairs; i++) {
      if (i % 2 === 0) {
        base.push(await measure(bare));
        ours.push(await measure(node));
        floors.push(await measure(floor));
      } else {
        floors.push(await measure(floor));
        ours.push(await measure(node));
        base.push(await measure(bare));
      }
    }
    const rpsRatios = ours.map((r, i) => r.requestsPerSec / base[i]!.requestsPerSec);
    const floorRatios = ours.map((r, i) => r.requestsPerSec / floors[i]!.requestsPerSec);
    const cpuKnown = [...base, ...ours, ...floors].every((r) => r.cpuUsPerRequest! > 0);
    const cpuRatios = cpuKnown
      ? ours.map((r, i) => base[i]!.cpuUsPerRequest! / r.cpuUsPerRequest!)
      : [];
    const range = (xs: number[]) => `${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)}`;
    return {
      name: `profile GET vs bare express (same bytes), node LOG_LEVEL=${logLevel}`,
      baselineRps: Math.round(median(base.map((r) => r.requestsPerSec))),
      nodeRps: Math.round(median(ours.map((r) => r.requestsPerSec))),
      ratio: median(rpsRatios).toFixed(2),
      ratioRange: range(rpsRatios),
      target: ">= 0.8",
      // Requests per CPU second, node over baseline: the same ratio, less disturbed.
      cpuRatio: cpuKnown ? median(cpuRatios).toFixed(2) : "n/a",
      cpuRatioRange: cpuKnown ? range(cpuRatios) : "n/a",
      baselineCpuUsPerRequest: cpuKnown
        ? Math.round(median(base.map((r) => r.cpuUsPerRequest!)))
        : "n/a",
      nodeCpuUsPerRequest: cpuKnown
        ? Math.round(median(ours.map((r) => r.cpuUsPerRequest!)))
        : "n/a",
      nodeP99Ms: Math.max(...ours.map((r) => r.p99Ms)),
      // For scale: the same bytes from node's http with no framework.
      bareNodeRps: Math.round(median(floors.map((r) => r.requestsPerSec))),
      ratioToBareNode: median(floorRatios).toFixed(2),
      bareNodeCpuUsPerRequest: cpuKnown
        ? Math.round(median(floors.map((r) => r.cpuUsPerRequest!)))
        : "n/a",
      errors: [...base, ...ours, ...floors].reduce((s, r) => s + r.errors + r.non2xx, 0),
    };
  } finally {
    for (const s of servers) await s.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
