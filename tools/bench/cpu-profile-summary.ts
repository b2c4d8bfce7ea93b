/**
 * Sums the self time of a V8 CPU profile (`node --cpu-prof`, or BENCH_CPU_PROF_DIR with
 * `npm run bench`) by function and by module, so a bench's difference is read from a
 * profile, not guessed:
 * `tsx tools/bench/cpu-profile-summary.ts <file.cpuprofile> [top] [last seconds]`.
 */
import { readFileSync } from "node:fs";

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Only the samples of the profile's last `seconds` (the load, not the start-up). */
export function lastSeconds(profile: CpuProfile, seconds: number): CpuProfile {
  const at: number[] = [];
  let t = 0;
  for (const d of profile.timeDeltas) {
    t += d;
    at.push(t);
  }
  const from = t - seconds * 1e6;
  const keep = at.map((x) => x >= from);
  return {
    nodes: profile.nodes,
    samples: profile.samples.filter((_, i) => keep[i]),
    timeDeltas: profile.timeDeltas.filter((_, i) => keep[i]),
  };
}

/** The package (`node_modules/pino`), the project file (`src/http/app.ts`) or `node:…`. */
export function moduleOf(url: string): string {
  if (url === "") return "(native/v8)";
  const nm = url.lastIndexOf("node_modules/");
  if (nm >= 0) {
    const rest = url.slice(nm + "node_modules/".length).split("/");
    return `npm:${rest[0]!.startsWith("@") ? `${rest[0]}/${rest[1]}` : rest[0]}`;
  }
  if (url.startsWith("node:")) return url;
  const src = url.search(/\/(src|tools)\//);
  return src >= 0 ? url.slice(src + 1) : url;
}

export function summarize(profile: CpuProfile): {
  totalMs: number;
  byFunction: Map<string, number>;
  byModule: Map<string, number>;
} {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => {
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  const byFunction = new Map<string, number>();
  const byModule = new Map<string, number>();
  let total = 0;
  for (const [id, us] of selfUs) {
    const { callFrame: f } = byId.get(id)!;
    const mod = moduleOf(f.url);
    const fn = `${f.functionName || "(anonymous)"} ${mod}:${f.lineNumber + 1}`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + us / 1000);
    byModule.set(mod, (byModule.get(mod) ?? 0) + us / 1000);
    total += us / 1000;
  }
  return { totalMs: total, byFunction, byModule };
}

function print(title: string, entries: Map<string, number>, totalMs: number, top: number) {
  process.stdout.write(`\n${title}\n`);
  const sorted = [...entries].sort((a, b) => b[1] - a[1]).slice(0, top);
  for (const [name, ms] of sorted) {
    const pct = ((100 * ms) / totalMs).toFixed(1).padStart(5);
    process.stdout.write(`${pct}%  ${ms.toFixed(0).padStart(7)} ms  ${name}\n`);
  }
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split("/").pop()!)) {
  const [file, topArg, lastArg] = process.argv.slice(2);
  if (!file) {
    process.stderr.write("usage: cpu-profile-summary <file.cpuprofile> [top]\n");
    process.exit(2);
  }
  const top = Number(topArg ?? 25);
  const profile = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
  const { totalMs, byFunction, byModule } = summarize(
    lastArg ? lastSeconds(profile, Number(lastArg)) : profile,
  );
  process.stdout.write(`total sampled: ${totalMs.toFixed(0)} ms\n`);
  print("self time by module", byModule, totalMs, top);
  print("self time by function", byFunction, totalMs, top);
}
