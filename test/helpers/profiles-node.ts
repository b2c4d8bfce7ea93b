/**
 * A node started in this process (`startNode`, which resolves once it listens) on a free
 * port, loading its users from a profiles directory, with its log lines at `info`
 * collected in `logs` (tests read the start-up lines).
 */
import { envToConfig } from "../../src/config.js";
import { createLogger } from "../../src/logger.js";
import { type RunningNode, startNode } from "../../src/server.js";

export interface ProfilesNodeOptions {
  dataDir: string;
  profilesDir: string;
  /** Absent: the memory store. */
  redisUrl?: string;
  adminToken: string;
}

export function startProfilesNode(opts: ProfilesNodeOptions, logs: string[]): Promise<RunningNode> {
  return startNode(
    envToConfig({
      port: "0",
      publicUrl: "http://localhost:8080",
      dataDir: opts.dataDir,
      profilesDir: opts.profilesDir,
      redisUrl: opts.redisUrl,
    }),
    { adminToken: opts.adminToken },
    { logger: createLogger("info", { write: (line: string) => logs.push(line) }) },
  );
}
