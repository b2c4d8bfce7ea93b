/**
 * Profile GET requests/s against a bare express handler returning the same bytes, in
 * the same run. Alternates baseline and node runs to spread the machine's noise.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { type LoadResult, ratio, runLoad, startServer } from "./http-load.js";

const HERE = path.dirname(new URL(import.meta.url).pathname);

export async function benchProfileGet(
  rounds = 2,
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
    const profileUrl = `http://127.0.0.1:${node.port}/.well-known/calendario/jane`;
    const body = await (await fetch(profileUrl)).text();
    const bodyFile = path.join(dir, "body.json");
    await writeFile(bodyFile, body);
    await node.stop();

    const base: LoadResult[] = [];
    const ours: LoadResult[] = [];
    for (let i = 0; i < rounds; i++) {
      const bare = await startServer(path.join(HERE, "servers/bare-express.ts"), {
        BODY_FILE: bodyFile,
      });
      base.push(await runLoad(`http://127.0.0.1:${bare.port}/.well-known/calendario/jane`));
      await bare.stop();
      const n = await startServer(path.join(HERE, "servers/node.ts"), env);
      ours.push(await runLoad(`http://127.0.0.1:${n.port}/.well-known/calendario/jane`));
      await n.stop();
    }
    const mean = (xs: LoadResult[]) => xs.reduce((s, x) => s + x.requestsPerSec, 0) / xs.length;
    return {
      name: `profile GET vs bare express (same bytes), node LOG_LEVEL=${logLevel}`,
      baselineRps: Math.round(mean(base)),
      nodeRps: Math.round(mean(ours)),
      ratio: ratio(mean(ours), mean(base)),
      target: ">= 0.8",
      nodeP99Ms: ours.map((r) => r.p99Ms),
      errors: [...base, ...ours].reduce((s, r) => s + r.errors + r.non2xx, 0),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
