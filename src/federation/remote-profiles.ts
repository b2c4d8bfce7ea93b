/**
 * Other people's profiles, found by DNS TXT discovery, fetched over the SSRF-safe fetch,
 * their proofs verified, and cached: for the answer's `max-age` (bounded 60 s–1 h),
 * revalidated with `If-None-Match`. A failure is remembered with exponential backoff
 * (5 s doubling to 5 min) so a dead peer is not asked on every request, and a forced
 * refresh reaches the network at most once a minute per address.
 */
import type { Clock } from "../clock.js";
import { InvalidRequestError, UpstreamError } from "../errors.js";
import { DidResolutionError, type DidResolver, findDuplicateMember } from "../identity/index.js";
import { type ProofReport, verifyProfileProofs } from "../profile/proofs.js";
import { type DiscoveryOptions, discoverProfile, parseAddress } from "./discovery.js";
import { createTxtResolver } from "./dns-lookup.js";
import { FetchError, type RawResponse, type SafeFetch } from "./safe-fetch.js";

export interface RemoteProfile {
  /** `username@domain`, lowercase. */
  address: string;
  username: string;
  /** The domain of the address (with its port, if any): where the profile was discovered. */
  domain: string;
  /** Where the profile was fetched from. */
  profileUrl: string;
  profile: Record<string, unknown>;
  etag?: string;
  /** When the profile was last fetched or revalidated (clock milliseconds). */
  fetchedAt: number;
  /** The proofs, verified with `discoveredDomain` = `domain` when the profile was fetched. */
  proofs: ProofReport;
}

export interface GetRemoteProfileOptions {
  /** Skip the cache, unless the address was fetched less than a minute ago. */
  forceRefresh?: boolean;
}

export interface RemoteProfiles {
  /**
   * The profile of `address`. Throws `UpstreamError` `peer_unreachable` when it (or a DID
   * its proofs need) could not be fetched, `peer_unverified` when the peer's answer is not
   * a usable profile, and `InvalidRequestError` for a string that is not an address.
   */
  get(address: string, opts?: GetRemoteProfileOptions): Promise<RemoteProfile>;
}

export interface RemoteProfilesDeps {
  /** The SSRF-safe fetch (its lookup should be `createOutboundLookup` behind the guard). */
  fetch: SafeFetch;
  resolver: DidResolver;
  /** Discovery settings; without a `txt` resolver a cached one is made from `dnsServers`. */
  discovery: DiscoveryOptions;
  clock: Clock;
  /** Addresses kept; the least recently used is dropped first. 1000 unless given. */
  maxEntries?: number;
}

export const MIN_PROFILE_TTL_MS = 60_000;
export const MAX_PROFILE_TTL_MS = 60 * 60_000;
export const FORCED_REFRESH_INTERVAL_MS = 60_000;
export const FIRST_BACKOFF_MS = 5_000;
export const MAX_BACKOFF_MS = 5 * 60_000;

interface Entry {
  profile?: RemoteProfile;
  expiresAt: number;
  /** When the network was last asked for this address, successfully or not. */
  askedAt: number;
  /** When a forced refresh last asked the network (at most once a minute). */
  forcedAt?: number;
  failure?: { error: UpstreamError; until: number; backoffMs: number };
}

/**
 * How long a profile answer may be reused: its `max-age`, bounded to 60 s–1 h. An answer
 * without one (`no-store`, `no-cache`, or no header) is still kept 60 s, so that a burst
 * of requests from one peer costs one fetch.
 */
export function profileTtlMs(cacheControl: string | undefined): number {
  const directives = (cacheControl ?? "").toLowerCase();
  if (/(^|[\s,])(no-store|no-cache)([\s,=]|$)/.test(directives)) return MIN_PROFILE_TTL_MS;
  const m = /(?:^|[\s,])max-age\s*=\s*"?(\d+)"?/.exec(directives);
  const ms = m ? Number(m[1]) * 1000 : 0;
  return Math.min(MAX_PROFILE_TTL_MS, Math.max(MIN_PROFILE_TTL_MS, ms));
}

const unreachable = (message: string, cause?: unknown) =>
  new UpstreamError(message, "peer_unreachable", cause);
const unverified = (message: string, cause?: unknown) =>
  new UpstreamError(message, "peer_unverified", cause);

/** No answer at all is unreachable; an answer that is not a profile is unverified. */
function fetchFailure(url: string, err: unknown): UpstreamError {
  if (!(err instanceof FetchError)) return unreachable(`${url}: ${String(err)}`, err);
  const noAnswer = ["network", "timeout", "forbidden_address"].includes(err.reason);
  return noAnswer
    ? unreachable(`cannot fetch the profile at ${url}: ${err.message}`, err)
    : unverified(`the profile at ${url} cannot be used: ${err.message}`, err);
}

function statusFailure(url: string, status: number): UpstreamError {
  const retryable = status >= 500 || status === 408 || status === 429;
  const message = `the profile at ${url} answered HTTP ${status}`;
  return retryable ? unreachable(message) : unverified(message);
}

function header(res: RawResponse, name: string): string | undefined {
  const value = res.headers[name];
  return Array.isArray(value) ? value.join(", ") : value;
}

export function createRemoteProfiles(deps: RemoteProfilesDeps): RemoteProfiles {
  const { fetch, clock } = deps;
  const maxEntries = deps.maxEntries ?? 1000;
  const discovery: DiscoveryOptions = deps.discovery.txt
    ? deps.discovery
    : {
        ...deps.discovery,
        txt: createTxtResolver({
          dnsServers: deps.discovery.dnsServers ?? [],
          timeoutMs: deps.discovery.timeoutMs,
          clock,
        }),
      };
  const entries = new Map<string, Entry>();
  const inFlight = new Map<string, Promise<RemoteProfile>>();

  function touch(key: string, entry: Entry): void {
    entries.delete(key);
    entries.set(key, entry);
    while (entries.size > maxEntries) {
      const oldest = entries.keys().next().value;
      if (oldest === undefined) break;
      entries.delete(oldest);
    }
  }

  /** Verifies the proofs; a DID that could not be fetched makes the peer unreachable, not unverified. */
  async function verify(profile: Record<string, unknown>, domain: string): Promise<ProofReport> {
    const unfetched = new Map<string, DidResolutionError>();
    const resolver: DidResolver = {
      async resolve(did, opts) {
        try {
          return await deps.resolver.resolve(did, opts);
        } catch (err) {
          if (err instanceof DidResolutionError && err.reason === "fetch_failed")
            unfetched.set(did, err);
          throw err;
        }
      },
    };
    const proofs = await verifyProfileProofs(profile, { resolver, discoveredDomain: domain });
    const hurt = [proofs.self_proof, proofs.organization_proof].some((p) => p.status === "invalid");
    const [cause] = unfetched.values();
    if (hurt && cause) throw unreachable(cause.message, cause);
    return proofs;
  }

  async function fetchProfile(
    address: string,
    username: string,
    domain: string,
    cached: RemoteProfile | undefined,
  ): Promise<{ profile: RemoteProfile; ttlMs: number }> {
    const found = await discoverProfile(address, discovery);
    if (!found) throw new InvalidRequestError(`"${address}" is not an address user@domain`);
    const url = found.profileUrl;
    const revalidate = cached?.etag !== undefined && cached.profileUrl === url;
    let res: RawResponse;
    try {
      res = await fetch.fetchRaw(url, {
        headers: {
          accept: "application/json",
          ...(revalidate ? { "if-none-match": cached.etag! } : {}),
        },
      });
    } catch (err) {
      throw fetchFailure(url, err);
    }
    const ttlMs = profileTtlMs(header(res, "cache-control"));
    if (res.status === 304 && revalidate)
      return { profile: { ...cached, fetchedAt: clock.now() }, ttlMs };
    if (res.status !== 200) throw statusFailure(url, res.status);
    let profile: unknown;
    try {
      profile = JSON.parse(res.body.toString("utf8"));
    } catch (err) {
      throw unverified(`the profile at ${url} is not JSON`, err);
    }
    if (typeof profile !== "object" || profile === null || Array.isArray(profile))
      throw unverified(`the profile at ${url} is not a JSON object`);
    const duplicate = findDuplicateMember(res.body.toString("utf8"));
    if (duplicate)
      throw unverified(`the profile at ${url} repeats the member ${duplicate.pointer}`);
    const body = profile as Record<string, unknown>;
    if (body.username !== username)
      throw unverified(
        `the profile at ${url} is of ${JSON.stringify(body.username)}, not of ${username}`,
      );
    const proofs = await verify(body, domain);
    const etag = header(res, "etag");
    return {
      profile: {
        address,
        username,
        domain,
        profileUrl: url,
        profile: body,
        ...(etag ? { etag } : {}),
        fetchedAt: clock.now(),
        proofs,
      },
      ttlMs,
    };
  }

  function refresh(
    key: string,
    username: string,
    domain: string,
    forced: boolean,
  ): Promise<RemoteProfile> {
    let pending = inFlight.get(key);
    if (pending) return pending;
    const before = entries.get(key);
    const askedAt = clock.now();
    const forcedAt = forced ? askedAt : before?.forcedAt;
    pending = fetchProfile(key, username, domain, before?.profile)
      .then(
        ({ profile, ttlMs }) => {
          touch(key, { profile, expiresAt: clock.now() + ttlMs, askedAt, forcedAt });
          return profile;
        },
        (err: unknown) => {
          const error = err instanceof UpstreamError ? err : unreachable(String(err), err);
          const previous = entries.get(key)?.failure?.backoffMs;
          const backoffMs = previous ? Math.min(MAX_BACKOFF_MS, previous * 2) : FIRST_BACKOFF_MS;
          // The last good copy stays for revalidation, but is not served once it has expired.
          touch(key, {
            ...(before?.profile ? { profile: before.profile } : {}),
            expiresAt: before?.expiresAt ?? 0,
            askedAt,
            forcedAt,
            failure: { error, until: clock.now() + backoffMs, backoffMs },
          });
          throw error;
        },
      )
      .finally(() => inFlight.delete(key));
    inFlight.set(key, pending);
    return pending;
  }

  return {
    async get(address, opts = {}) {
      const parsed = parseAddress(address);
      if (!parsed) throw new InvalidRequestError(`"${address}" is not an address user@domain`);
      const { username, domain } = parsed;
      const key = `${username}@${domain}`;
      const entry = entries.get(key);
      const now = clock.now();
      const fresh = entry?.profile !== undefined && now < entry.expiresAt;
      // A forced refresh (a peer that may have rotated its key) reaches the network at most
      // once a minute per address, however often it is asked for.
      const forced =
        opts.forceRefresh === true &&
        (entry?.forcedAt === undefined || now - entry.forcedAt >= FORCED_REFRESH_INTERVAL_MS);
      if (entry && fresh && !forced) {
        touch(key, entry);
        return entry.profile!;
      }
      if (entry?.failure && now < entry.failure.until) {
        if (fresh) return entry.profile!;
        throw entry.failure.error;
      }
      return refresh(key, username, domain, forced);
    },
  };
}
