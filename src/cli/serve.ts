import { ConfigError } from "../config.js";

export const SERVE_USAGE = `usage: calendario serve
       runs the node; it is configured by environment variables (README.md, "Configuration"):
       PORT (8080), HOST (127.0.0.1), PUBLIC_URL, CALENDARIO_DOMAIN, DATA_DIR (./data),
       PROFILES_DIR (./profiles), ADMIN_TOKEN, REDIS_URL (unset: in-memory, not durable),
       LOG_LEVEL, HOLD_TTL_SECONDS, BUMP_WINDOW_SECONDS, ARBITRATION_WINDOW_MS,
       PENDING_TTL_SECONDS, CALENDARIO_DNS_SERVERS, CALENDARIO_ALLOW_INSECURE, TRUST_PROXY,
       WEBHOOK_TIMEOUT_MS, WEBHOOK_LEASE_MS
       exit codes: 2 invalid configuration; it runs until SIGTERM or SIGINT
`;

import { StartupError } from "../startup-error.js";

export async function runServe(args: string[]): Promise<number> {
  if (args.length > 0) {
    process.stderr.write(`calendario: serve takes no arguments\n${SERVE_USAGE}`);
    return 2;
  }
  try {
    // Loaded here, so that `serve --help` does not load the whole server.
    const { serveFromEnv } = await import("../server.js");
    await serveFromEnv();
    // Keep running: the process ends on SIGTERM/SIGINT.
    return await new Promise<number>(() => {});
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`calendario: invalid configuration: ${err.message}\n`);
      return 2;
    }
    if (err instanceof StartupError) {
      // Everything the start opened is closed: the process ends with this code.
      process.stderr.write(`calendario: cannot start: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
}
