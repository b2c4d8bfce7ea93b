/**
 * The one object that wires the node together: configuration, store, identity (keys,
 * DID, signer, resolver), clock, logger and webhooks. Built once at start from the
 * config; tests pass overrides. `destroy()` closes every part, even when one fails.
 */
import type { JWK } from "jose";
import { loadOrCreateAdminToken } from "./admin-token.js";
import {
  connectRedis,
  isCluster,
  MemoryStore,
  RedisStore,
  type RedisTarget,
  redisAddress,
  type Store,
} from "./arbiter/index.js";
import {
  type AgentSeenRecorder,
  agentSeenRecorder,
  type BookingDeps,
  type PendingSweeper,
  startPendingSweeper,
} from "./booking/index.js";
import { type Clock, systemClock } from "./clock.js";
import type { Config, Secrets } from "./config.js";
import {
  createFreeBusyCache,
  createOutbound,
  createRemoteProfiles,
  type Outbound,
  type RemoteProfiles,
} from "./federation/index.js";
import {
  buildDidWebDocument,
  createDidResolver,
  createForcedRefreshLimiter,
  type DidResolver,
  didWebForDomain,
  type ForcedRefreshLimiter,
  loadOrCreateOrgKey,
  orgSigner,
  type Signer,
  signRequestToken,
} from "./identity/index.js";
import { createLogger, type Logger } from "./logger.js";
import { createOperations, instrumentStore, type Operations } from "./operations/index.js";
import {
  createMailer,
  type Mailer,
  MemoryPeopleStore,
  MemoryPresenceStore,
  type MintLoginLink,
  markActing,
  mintLoginLink,
  type NotifyDeps,
  notifyPendingRequest,
  type PeopleDeps,
  type PeopleStore,
  PresenceSignal,
  RedisPeopleStore,
  RedisPresenceStore,
  type SignInDeps,
} from "./people/index.js";
import {
  defaultSigningThreads,
  organizationBindingOf,
  type PublishDeps,
  PublishPool,
  publishDepsFor,
} from "./profile/index.js";
import { StartupError } from "./startup-error.js";
import { Webhooks, type WebhooksOverrides, webhookScripts } from "./webhooks/index.js";

export interface ContextOverrides {
  clock?: Clock;
  store?: Store;
  resolver?: DidResolver;
  logger?: Logger;
  webhooks?: WebhooksOverrides;
  /** DNS lookup for every outbound request (tests resolve names without a DNS server). */
  lookup?: Outbound["lookup"];
  /** Where sign-in state is kept (default: the node's Redis, or memory). */
  people?: PeopleStore;
  /** Makes the sign-in links of notification emails (the inbox's login links). */
  mintLoginLink?: MintLoginLink;
}

interface ContextParts {
  cfg: Config;
  store: Store;
  clock: Clock;
  logger: Logger;
  adminToken: string;
  did: string;
  didDocument: Record<string, unknown>;
  orgSigner: Signer;
  resolver: DidResolver;
  webhooks: Webhooks;
  orgKey: JWK;
  redis: SharedRedis | undefined;
  outbound: Outbound;
  profiles: RemoteProfiles;
  operations: Operations;
  people: PeopleStore;
  mailer: Mailer | undefined;
  mintLoginLink: MintLoginLink | undefined;
}

/** The one Redis connection, shared by the arbiter and the webhooks; the context closes it. */
type SharedRedis = Awaited<ReturnType<typeof connectSharedRedis>>;

const REPLY_TIMEOUT_MS = 5000;

const WAITING_LOG_MS = 5000;

/**
 * Connects at start-up, waiting at most `connectTimeoutMs` and saying so in the log
 * while it waits; then a StartupError names the address (never the credentials).
 */
async function connectSharedRedis(target: RedisTarget, connectTimeoutMs: number, logger: Logger) {
  const address =
    "url" in target ? redisAddress(target.url) : target.clusterNodes.map(redisAddress).join(", ");
  let lastError: string | undefined;
  const waiting = () =>
    logger.warn(
      { redis: address, error: lastError, timeoutSeconds: connectTimeoutMs / 1000 },
      "waiting for Redis",
    );
  const first = setTimeout(waiting, 1000);
  const again = setInterval(waiting, WAITING_LOG_MS);
  try {
    return await connectRedis(target, REPLY_TIMEOUT_MS, webhookScripts(), {
      timeoutMs: connectTimeoutMs,
      onConnectError: (err) => {
        lastError = err.message || err.name;
      },
    });
  } catch (err) {
    const why = lastError ? ` (${lastError})` : "";
    throw new StartupError(
      `Redis at ${address} did not answer within ${connectTimeoutMs / 1000} s${why}; check ${"url" in target ? "REDIS_URL" : "REDIS_CLUSTER_NODES"}`,
      { cause: err },
    );
  } finally {
    clearTimeout(first);
    clearInterval(again);
  }
}

/** Where the configured Redis is, if any: one server, or a cluster's seed nodes. */
function redisTarget(store: Config["store"]): RedisTarget | undefined {
  if (store.provider === "redis") return { url: store.url };
  if (store.provider === "redis-cluster") return { clusterNodes: store.nodes };
  return undefined;
}

export class Context {
  readonly cfg: Config;
  readonly store: Store;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly adminToken: string;
  /** The organization's DID, `did:web:<domain>`. */
  readonly did: string;
  readonly didDocument: Record<string, unknown>;
  readonly orgSigner: Signer;
  readonly resolver: DidResolver;
  /** Subscriptions, polling, and the dispatcher delivering in the background. */
  readonly webhooks: Webhooks;
  /** What the booking use cases need, built once. */
  readonly booking: BookingDeps;
  /** Notes each authenticated agent request, for the arbitration window (doors call it). */
  readonly agentSeen: AgentSeenRecorder;
  /** What the person's use cases (presence, mentions, suggestions) need, built once. */
  readonly people: PeopleDeps;
  /** How a person is told of requests waiting for them (their profile's notify channels). */
  readonly notify: NotifyDeps;
  /** What profile publishing needs, built once. */
  readonly publishDeps: PublishDeps;
  /** DNS, the SSRF-safe fetch and discovery, for every request to another organization. */
  readonly outbound: Outbound;
  /** Other organizations' profiles, discovered, verified and cached. */
  readonly profiles: RemoteProfiles;
  /** At most one forced DID refresh per minute per DID, for request-token signatures. */
  readonly refreshLimiter: ForcedRefreshLimiter;
  /** Phase (readiness), store health and metrics. */
  readonly operations: Operations;
  /** The person's sign-in: login links and sessions. */
  readonly signIn: SignInDeps;
  /** Sends login links and request notifications by email; undefined without SMTP_URL. */
  readonly mailer: Mailer | undefined;
  private readonly orgKey: JWK;
  private readonly redis: SharedRedis | undefined;
  private readonly sweeper: PendingSweeper;

  private constructor(parts: ContextParts) {
    this.cfg = parts.cfg;
    this.store = parts.store;
    this.clock = parts.clock;
    this.logger = parts.logger;
    this.adminToken = parts.adminToken;
    this.did = parts.did;
    this.didDocument = parts.didDocument;
    this.orgSigner = parts.orgSigner;
    this.resolver = parts.resolver;
    this.webhooks = parts.webhooks;
    this.orgKey = parts.orgKey;
    this.redis = parts.redis;
    this.outbound = parts.outbound;
    this.profiles = parts.profiles;
    this.operations = parts.operations;
    this.signIn = {
      people: parts.people,
      users: parts.store,
      clock: parts.clock,
      publicUrl: parts.cfg.service.publicUrl,
    };
    this.mailer = parts.mailer;
    this.refreshLimiter = createForcedRefreshLimiter(parts.clock);
    this.sweeper = startPendingSweeper(parts.store, parts.logger);
    const { metrics } = parts.operations;
    this.agentSeen = agentSeenRecorder(parts.store, parts.clock);
    this.booking = {
      decisions: (kind, outcome) => metrics.decisions.inc({ kind, outcome }),
      store: parts.store,
      settings: parts.cfg.booking,
      webhooks: parts.webhooks,
      peers: {
        profiles: parts.profiles,
        fetch: parts.outbound.fetch,
        freeBusy: createFreeBusyCache({ clock: parts.clock }),
        signerFor: (username) => this.userSigner(username),
        publicUrl: parts.cfg.service.publicUrl,
        domain: parts.cfg.service.domain,
        clock: parts.clock,
      },
      activity: { acting: (agent, now) => markActing(this.people, agent, now) },
      notifier: {
        requested: (username, booking) => {
          notifyPendingRequest(this.notify, username, booking).catch((err: Error) =>
            parts.logger.warn(
              { username, bookingId: booking.id, err: err.message },
              "notify failed",
            ),
          );
        },
      },
    };
    this.notify = {
      store: parts.store,
      webhooks: parts.webhooks,
      mailer: parts.mailer,
      // The email's link signs the person in and then opens the request.
      mintLoginLink:
        parts.mintLoginLink ??
        (async (username, next) =>
          `${(await mintLoginLink(this.signIn, username)).url}&next=${encodeURIComponent(next)}`),
      logger: parts.logger,
    };
    // Presence lives beside the arbiter's state, on the same Redis connection when there is one.
    const connection =
      parts.redis ?? (parts.store instanceof RedisStore ? parts.store.connection : undefined);
    this.people = {
      store: parts.store,
      booking: this.booking,
      presence: connection ? new RedisPresenceStore(connection) : new MemoryPresenceStore(),
      presenceSignal: new PresenceSignal(),
      presenceTtlMs: parts.cfg.presence.ttlSeconds * 1000,
    };
    this.publishDeps = publishDepsFor(parts.orgKey, {
      publicUrl: parts.cfg.service.publicUrl,
      orgSigner: parts.orgSigner,
      resolver: parts.resolver,
      now: () => parts.clock.now(),
    });
  }

  static async fromConfig(
    cfg: Config,
    secrets: Secrets,
    overrides: ContextOverrides = {},
  ): Promise<Context> {
    const { service, outbound } = cfg;
    const logger = overrides.logger ?? createLogger(cfg.log.level);
    const clock = overrides.clock ?? systemClock;
    const orgKey = await loadOrCreateOrgKey(service.dataDir);
    const admin = await loadOrCreateAdminToken(service.dataDir, secrets.adminToken);
    if (admin.created) {
      // Shown once, on purpose outside the structured log so it never reaches log storage.
      process.stderr.write(
        `\nCalendario admin token (kept in ${admin.file}; shown only this once):\n  ${admin.token}\n\n`,
      );
    }
    const did = didWebForDomain(service.domain);
    const signer = await orgSigner(service.domain, orgKey);
    const didDocument = buildDidWebDocument(did, [signer.publicJwk]) as Record<string, unknown>;
    const net = createOutbound({ ...outbound, clock, lookup: overrides.lookup });
    const resolver = withLocalDid(
      overrides.resolver ??
        createDidResolver({
          fetchJson: net.fetch.fetchJson,
          clock,
          allowInsecure: outbound.allowInsecure,
        }),
      did,
      didDocument,
    );
    const profiles = createRemoteProfiles({
      fetch: net.fetch,
      resolver,
      discovery: net.discovery,
      clock,
    });
    const operations = createOperations(logger);
    const target = redisTarget(cfg.store);
    const redis =
      target && cfg.store.provider !== "memory"
        ? await connectSharedRedis(target, cfg.store.connectTimeoutMs, logger)
        : undefined;
    let store: Store | undefined;
    let webhooks: Webhooks;
    try {
      store = instrumentStore(
        overrides.store ?? (await createStore(redis, logger, clock)),
        operations.metrics,
        operations.storeHealth,
      );
      webhooks = await Webhooks.create(
        {
          store,
          clock,
          logger,
          allowInsecure: outbound.allowInsecure,
          redis,
          timeoutMs: cfg.webhooks.timeoutMs,
          leaseMs: cfg.webhooks.leaseMs,
          onLongPolls: (open) => operations.metrics.longPolls.set(open),
          onDeliveryAttempt: (kind, result) =>
            operations.metrics.deliveries.inc({ kind, status: result }),
          // Callbacks to other nodes carry a request token of the organization, fresh per attempt.
          authorizeCallback: (url, body) =>
            signRequestToken(signer, {
              aud: didWebForDomain(new URL(url).host),
              htm: "POST",
              htu: url.replace(/[?#].*$/, ""),
              body,
              now: clock.now(),
            }),
        },
        { lookup: net.lookup, ...overrides.webhooks },
      );
    } catch (err) {
      try {
        await store?.close();
      } finally {
        if (redis?.isOpen) await redis.close();
      }
      throw err;
    }
    return new Context({
      cfg,
      store,
      clock,
      logger,
      adminToken: admin.token,
      did,
      didDocument,
      orgSigner: signer,
      resolver,
      webhooks,
      orgKey,
      redis,
      outbound: net,
      profiles,
      operations,
      people:
        overrides.people ?? (redis ? new RedisPeopleStore(redis) : new MemoryPeopleStore(clock)),
      mailer: createMailer(cfg.mail),
      mintLoginLink: overrides.mintLoginLink,
    });
  }

  /** The custodial key of a user who brings no DID of their own: derived, never stored. */
  custodialSigner(username: string): Promise<Signer> {
    return this.publishDeps.custodialSigner(username);
  }

  /**
   * Signing threads for start-up (profile/publish-pool.ts): they sign with the organization
   * key and derive custodial keys from it, as custodialSigner does; the binding of the
   * key to PUBLIC_URL's host is checked here, once.
   */
  async startSigningThreads(size = defaultSigningThreads()): Promise<PublishPool> {
    return new PublishPool(
      {
        publicUrl: this.publishDeps.publicUrl,
        orgDid: this.orgSigner.did,
        orgKid: this.orgSigner.kid,
        orgPrivateJwk: this.orgKey,
        organizationProblem: await organizationBindingOf(this.publishDeps),
      },
      size,
    );
  }

  /**
   * Who signs toward other nodes for a local user: their custodial key when their profile
   * names it as `self`; the organization (speaking for its user) when they brought a DID
   * of their own, whose key the node does not hold.
   */
  async userSigner(username: string): Promise<Signer> {
    const [custodial, user] = await Promise.all([
      this.custodialSigner(username),
      this.store.getUser(username),
    ]);
    const self = user ? (JSON.parse(user.published) as { self?: string }).self : undefined;
    return self === custodial.did ? custodial : this.orgSigner;
  }

  /**
   * Drops the Redis connection without waiting for replies: when a frozen server keeps
   * `destroy()` from finishing within the shutdown bound.
   */
  forceClose(): void {
    if (this.redis?.isOpen) this.redis.destroy();
  }

  /** Closes every part; a part that fails to close does not keep the others open. */
  async destroy(): Promise<void> {
    try {
      // The background loops read the store: they stop first.
      await this.sweeper.stop();
      await this.webhooks.stop();
    } finally {
      try {
        this.mailer?.close();
        await this.store.close();
      } finally {
        if (this.redis?.isOpen) await this.redis.close();
      }
    }
  }
}

async function createStore(
  redis: SharedRedis | undefined,
  logger: Logger,
  clock: Clock,
): Promise<Store> {
  if (redis) {
    logger.info({ store: "redis", cluster: isCluster(redis) }, "connected to Redis");
    const store = RedisStore.fromClient(redis);
    // Until it listens, nothing is cached and a window's early settling goes unheard.
    await store.whenSubscribed();
    return store;
  }
  logger.warn(
    "No REDIS_URL: using the embedded in-memory store. Data is NOT durable and is lost on restart.",
  );
  return new MemoryStore(clock);
}

/** Our own DID resolves from memory: no network hop, and it works before we listen. */
function withLocalDid(
  resolver: DidResolver,
  did: string,
  doc: Record<string, unknown>,
): DidResolver {
  return {
    ...resolver,
    resolve: async (candidate, opts) =>
      candidate === did ? (doc as never) : resolver.resolve(candidate, opts),
  };
}
