/**
 * Configuration in three layers: the environment read into a flat optional map
 * (`readEnv`), turned into a checked config with defaults (`envToConfig`), and secrets
 * kept apart (`envToSecrets`). A bad value stops the node with a message naming the
 * variable.
 */
import path from "node:path";

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
    this.name = "ConfigError";
  }
}

export interface ServerEnvironment {
  port?: string;
  host?: string;
  trustProxy?: string;
  publicUrl?: string;
  domain?: string;
  redisUrl?: string;
  redisClusterNodes?: string;
  dataDir?: string;
  profilesDir?: string;
  adminToken?: string;
  logLevel?: string;
  allowInsecure?: string;
  holdTtlSeconds?: string;
  bumpWindowSeconds?: string;
  arbitrationWindowMs?: string;
  pendingTtlSeconds?: string;
  dnsServers?: string;
  webhookTimeoutMs?: string;
  webhookLeaseMs?: string;
  redisConnectTimeoutSeconds?: string;
  shutdownTimeoutSeconds?: string;
  metricsPort?: string;
  metricsHost?: string;
  presenceTtlSeconds?: string;
  smtpUrl?: string;
  smtpFrom?: string;
}

export function readEnv(env: NodeJS.ProcessEnv = process.env): ServerEnvironment {
  const pick = (name: string) => {
    const v = env[name];
    return v === undefined || v === "" ? undefined : v;
  };
  return {
    port: pick("PORT"),
    host: pick("HOST"),
    trustProxy: pick("TRUST_PROXY"),
    publicUrl: pick("PUBLIC_URL"),
    domain: pick("CALENDARIO_DOMAIN"),
    redisUrl: pick("REDIS_URL"),
    redisClusterNodes: pick("REDIS_CLUSTER_NODES"),
    dataDir: pick("DATA_DIR"),
    profilesDir: pick("PROFILES_DIR"),
    adminToken: pick("ADMIN_TOKEN"),
    logLevel: pick("LOG_LEVEL"),
    allowInsecure: pick("CALENDARIO_ALLOW_INSECURE"),
    holdTtlSeconds: pick("HOLD_TTL_SECONDS"),
    bumpWindowSeconds: pick("BUMP_WINDOW_SECONDS"),
    arbitrationWindowMs: pick("ARBITRATION_WINDOW_MS"),
    pendingTtlSeconds: pick("PENDING_TTL_SECONDS"),
    dnsServers: pick("CALENDARIO_DNS_SERVERS"),
    webhookTimeoutMs: pick("WEBHOOK_TIMEOUT_MS"),
    webhookLeaseMs: pick("WEBHOOK_LEASE_MS"),
    redisConnectTimeoutSeconds: pick("REDIS_CONNECT_TIMEOUT_SECONDS"),
    shutdownTimeoutSeconds: pick("SHUTDOWN_TIMEOUT_SECONDS"),
    metricsPort: pick("METRICS_PORT"),
    metricsHost: pick("METRICS_HOST"),
    presenceTtlSeconds: pick("PRESENCE_TTL_SECONDS"),
    smtpUrl: pick("SMTP_URL"),
    smtpFrom: pick("SMTP_FROM"),
  };
}

export interface DnsServer {
  host: string;
  port: number;
}

/** Where the node keeps its state: in memory, one Redis, or a Redis Cluster (its seeds). */
export type StoreConfig =
  | { provider: "memory" }
  | {
      provider: "redis";
      url: string;
      /** How long start-up waits for Redis before giving up. */
      connectTimeoutMs: number;
    }
  | { provider: "redis-cluster"; nodes: string[]; connectTimeoutMs: number };

export interface ServiceConfig {
  port: number;
  host: string;
  /** Origin the node is reached at, no trailing slash, e.g. `https://acme.example`. */
  publicUrl: string;
  /** Host (and `:port` when not default) of the organization, e.g. `acme.example`. */
  domain: string;
  dataDir: string;
  profilesDir: string;
  /**
   * How many reverse proxies stand in front of the node: the client address (rate
   * limits, logs) is read from X-Forwarded-For that many hops back. 0: the socket's.
   */
  trustProxy: number;
  /** How long SIGTERM waits for requests in flight before closing everything. */
  shutdownTimeoutMs: number;
}

/** `/metrics` without authentication on a listener of its own, when a port is set. */
export interface MetricsConfig {
  port: number | undefined;
  host: string;
}

export interface BookingConfig {
  holdTtlSeconds: number;
  bumpWindowSeconds: number;
  arbitrationWindowMs: number;
  /** How long a request waiting for the person's acknowledgement blocks its slot. */
  pendingTtlSeconds: number;
}

/** Every request the node makes to addresses named by others: peers, DIDs, webhooks. */
export interface OutboundConfig {
  /** Plain http and private or loopback addresses (tests and local development only). */
  allowInsecure: boolean;
  dnsServers: DnsServer[];
}

/** Agents' presence on the person's calendar (reading, thinking, acting, completed). */
export interface PresenceConfig {
  /** How long a presence lasts unless the agent refreshes it. */
  ttlSeconds: number;
}

export interface WebhooksConfig {
  /** How long a webhook receiver has to answer a delivery. */
  timeoutMs: number;
  /**
   * How long a node process may hold a subscription's deliveries or an outbox entry
   * without renewing; after that another process takes them over.
   */
  leaseMs: number;
}

/** The node's settings, in sections; checked once at start. */
export interface Config {
  service: ServiceConfig;
  store: StoreConfig;
  booking: BookingConfig;
  outbound: OutboundConfig;
  webhooks: WebhooksConfig;
  metrics: MetricsConfig;
  presence: PresenceConfig;
  log: { level: LogLevel };
  mail: MailConfig;
}

/** Email to people (login links). Without `smtpUrl` the node sends no mail. */
export interface MailConfig {
  /** `smtp://` or `smtps://` URL of the relay, credentials included (never logged). */
  smtpUrl: string | undefined;
  /** The From address, e.g. `calendario@acme.example`. */
  from: string;
}

export interface Secrets {
  /** From `ADMIN_TOKEN`; when absent the node generates one in `DATA_DIR`. */
  adminToken: string | undefined;
}

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * A whole number of the setting's unit within [min, max]. The message says what kind of
 * number is wanted and the range, whatever was wrong (a sign, a fraction, a word, a size).
 */
function integer(variable: string, raw: string | undefined, def: number, min: number, max: number) {
  if (raw === undefined) return def;
  const n = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(n >= min && n <= max)) {
    const kind = min >= 1 ? "a positive integer" : "a non-negative integer";
    throw new ConfigError(variable, `must be ${kind} (${min} to ${max}), got "${raw}"`);
  }
  return n;
}

function bool(variable: string, raw: string | undefined): boolean {
  if (raw === undefined) return false;
  if (["1", "true", "yes"].includes(raw.toLowerCase())) return true;
  if (["0", "false", "no"].includes(raw.toLowerCase())) return false;
  throw new ConfigError(variable, `must be 1 or 0, got "${raw}"`);
}

function parsePublicUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError("PUBLIC_URL", `is not a URL: "${raw}"`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:")
    throw new ConfigError("PUBLIC_URL", "must be an http(s) URL");
  if (url.pathname !== "/" || url.search || url.hash || url.username)
    throw new ConfigError("PUBLIC_URL", "must be an origin, without path, query or credentials");
  return url;
}

function parseDnsServers(raw: string | undefined): DnsServer[] {
  if (raw === undefined) return [];
  return raw.split(",").map((entry) => {
    const m = /^\s*(\[[0-9a-fA-F:]+\]|[^:\s]+)(?::(\d+))?\s*$/.exec(entry);
    if (!m) throw new ConfigError("CALENDARIO_DNS_SERVERS", `bad server "${entry}"`);
    const host = m[1]!.replace(/^\[|\]$/g, "");
    const port = m[2] ? Number(m[2]) : 53;
    if (port < 1 || port > 65535) throw new ConfigError("CALENDARIO_DNS_SERVERS", "bad port");
    return { host, port };
  });
}

const DOMAIN_RE =
  /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?::\d{1,5})?$/;

export function envToConfig(env: ServerEnvironment, cwd = process.cwd()): Config {
  const port = integer("PORT", env.port, 8080, 0, 65535);
  const host = env.host ?? "127.0.0.1";
  const allowInsecure = bool("CALENDARIO_ALLOW_INSECURE", env.allowInsecure);
  if (env.publicUrl === undefined && port === 0)
    throw new ConfigError("PUBLIC_URL", "is required when PORT is 0 (the default names the port)");
  const url = parsePublicUrl(env.publicUrl ?? `http://localhost:${port}`);
  if (url.protocol === "http:" && !allowInsecure && env.publicUrl !== undefined) {
    const local = ["localhost", "127.0.0.1", "[::1]"].includes(url.hostname);
    if (!local)
      throw new ConfigError(
        "PUBLIC_URL",
        "must be https (set CALENDARIO_ALLOW_INSECURE=1 for local use)",
      );
  }
  const domain = (env.domain ?? url.host).toLowerCase();
  if (!DOMAIN_RE.test(domain))
    throw new ConfigError("CALENDARIO_DOMAIN", `is not a domain name: "${domain}"`);
  const logLevel = (env.logLevel ?? "info") as LogLevel;
  if (!LOG_LEVELS.includes(logLevel))
    throw new ConfigError("LOG_LEVEL", `must be one of ${LOG_LEVELS.join(", ")}`);
  if (env.redisUrl !== undefined && !/^rediss?:\/\//.test(env.redisUrl))
    throw new ConfigError("REDIS_URL", "must start with redis:// or rediss://");
  if (env.redisUrl !== undefined && env.redisClusterNodes !== undefined)
    throw new ConfigError(
      "REDIS_CLUSTER_NODES",
      "set either REDIS_URL or REDIS_CLUSTER_NODES, not both",
    );
  return {
    service: {
      port,
      host,
      publicUrl: url.origin,
      domain,
      dataDir: path.resolve(cwd, env.dataDir ?? "data"),
      profilesDir: path.resolve(cwd, env.profilesDir ?? "profiles"),
      trustProxy: integer("TRUST_PROXY", env.trustProxy, 0, 0, 10),
      shutdownTimeoutMs:
        integer("SHUTDOWN_TIMEOUT_SECONDS", env.shutdownTimeoutSeconds, 10, 1, 600) * 1000,
    },
    store:
      env.redisClusterNodes !== undefined
        ? {
            provider: "redis-cluster",
            nodes: parseClusterNodes(env.redisClusterNodes),
            connectTimeoutMs: redisConnectTimeoutMs(env),
          }
        : env.redisUrl === undefined
          ? { provider: "memory" }
          : { provider: "redis", url: env.redisUrl, connectTimeoutMs: redisConnectTimeoutMs(env) },
    booking: {
      holdTtlSeconds: integer("HOLD_TTL_SECONDS", env.holdTtlSeconds, 30, 1, 3600),
      bumpWindowSeconds: integer("BUMP_WINDOW_SECONDS", env.bumpWindowSeconds, 30, 0, 86400),
      arbitrationWindowMs: integer("ARBITRATION_WINDOW_MS", env.arbitrationWindowMs, 250, 0, 5000),
      pendingTtlSeconds: integer(
        "PENDING_TTL_SECONDS",
        env.pendingTtlSeconds,
        86_400,
        60,
        30 * 86_400,
      ),
    },
    outbound: { allowInsecure, dnsServers: parseDnsServers(env.dnsServers) },
    webhooks: {
      timeoutMs: integer("WEBHOOK_TIMEOUT_MS", env.webhookTimeoutMs, 10_000, 100, 60_000),
      leaseMs: integer("WEBHOOK_LEASE_MS", env.webhookLeaseMs, 30_000, 500, 600_000),
    },
    metrics: {
      port:
        env.metricsPort === undefined
          ? undefined
          : integer("METRICS_PORT", env.metricsPort, 0, 0, 65535),
      host: env.metricsHost ?? host,
    },
    presence: {
      ttlSeconds: integer("PRESENCE_TTL_SECONDS", env.presenceTtlSeconds, 60, 1, 3600),
    },
    log: { level: logLevel },
    mail: parseMail(env, domain),
  };
}

const EMAIL_RE = /^[^\s@<>"]+@[^\s@<>"]+$/;

function parseMail(env: ServerEnvironment, domain: string): MailConfig {
  if (env.smtpUrl !== undefined) {
    let url: URL | undefined;
    try {
      url = new URL(env.smtpUrl);
    } catch {
      url = undefined;
    }
    // The message never repeats the value: it may hold a password.
    if (!url || (url.protocol !== "smtp:" && url.protocol !== "smtps:") || !url.hostname)
      throw new ConfigError("SMTP_URL", "must be an smtp:// or smtps:// URL with a host");
  }
  const from = env.smtpFrom ?? `calendario@${domain.replace(/:\d+$/, "")}`;
  if (!EMAIL_RE.test(from))
    throw new ConfigError("SMTP_FROM", `must be an email address, got "${from}"`);
  return { smtpUrl: env.smtpUrl, from };
}

export function envToSecrets(env: ServerEnvironment): Secrets {
  if (env.adminToken !== undefined && env.adminToken.length < 16)
    throw new ConfigError("ADMIN_TOKEN", "must be at least 16 characters");
  return { adminToken: env.adminToken };
}

/** `redis://host:port` seeds, comma-separated: each one a URL with a host and a port. */
function redisConnectTimeoutMs(env: ServerEnvironment): number {
  return (
    integer("REDIS_CONNECT_TIMEOUT_SECONDS", env.redisConnectTimeoutSeconds, 30, 1, 3600) * 1000
  );
}

function parseClusterNodes(value: string): string[] {
  const nodes = value.split(",").map((s) => s.trim());
  for (const node of nodes) {
    let url: URL | undefined;
    try {
      url = new URL(node);
    } catch {}
    if (
      !url ||
      !/^rediss?:$/.test(url.protocol) ||
      !url.hostname ||
      !url.port ||
      (url.pathname !== "" && url.pathname !== "/") ||
      url.search ||
      url.hash
    )
      throw new ConfigError(
        "REDIS_CLUSTER_NODES",
        `each seed must be redis://host:port or rediss://host:port, got "${node.replace(/\/\/[^@/]*@/, "//…@")}"`,
      );
  }
  return nodes;
}
