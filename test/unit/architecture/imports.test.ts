/**
 * The layout of DESIGN.md, enforced: data flows one way (doors → booking core → store,
 * identity, federation), nothing below the doors knows HTTP, and no two parts of the
 * system depend on each other.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { PACKAGE_ROOT } from "../../../src/paths.js";

const SRC = path.join(PACKAGE_ROOT, "src");

/** Entry points and doors: the only modules that may know HTTP and express. */
const ABOVE_THE_DOORS = new Set(["http", "server", "cli"]);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith(".ts") ? [full] : [];
  });
}

/** `src/booking/commit.ts` → `booking`; `src/context.ts` → `context`. */
function partOf(file: string): string {
  const [first] = path.relative(SRC, file).split(path.sep);
  return first!.replace(/\.ts$/, "");
}

interface Import {
  from: string;
  specifier: string;
  /** The imported module's part, for imports inside src/. */
  part?: string;
}

function importsOf(file: string): Import[] {
  const text = readFileSync(file, "utf8");
  const found: Import[] = [];
  const re = /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+"([^"]+)"|import\(\s*"([^"]+)"\s*\)/g;
  for (const m of text.matchAll(re)) {
    const specifier = (m[1] ?? m[2])!;
    const imp: Import = { from: file, specifier };
    if (specifier.startsWith(".")) {
      const target = path.resolve(path.dirname(file), specifier).replace(/\.js$/, ".ts");
      if (target.startsWith(SRC + path.sep)) imp.part = partOf(target);
    }
    found.push(imp);
  }
  return found;
}

const files = sourceFiles(SRC);
const imports = files.flatMap(importsOf);

describe("the source layout", () => {
  it("finds the parts it checks", () => {
    const parts = new Set(files.map(partOf));
    for (const part of ["http", "booking", "arbiter", "identity", "audit", "webhooks"])
      expect(parts).toContain(part);
    expect(imports.length).toBeGreaterThan(200);
  });

  it("keeps HTTP and express above the booking core: nothing below src/http imports them", () => {
    const offending = imports
      .filter((i) => !ABOVE_THE_DOORS.has(partOf(i.from)))
      .filter(
        (i) => i.part === "http" || i.specifier === "express" || i.specifier.startsWith("express/"),
      )
      .map((i) => `${path.relative(SRC, i.from)} imports ${i.specifier}`);
    expect(offending).toEqual([]);
  });

  it("has no two parts that import each other, directly or around a cycle", () => {
    const edges = new Map<string, Set<string>>();
    for (const i of imports) {
      const from = partOf(i.from);
      if (i.part === undefined || i.part === from) continue;
      if (!edges.has(from)) edges.set(from, new Set());
      edges.get(from)!.add(i.part);
    }
    const cycles: string[] = [];
    const state = new Map<string, "open" | "done">();
    const walk = (part: string, trail: string[]) => {
      if (state.get(part) === "done") return;
      if (state.get(part) === "open") {
        cycles.push([...trail.slice(trail.indexOf(part)), part].join(" → "));
        return;
      }
      state.set(part, "open");
      for (const next of edges.get(part) ?? []) walk(next, [...trail, part]);
      state.set(part, "done");
    };
    for (const part of edges.keys()) walk(part, []);
    expect(cycles).toEqual([]);
  });
});
