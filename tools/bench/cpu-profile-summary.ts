/**
 * Sums a V8 CPU profile's time by module (self) and by function (self, and total with
 * callees), heaviest first: `tsx tools/bench/cpu-profile-summary.ts <file.cpuprofile>
 * [last-seconds]` — with last-seconds, only the end of the run (the load, not start-up).
 * Profiles come from `BENCH_CPU_PROF_DIR=dir npm run bench -- <name>` (see http-load.ts).
 */
import { readFileSync } from "node:fs";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** A module's short name: the package, or the path inside the project. */
function moduleOf(url: string): string {
  if (url === "") return "(native)";
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return `npm:${pkg[1]}`;
  if (url.startsWith("node:")) return url;
  const local = /\/(src|dist|tools|test)\/(.*)$/.exec(url);
  return local ? `${local[1]}/${local[2]}` : url;
}

const nameOf = (node: ProfileNode) =>
  `${node.callFrame.functionName || "(anonymous)"} ${moduleOf(node.callFrame.url)}:${node.callFrame.lineNumber + 1}`;

export function summarize(profile: Profile, lastSeconds?: number) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const times: number[] = [];
  let t = 0;
  for (const d of profile.timeDeltas) {
    t += d;
    times.push(t);
  }
  const from = lastSeconds === undefined ? -Infinity : t - lastSeconds * 1e6;
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const mod = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    if ((times[i] ?? 0) < from) return;
    const us = profile.timeDeltas[i] ?? 0;
    const node = byId.get(id);
    if (!node) return;
    const name = nameOf(node);
    self.set(name, (self.get(name) ?? 0) + us);
    const m = moduleOf(node.callFrame.url);
    mod.set(m, (mod.get(m) ?? 0) + us);
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = nameOf(byId.get(at) as ProfileNode);
      if (seen.has(frame)) continue;
      seen.add(frame);
      inclusive.set(frame, (inclusive.get(frame) ?? 0) + us);
    }
    total += us;
  });
  const top = (m: Map<string, number>, n: number, only?: RegExp) =>
    [...m.entries()]
      .filter(([k]) => !only || only.test(k))
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k, us]) => `${((100 * us) / total).toFixed(1).padStart(5)}%  ${k}`);
  return {
    totalMs: total / 1000,
    modules: top(mod, 25),
    self: top(self, 40),
    inclusive: top(inclusive, 60, / (src\/|dist\/|npm:)/),
  };
}

if (process.argv[1]?.endsWith("cpu-profile-summary.ts")) {
  const file = process.argv[2];
  if (!file) throw new Error("usage: cpu-profile-summary.ts <file.cpuprofile> [last-seconds]");
  const last = process.argv[3] === undefined ? undefined : Number(process.argv[3]);
  const s = summarize(JSON.parse(readFileSync(file, "utf8")) as Profile, last);
  const section = (title: string, lines: string[]) => `\n== ${title}\n${lines.join("\n")}\n`;
  process.stdout.write(
    `total ${s.totalMs.toFixed(0)} ms\n${section("modules (self)", s.modules)}${section("functions (self)", s.self)}${section("functions (with callees)", s.inclusive)}`,
  );
}
