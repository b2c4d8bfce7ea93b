/**
 * Profile GET requests/s against a bare express handler returning the same bytes (same
 * body and headers, but for the node's X-Request-Id), in the same run. Alternates
 * baseline and node runs to spread the machine's noise, and also compares the servers'
 * CPU time per request, which a shared machine disturbs less than requests/s.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { type LoadResult, ratio, runLoad, startServer } from "./http-load.js";
import { processCpuMs } from "./process-cpu.js";

const HERE = path.dirname(new URL(import.meta.url).pathname);

/** Headers of the connection or of this one answer, not of the profile. */
const PER_ANSWER = new Set([
  "connection",
  "keep-alive",
  "date",
  "content-length",
  "transfer-encoding",
  "x-request-id",
]);

interface Run extends LoadResult {
  cpuUsPerRequest?: number;
}

async function measure(server: Awaited<ReturnType<typeof startServer>>): Promise<Run> {
  const before = processCpuMs(server.child.pid);
  const load = await runLoad(`http://127.0.0.1:${server.port}/.well-known/calendario/jane`);
  const after = processCpuMs(server.child.pid);
  await server.stop();
  const cpuUsPerRequest =
    before !== undefined && after !== undefined && load.requests > 0
      ? ((after - before) * 1000) / load.requests
      : undefined;
  return { ...load, cpuUsPerRequest };
}

export async function benchProfileGet(
  rounds = 3,
  logLevel = "warn",
): Promise<Record<string, unknown>> {
  const dir = await mkdtemp(path.join(tmpdir(), "calendario-bench-"));
  try {
    const env = {
      DATA_DIR: path.join(dir, "data"),
      PROFILES_DIR: path.resolve(HERE, "../../profiles"),
      LOG_LEVEL: logLevel,
      ADMIN_TOKEN: "bench-admin-token-0123456789",
      PUBLIC_URL: "https://bench.example",
    };
    const node = await startServer(path.join(HERE, "servers/node.ts"), env);
    const sample = await fetch(`http://127.0.0.1:${node.port}/.well-known/calendario/jane`);
    const body = await sample.text();
    const headers = Object.fromEntries(
      [...sample.headers].filter(([name]) => !PER_ANSWER.has(name)),
    );
    const bodyFile = path.join(dir, "body.json");
    await writeFile(bodyFile, body);
    await node.stop();

    const base: Run[] = [];
    const ours: Run[] = [];
    for (let i = 0; i < rounds; i++) {
      const bare = await startServer(path.join(HERE, "servers/bare-express.ts"), {
        BODY_FILE: bodyFile,
        BODY_HEADERS: JSON.stringify(headers),
      });
      base.push(await measure(bare));
      ours.push(await measure(await startServer(path.join(HERE, "servers/node.ts"), env)));
    }
    const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
    const rps = (xs: Run[]) => mean(xs.map((r) => r.requestsPerSec));
    const cpu = (xs: Run[]) =>
      xs.every((r) => r.cpuUsPerRequest !== undefined)
        ? mean(xs.map((r) => r.cpuUsPerRequest!))
        : undefined;
    const baseCpu = cpu(base);
    const ourCpu = cpu(ours);
    return {
      name: `profile GET vs bare express (same bytes), node LOG_LEVEL=${logLevel}`,
      baselineRps: Math.round(rps(base)),
      nodeRps: Math.round(rps(ours)),
      ratio: ratio(rps(ours), rps(base)),
      target: ">= 0.8",
      // Requests per CPU second, node over baseline: the same ratio, less disturbed.
      cpuRatio: baseCpu && ourCpu ? ratio(baseCpu, ourCpu) : "n/a",
      baselineCpuUsPerRequest: baseCpu?.toFixed(0),
      nodeCpuUsPerRequest: ourCpu?.toFixed(0),
      nodeP99Ms: ours.map((r) => r.p99Ms),
      errors: [...base, ...ours].reduce((s, r) => s + r.errors + r.non2xx, 0),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
