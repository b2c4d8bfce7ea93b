import { ConfigError } from "../config.js";
import { serveFromEnv } from "../server.js";

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
    throw err;
  }
}
