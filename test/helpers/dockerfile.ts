/**
 * A Dockerfile read as a list of stages and instructions, for a test that performs its
 * steps without a container engine. Only the instructions our Dockerfile uses are known;
 * anything else is an error, so the test cannot silently skip a step.
 */
export interface Instruction {
  line: number;
  op: "WORKDIR" | "COPY" | "RUN" | "ENV" | "USER" | "VOLUME" | "EXPOSE" | "HEALTHCHECK" | "CMD";
  /** The arguments after the instruction, flags (`--from=…`) removed. */
  args: string;
  flags: Record<string, string>;
}

export interface Stage {
  image: string;
  name?: string;
  steps: Instruction[];
}

const KNOWN = new Set([
  "WORKDIR",
  "COPY",
  "RUN",
  "ENV",
  "USER",
  "VOLUME",
  "EXPOSE",
  "HEALTHCHECK",
  "CMD",
]);

export function parseDockerfile(text: string): Stage[] {
  const stages: Stage[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const start = i + 1;
    let line = lines[i]!;
    if (/^\s*(#|$)/.test(line)) continue;
    // Continuation lines (a trailing backslash), skipping comments between them.
    while (line.endsWith("\\") && i + 1 < lines.length) {
      i++;
      if (/^\s*#/.test(lines[i]!)) continue;
      line = `${line.slice(0, -1)} ${lines[i]!.trim()}`;
    }
    const m = /^\s*(\w+)\s+(.*)$/.exec(line);
    if (!m) throw new Error(`Dockerfile line ${start}: cannot read "${line}"`);
    const op = m[1]!.toUpperCase();
    let rest = m[2]!.trim();
    if (op === "FROM") {
      const from = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(rest);
      if (!from) throw new Error(`Dockerfile line ${start}: FROM ${rest}`);
      stages.push({ image: from[1]!, ...(from[2] && { name: from[2] }), steps: [] });
      continue;
    }
    if (!KNOWN.has(op))
      throw new Error(`Dockerfile line ${start}: ${op} is not performed by the test`);
    const stage = stages.at(-1);
    if (!stage) throw new Error(`Dockerfile line ${start}: ${op} before FROM`);
    const flags: Record<string, string> = {};
    for (;;) {
      const flag = /^--([\w-]+)=(\S+)\s+/.exec(rest);
      if (!flag) break;
      flags[flag[1]!] = flag[2]!;
      rest = rest.slice(flag[0].length);
    }
    stage.steps.push({ line: start, op: op as Instruction["op"], args: rest, flags });
  }
  return stages;
}

/** `ENV A=1 B=2` (the `key=value` form only). */
export function parseEnv(args: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const pair of args.split(/\s+/).filter(Boolean)) {
    const eq = pair.indexOf("=");
    if (eq < 1) throw new Error(`ENV ${args}: use the key=value form`);
    env[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return env;
}

/** The exec form `["node", "…"]` of CMD and HEALTHCHECK … CMD. */
export function parseExecForm(args: string): string[] {
  const json = args.slice(args.indexOf("["));
  const argv = JSON.parse(json) as unknown;
  if (!Array.isArray(argv) || !argv.every((a) => typeof a === "string"))
    throw new Error(`not an exec form: ${args}`);
  return argv;
}

/** Whether a .dockerignore pattern excludes a context-relative path (Docker's match, no `!`). */
export function dockerIgnored(patterns: string[], rel: string): boolean {
  return patterns.some((p) => {
    const body = p
      .replace(/\/+$/, "")
      .split("**")
      .map((part) =>
        part
          .replace(/[.+^${}()|[\]\\]/g, "\\$&")
          .replace(/\*/g, "[^/]*")
          .replace(/\?/g, "[^/]"),
      )
      .join(".*");
    const re = new RegExp(`^${body}(/|$)`);
    return re.test(rel);
  });
}
