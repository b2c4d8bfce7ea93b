import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { PACKAGE_ROOT } from "../../paths.js";

/**
 * The arbiter's Lua sources. Always resolved from the package root, never from this module:
 * the compiled JS lives in dist/arbiter/redis/ while the .lua files stay (and ship) in
 * src/arbiter/redis/lua/.
 */
export const LUA_DIR: string = path.join(PACKAGE_ROOT, "src", "arbiter", "redis", "lua");

export interface AssembleOptions {
  /** Folder that include paths are relative to (default: LUA_DIR). */
  luaDir?: string;
  /** Name of the source in error messages (default: "<inline>"). */
  origin?: string;
}

/** `--@include lib/canonical.lua`, alone on its line (surrounding blanks allowed). */
const INCLUDE_LINE = /^[ \t]*--@include[ \t]+(\S+)[ \t]*$/;

/**
 * Redis scripts cannot `require`: replaces every `--@include <path>` line of `source` with the
 * content of `<luaDir>/<path>`, recursively. Paths are relative to luaDir (not to the including
 * file), must end in `.lua` and stay inside luaDir. Each file is included once: a repeated
 * include (and so any include cycle) becomes a comment. Included text is framed by
 * `-- >>> path` / `-- <<< path` comments to find it in the assembled script.
 */
export function assembleLua(source: string, options: AssembleOptions = {}): string {
  const luaDir = path.resolve(options.luaDir ?? LUA_DIR);
  return expand(source, options.origin ?? "<inline>", luaDir, new Set());
}

/** Reads `src/arbiter/redis/lua/<name>.lua` and assembles it (see assembleLua). */
export function loadLuaScript(name: string): string {
  const rel = name.endsWith(".lua") ? name : `${name}.lua`;
  const file = resolveInside(LUA_DIR, rel);
  if (!file || !existsSync(file)) {
    throw new Error(`Lua script "${name}" not found in ${LUA_DIR}`);
  }
  const key = toKey(LUA_DIR, file);
  return expand(readFileSync(file, "utf8"), key, LUA_DIR, new Set([key]));
}

function expand(source: string, origin: string, luaDir: string, included: Set<string>): string {
  const lines = source.split(/\r?\n/);
  const out: string[] = [];
  for (const [index, line] of lines.entries()) {
    const match = INCLUDE_LINE.exec(line);
    if (!match) {
      out.push(line);
      continue;
    }
    const rel = match[1]!;
    const where = `${origin}:${index + 1}`;
    if (!rel.endsWith(".lua")) throw new Error(`${where}: include "${rel}" is not a .lua file`);
    const file = resolveInside(luaDir, rel);
    if (!file) throw new Error(`${where}: include "${rel}" is outside ${luaDir}`);
    if (!existsSync(file)) throw new Error(`${where}: include "${rel}" not found (${file})`);
    const key = toKey(luaDir, file);
    if (included.has(key)) {
      out.push(`-- (${key} already included)`);
      continue;
    }
    included.add(key);
    const body = expand(readFileSync(file, "utf8"), key, luaDir, included).replace(/\n+$/, "");
    out.push(`-- >>> ${key}`, body, `-- <<< ${key}`);
  }
  return out.join("\n");
}

/** The absolute path of `rel` under `dir`, or undefined when it would leave `dir`. */
function resolveInside(dir: string, rel: string): string | undefined {
  if (path.isAbsolute(rel)) return undefined;
  const file = path.resolve(dir, rel);
  const back = path.relative(dir, file);
  if (back === "" || back === ".." || back.startsWith(`..${path.sep}`) || path.isAbsolute(back)) {
    return undefined;
  }
  return file;
}

/** Stable identity of an included file: its path under luaDir with forward slashes. */
function toKey(luaDir: string, file: string): string {
  return path.relative(luaDir, file).split(path.sep).join("/");
}
