import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { parseJsonWithoutDuplicates } from "../identity/index.js";

export interface ProfileFile {
  username: string;
  file: string;
  /** The parsed JSON, or the reason it could not be read (a repeated member among them). */
  content: { ok: true; value: unknown } | { ok: false; error: string };
}

/** Reads `<dir>/<username>.json` files. A missing directory is an empty one. */
export async function readProfileDir(dir: string): Promise<ProfileFile[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw err;
  }
  const files = names.filter((n) => n.endsWith(".json")).sort();
  return Promise.all(
    files.map(async (name) => {
      const file = path.join(dir, name);
      const username = name.slice(0, -".json".length);
      try {
        return {
          username,
          file,
          content: { ok: true, value: parseJsonWithoutDuplicates(await readFile(file, "utf8")) },
        };
      } catch (err) {
        return { username, file, content: { ok: false, error: (err as Error).message } };
      }
    }),
  ) as Promise<ProfileFile[]>;
}
