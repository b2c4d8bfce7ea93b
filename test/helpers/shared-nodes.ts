import path from "node:path";

/**
 * The environment of node processes sharing one Redis and one data directory, over plain
 * http on loopback, with no profiles directory to load.
 */
export function sharedNodeEnv(
  redisUrl: string,
  dataDir: string,
  adminToken: string,
): Record<string, string> {
  return {
    REDIS_URL: redisUrl,
    DATA_DIR: dataDir,
    PROFILES_DIR: path.join(dataDir, "no-profiles"),
    ADMIN_TOKEN: adminToken,
    PUBLIC_URL: "http://127.0.0.1",
    CALENDARIO_ALLOW_INSECURE: "1",
  };
}
