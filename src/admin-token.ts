import { randomBytes } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";

export const ADMIN_TOKEN_FILE = "admin-token";

/**
 * The admin token: from the environment, else the one kept in DATA_DIR, else a new one
 * written there (mode 0600). `created` tells the caller to show it once.
 */
export async function loadOrCreateAdminToken(
  dataDir: string,
  fromEnv: string | undefined,
): Promise<{ token: string; created: boolean; file?: string }> {
  if (fromEnv !== undefined) return { token: fromEnv, created: false };
  const file = path.join(dataDir, ADMIN_TOKEN_FILE);
  try {
    const token = (await readFile(file, "utf8")).trim();
    if (token.length >= 16) return { token, created: false, file };
    throw new Error(`${file} holds no usable admin token; delete it to create a new one`);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const token = `cal_admin_${randomBytes(32).toString("base64url")}`;
  await writeFile(file, `${token}\n`, { mode: 0o600, flag: "wx" });
  return { token, created: true, file };
}
