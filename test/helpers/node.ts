import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Express } from "express";
import { type Clock, ManualClock } from "../../src/clock.js";
import { type Config, envToConfig, type ServerEnvironment } from "../../src/config.js";
import { Context, type ContextOverrides } from "../../src/context.js";
import { createApp } from "../../src/http/index.js";
import { createLogger } from "../../src/logger.js";

export { sampleProfileInput } from "./profile-input.js";

export const TEST_ADMIN_TOKEN = "test-admin-token-0123456789abcdef";

export interface TestNode {
  ctx: Context;
  app: Express;
  cfg: Config;
  clock: Clock;
  dataDir: string;
  admin: { Authorization: string };
  close(): Promise<void>;
}

/** A node in-process (for supertest), with its own temporary DATA_DIR and a silent log. */
export async function createTestNode(
  env: ServerEnvironment = {},
  overrides: ContextOverrides = {},
): Promise<TestNode> {
  const dataDir = await mkdtemp(path.join(tmpdir(), "calendario-test-"));
  const cfg = envToConfig({
    publicUrl: "https://node.test",
    profilesDir: path.join(dataDir, "no-profiles"),
    dataDir,
    allowInsecure: "1",
    ...env,
  });
  const clock = overrides.clock ?? new ManualClock(Date.parse("2026-11-21T12:00:00Z"));
  const ctx = await Context.fromConfig(
    cfg,
    { adminToken: TEST_ADMIN_TOKEN },
    { logger: createLogger("silent"), clock, ...overrides },
  );
  const app = createApp(ctx);
  return {
    ctx,
    app,
    cfg,
    clock,
    dataDir,
    admin: { Authorization: `Bearer ${TEST_ADMIN_TOKEN}` },
    async close() {
      await ctx.destroy();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
