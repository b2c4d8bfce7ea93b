/**
 * The one object that wires the node together: configuration, store, identity (keys,
 * DID, signer, resolver), clock, logger and webhooks. Built once at start from the
 * config; tests pass overrides. `destroy()` closes every part, even when one fails.
 */
import type { JWK } from "jose";
import { loadOrCreateAdminToken } from "./admin-token.js";
import { connectRedis, MemoryStore, RedisStore, type Store } from "./arbiter/index.js";
import { type BookingDeps, type PendingSweeper, startPendingSweeper } from "./booking/index.js";
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
  deriveUserKey,
  didKeySigner,
  didWebForDomain,
  type ForcedRefreshLimiter,
  loadOrCreateOrgKey,
  orgSigner,
  type Signer,
  signRequestToken,
} from "./identity/index.js";
import { createLogger, type Logger } from "./logger.js";
import {
  createMailer,
  MemoryPresenceStore,
  type MintLoginLink,
  markActing,
  type NotifyDeps,
  notifyPendingRequest,
  type PeopleDeps,
  PresenceSignal,
  RedisPresenceStore,
} from "./people/index.js";
import type { PublishDeps } from "./profile/publish.js";
import { Webhooks, type WebhooksOverrides, webhookScripts } from "./webhooks/index.js";

export interface ContextOverrides {
  clock?: Clock;
  store?: Store;
  resolver?: DidResolver;
  logger?: Logger;
  webhooks?: WebhooksOverrides;
  /** DNS lookup for every outbound request (tests resolve names without a DNS server). */
  lookup?: Outbound["lookup"];
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
  mintLoginLink: MintLoginLink | undefined;
}

/** The one Redis connection, shared by the arbiter and the webhooks; the context closes it. */
type SharedRedis = Awaited<ReturnType<typeof connectSharedRedis>>;

const REPLY_TIMEOUT_MS = 5000;

function connectSharedRedis(url: string) {
  return connectRedis(url, REPLY_TIMEOUT_MS, webhookScripts());
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
    this.refreshLimiter = createForcedRefreshLimiter(parts.clock);
    this.sweeper = startPendingSweeper(parts.store, parts.logger);
    this.booking = {
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
    const publicUrl = parts.cfg.service.publicUrl;
    this.notify = {
      store: parts.store,
      webhooks: parts.webhooks,
      mailer: createMailer(parts.cfg.smtp),
      mintLoginLink:
        parts.mintLoginLink ??
        // Stand-in until the inbox's login links are wired here: it opens the sign-in page
        // with the request as destination, but does not sign the person in by itself.
        ((_username, next) =>
          Promise.resolve(`${publicUrl}/inbox/login?next=${encodeURIComponent(next)}`)),
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
    this.publishDeps = {
      publicUrl: parts.cfg.service.publicUrl,
      orgSigner: parts.orgSigner,
      custodialSigner: (username) => this.custodialSigner(username),
      resolver: parts.resolver,
      now: () => parts.clock.now(),
    };
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
    const redis =
      cfg.store.provider === "redis" ? await connectSharedRedis(cfg.store.url) : undefined;
    let store: Store | undefined;
    let webhooks: Webhooks;
    try {
      store = overrides.store ?? createStore(redis, logger, clock);
      webhooks = await Webhooks.create(
        {
          store,
          clock,
          logger,
          allowInsecure: outbound.allowInsecure,
          redis,
          timeoutMs: cfg.webhooks.timeoutMs,
          leaseMs: cfg.webhooks.leaseMs,
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
      mintLoginLink: overrides.mintLoginLink,
    });
  }

  /** The custodial key of a user who brings no DID of their own: derived, never stored. */
  async custodialSigner(username: string): Promise<Signer> {
    return didKeySigner(deriveUserKey(this.orgKey, username));
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

  /** Closes every part; a part that fails to close does not keep the others open. */
  async destroy(): Promise<void> {
    try {
      // The background loops read the store: they stop first.
      await this.sweeper.stop();
      await this.webhooks.stop();
    } finally {
      try {
        this.notify.mailer?.close();
        await this.store.close();
      } finally {
        if (this.redis?.isOpen) await this.redis.close();
      }
    }
  }
}

function createStore(redis: SharedRedis | undefined, logger: Logger, clock: Clock): Store {
  if (redis) {
    logger.info({ store: "redis" }, "connected to Redis");
    return RedisStore.fromClient(redis);
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
