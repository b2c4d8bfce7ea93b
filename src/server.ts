import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { ADMIN_TOKEN_FILE } from "./admin-token.js";
import { type Config, envToConfig, envToSecrets, readEnv, type Secrets } from "./config.js";
import { Context, type ContextOverrides } from "./context.js";
import { answerClientErrorsWithJson, createApp } from "./http/index.js";
import { flushLogger } from "./logger.js";
import { loadProfilesFromDir, resignStaleProfiles } from "./profile/index.js";

export interface RunningNode {
  ctx: Context;
  server: Server;
  url: string;
  stop(): Promise<void>;
}

/** Builds the context, loads profiles, and resolves once the server is listening. */
export async function startNode(
  cfg: Config,
  secrets: Secrets,
  overrides: ContextOverrides = {},
): Promise<RunningNode> {
  const ctx = await Context.fromConfig(cfg, secrets, overrides);
  const { loaded, failed } = await loadProfilesFromDir(
    cfg.service.profilesDir,
    ctx.store,
    ctx.publishDeps,
    ctx.logger,
  );
  await resignStaleProfiles(ctx.store, ctx.publishDeps, ctx.logger);
  const app = createApp(ctx);
  const server = app.listen(cfg.service.port, cfg.service.host);
  answerClientErrorsWithJson(server);
  await new Promise<void>((resolve, reject) => {
    server.once("listening", resolve);
    server.once("error", reject);
  });
  const { port } = server.address() as AddressInfo;
  const { host } = cfg.service;
  const url = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
  const adminToken = adminTokenLocation(cfg, secrets);
  ctx.logger.info(
    {
      url,
      publicUrl: cfg.service.publicUrl,
      did: ctx.did,
      store: ctx.store.kind,
      durable: ctx.store.kind !== "memory",
      adminTokenAt: adminToken,
      profiles: loaded,
      failed,
    },
    `calendario node listening on ${url} (store: ${ctx.store.kind === "memory" ? "memory, NOT durable" : ctx.store.kind}; admin token: ${adminToken})`,
  );
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      await ctx.destroy();
      await flushLogger(ctx.logger);
    })();
    return stopping;
  };
  return { ctx, server, url, stop };
}

/** Where the admin token comes from, for the start-up line: a file path or the variable, never the token. */
function adminTokenLocation(cfg: Config, secrets: Secrets): string {
  if (secrets.adminToken !== undefined) return "from ADMIN_TOKEN";
  return `in ${path.join(cfg.service.dataDir, ADMIN_TOKEN_FILE)}`;
}

/** `calendario serve`: configuration from the environment, stop on SIGTERM/SIGINT. */
export async function serveFromEnv(): Promise<RunningNode> {
  const env = readEnv();
  const node = await startNode(envToConfig(env), envToSecrets(env));
  const shutdown = (signal: string) => {
    node.ctx.logger.info({ signal }, "shutting down");
    node.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once("SIGTERM", () => shutdown("SIGTERM"));
  process.once("SIGINT", () => shutdown("SIGINT"));
  return node;
}
