import { readdir } from "node:fs/promises";
import path from "node:path";

export interface ProfileFile {
  username: string;
  file: string;
}

/**
 * The `<dir>/<username>.json` files, by name; only names are held, each file is read when
 * its turn comes. A missing directory is an empty one.
 */
export async function listProfileFiles(dir: string): Promise<ProfileFile[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw err;
  }
  return names
    .filter((n) => n.endsWith(".json"))
    .sort()
    .map((name) => ({ username: name.slice(0, -".json".length), file: path.join(dir, name) }));
}
