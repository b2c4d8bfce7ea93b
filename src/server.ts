import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { ADMIN_TOKEN_FILE } from "./admin-token.js";
import type { UserRecord } from "./arbiter/index.js";
import { type Config, envToConfig, envToSecrets, readEnv, type Secrets } from "./config.js";
import { Context, type ContextOverrides } from "./context.js";
import { answerClientErrorsWithJson, createApp, profileFastPath } from "./http/index.js";
import { metricsServer } from "./http/operations.js";
import { flushLogger } from "./logger.js";
import {
  loadProfilesFromDir,
  readSignedProfiles,
  resignStaleProfiles,
  writeSignedProfiles,
} from "./profile/index.js";
import { drainAndClose } from "./shutdown.js";
import { StartupError } from "./startup-error.js";

export interface RunningNode {
  ctx: Context;
  server: Server;
  url: string;
  /** The unauthenticated `/metrics` listener, when METRICS_PORT is set. */
  metricsUrl?: string;
  /**
   * Stops taking requests, lets those in flight finish within SHUTDOWN_TIMEOUT_SECONDS,
   * then closes everything (forcibly at the bound). Idempotent.
   */
  stop(): Promise<void>;
}

function urlOf(server: Server, host: string): string {
  const { port } = server.address() as AddressInfo;
  return `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
}

/** Resolves once listening; a listen error (port taken) becomes a StartupError. */
async function listen(server: Server, port: number, host: string, what: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      const why =
        err.code === "EADDRINUSE"
          ? "the address is already in use (another process listens there)"
          : err.code === "EACCES"
            ? "permission denied"
            : err.message;
      reject(
        new StartupError(`cannot listen on ${host}:${port} (${what}): ${why}`, { cause: err }),
      );
    };
    server.once("error", onError);
    server.listen(port, host, () => {
      server.off("error", onError);
      resolve();
    });
  });
}

/**
 * Builds the context, listens (answering /healthz, not /readyz), loads the profiles, and
 * resolves once ready.
 */
export async function startNode(
  cfg: Config,
  secrets: Secrets,
  overrides: ContextOverrides = {},
): Promise<RunningNode> {
  const ctx = await Context.fromConfig(cfg, secrets, overrides);
  const server = createServer(profileFastPath(ctx, createApp(ctx)));
  answerClientErrorsWithJson(server);
  const metrics = cfg.metrics.port === undefined ? undefined : metricsServer(ctx);
  try {
    // Listening first: /healthz answers while the profiles load, /readyz only once loaded.
    await listen(server, cfg.service.port, cfg.service.host, "PORT");
    if (metrics) await listen(metrics, cfg.metrics.port!, cfg.metrics.host, "METRICS_PORT");
    const url = urlOf(server, cfg.service.host);
    const metricsUrl = metrics && `${urlOf(metrics, cfg.metrics.host)}/metrics`;
    ctx.operations.phase = "loading";
    ctx.logger.info(
      { url, profilesDir: cfg.service.profilesDir },
      `loading profiles from ${cfg.service.profilesDir}; /healthz answers on ${url}, /readyz once loaded`,
    );
    const loading = await loadProfiles(ctx);
    const adminToken = adminTokenLocation(cfg, secrets);
    ctx.operations.phase = "ready";
    ctx.logger.info(
      {
        url,
        publicUrl: cfg.service.publicUrl,
        did: ctx.did,
        store: ctx.store.kind,
        durable: ctx.store.kind !== "memory",
        adminTokenAt: adminToken,
        metrics: metricsUrl,
        profiles: loading.counts,
      },
      `calendario node listening on ${url} (store: ${ctx.store.kind === "memory" ? "memory, NOT durable" : ctx.store.kind}; admin token: ${adminToken})`,
    );
    // After ready, not before: it only saves the next start some signing.
    const keeping = loading.keep?.();
    let stopping: Promise<void> | undefined;
    const stop = () => {
      stopping ??= (async () => {
        ctx.operations.phase = "stopping";
        try {
          await keeping;
          const outcome = await drainAndClose({
            servers: metrics ? [server, metrics] : [server],
            timeoutMs: cfg.service.shutdownTimeoutMs,
            destroy: () => ctx.destroy(),
            forceClose: () => ctx.forceClose(),
          });
          ctx.logger.info(outcome, "stopped");
        } catch (err) {
          ctx.logger.error({ err }, "stopped, but a part failed to close");
          throw err;
        } finally {
          await flushLogger(ctx.logger);
        }
      })();
      return stopping;
    };
    return { ctx, server, url, metricsUrl, stop };
  } catch (err) {
    // Nothing may keep the process alive after a failed start: no store, no dispatcher.
    server.close();
    metrics?.close();
    await ctx.destroy();
    await flushLogger(ctx.logger);
    throw err;
  }
}

/**
 * PROFILES_DIR into the store, then every other stored profile the current organization
 * key did not sign. On the memory store the signed profiles are kept in DATA_DIR between
 * starts, so a restart signs only what changed. Answers counts (a log line, not 100,000 names).
 */
async function loadProfiles(ctx: Context) {
  const { profilesDir, dataDir } = ctx.cfg.service;
  const keepInDataDir = ctx.store.kind === "memory";
  const result = await loadProfilesFromDir(profilesDir, ctx.store, ctx.publishDeps, ctx.logger, {
    kept: keepInDataDir ? readSignedProfiles(dataDir) : undefined,
    startSigningThreads: () => ctx.startSigningThreads(),
  });
  const resigned = await resignStaleProfiles(
    ctx.store,
    ctx.publishDeps,
    ctx.logger,
    new Set(result.loaded),
  );
  return {
    counts: {
      loaded: result.loaded.length,
      signed: result.signed,
      unchanged: result.unchanged,
      failed: result.failed,
      released: result.released.length,
      resigned: resigned.length,
    },
    /**
     * Writes the memory store's signed profiles to DATA_DIR, for the next start; only when
     * the kept copy would differ (something signed, or a loaded profile not taken from it).
     */
    keep:
      keepInDataDir && (result.signed > 0 || result.restored !== result.loaded.length)
        ? async () =>
            writeSignedProfiles(dataDir, await fileManagedRecords(ctx, result.loaded)).catch(
              (err: Error) =>
                ctx.logger.warn(
                  { dataDir, error: err.message },
                  "signed profiles not kept: the next start signs them again",
                ),
            )
        : undefined,
  };
}

async function fileManagedRecords(ctx: Context, usernames: string[]): Promise<UserRecord[]> {
  const records: UserRecord[] = [];
  for (const username of usernames) {
    const record = await ctx.store.getUser(username);
    if (record?.source === "file" && record.fileDigest !== undefined) records.push(record);
  }
  return records;
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
    node.ctx.logger.info(
      { signal, timeoutSeconds: node.ctx.cfg.service.shutdownTimeoutMs / 1000 },
      "shutting down",
    );
    // A second signal does not wait.
    process.once(signal, () => process.exit(1));
    node.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once("SIGTERM", () => shutdown("SIGTERM"));
  process.once("SIGINT", () => shutdown("SIGINT"));
  return node;
}
