import { ConfigError } from "../config.js";
import { serveFromEnv } from "../server.js";
import { StartupError } from "../startup-error.js";

export async function runServe(args: string[]): Promise<number> {
  if (args.includes("--help")) {
    process.stdout.write(
      "calendario serve: runs the node; configure it with environment variables (README.md).\n",
    );
    return 0;
  }
  try {
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
