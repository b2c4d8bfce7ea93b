/**
 * The one object that wires the node together: configuration, store, identity (keys,
 * DID, signer, resolver), clock and logger. Built once at start; tests pass overrides.
 */
import type { JWK } from "jose";
import { loadOrCreateAdminToken } from "./admin-token.js";
import { MemoryStore, RedisStore, type Store } from "./arbiter/index.js";
import type { BookingDeps } from "./booking/index.js";
import { type Clock, systemClock } from "./clock.js";
import type { Config, Secrets } from "./config.js";
import { createSafeFetch } from "./federation/index.js";
import {
  buildDidWebDocument,
  createDidResolver,
  type DidResolver,
  deriveUserKey,
  didKeySigner,
  didWebForDomain,
  loadOrCreateOrgKey,
  orgSigner,
  type Signer,
} from "./identity/index.js";
import { createLogger, type Logger } from "./logger.js";
import type { PublishDeps } from "./profile/publish.js";
import { Webhooks, type WebhooksOverrides } from "./webhooks/index.js";

export interface ContextOverrides {
  clock?: Clock;
  store?: Store;
  resolver?: DidResolver;
  logger?: Logger;
  webhooks?: WebhooksOverrides;
}

export class Context {
  private constructor(
    readonly cfg: Config,
    readonly store: Store,
    readonly clock: Clock,
    readonly logger: Logger,
    readonly adminToken: string,
    readonly did: string,
    readonly didDocument: Record<string, unknown>,
    readonly orgSigner: Signer,
    readonly resolver: DidResolver,
    /** Subscriptions, polling, and the dispatcher delivering in the background. */
    readonly webhooks: Webhooks,
    private readonly orgKey: JWK,
  ) {}

  static async fromConfig(
    cfg: Config,
    secrets: Secrets,
    overrides: ContextOverrides = {},
  ): Promise<Context> {
    const logger = overrides.logger ?? createLogger(cfg.logLevel);
    const clock = overrides.clock ?? systemClock;
    const orgKey = await loadOrCreateOrgKey(cfg.dataDir);
    const admin = await loadOrCreateAdminToken(cfg.dataDir, secrets.adminToken);
    if (admin.created) {
      // Shown once, on purpose outside the structured log so it never reaches log storage.
      process.stderr.write(
        `\nCalendario admin token (kept in ${admin.file}; shown only this once):\n  ${admin.token}\n\n`,
      );
    }
    const did = didWebForDomain(cfg.domain);
    const signer = await orgSigner(cfg.domain, orgKey);
    const didDocument = buildDidWebDocument(did, [signer.publicJwk]) as Record<string, unknown>;
    const safeFetch = createSafeFetch({ allowInsecure: cfg.allowInsecure });
    const resolver =
      overrides.resolver ??
      createDidResolver({
        fetchJson: safeFetch.fetchJson,
        clock,
        allowInsecure: cfg.allowInsecure,
      });
    const store = overrides.store ?? (await Context.createStore(cfg, logger, clock));
    const webhooks = await Webhooks.create(
      {
        store,
        clock,
        logger,
        allowInsecure: cfg.allowInsecure,
        redisUrl: cfg.redisUrl,
        timeoutMs: cfg.webhookTimeoutMs,
        leaseMs: cfg.webhookLeaseMs,
      },
      overrides.webhooks,
    );
    return new Context(
      cfg,
      store,
      clock,
      logger,
      admin.token,
      did,
      didDocument,
      signer,
      withLocalDid(resolver, did, didDocument),
      webhooks,
      orgKey,
    );
  }

  private static async createStore(cfg: Config, logger: Logger, clock: Clock): Promise<Store> {
    if (cfg.redisUrl) {
      const store = await RedisStore.connect(cfg.redisUrl);
      logger.info({ store: "redis" }, "connected to Redis");
      return store;
    }
    logger.warn(
      "No REDIS_URL: using the embedded in-memory store. Data is NOT durable and is lost on restart.",
    );
    return new MemoryStore(clock);
  }

  /** The custodial key of a user who brings no DID of their own: derived, never stored. */
  async custodialSigner(username: string): Promise<Signer> {
    return didKeySigner(deriveUserKey(this.orgKey, username));
  }

  /** What the booking use cases need. */
  get booking(): BookingDeps {
    return {
      store: this.store,
      settings: {
        holdTtlSeconds: this.cfg.holdTtlSeconds,
        bumpWindowSeconds: this.cfg.bumpWindowSeconds,
        arbitrationWindowMs: this.cfg.arbitrationWindowMs,
      },
    };
  }

  /** What profile publishing needs from the node. */
  get publishDeps(): PublishDeps {
    return {
      publicUrl: this.cfg.publicUrl,
      orgSigner: this.orgSigner,
      custodialSigner: (username) => this.custodialSigner(username),
      resolver: this.resolver,
      now: () => this.clock.now(),
    };
  }

  async destroy(): Promise<void> {
    // The dispatcher reads the store: it stops first.
    await this.webhooks.stop();
    await this.store.close();
  }
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
