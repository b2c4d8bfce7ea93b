/**
 * Name lookups for everything the node fetches from others (profiles, DID documents,
 * callbacks, webhooks): through CALENDARIO_DNS_SERVERS when set, cached within the record
 * TTL (bounded 60 s–1 h), failures cached briefly. The address guard stays in front:
 * compose with `guardedLookup`, never use this lookup on its own for an outbound socket.
 */
import dns, { type LookupAddress } from "node:dns";
import { Resolver } from "node:dns/promises";
import net, { type LookupFunction } from "node:net";
import { type Clock, systemClock } from "../clock.js";
import type { DnsServer } from "../config.js";

export const MIN_DNS_TTL_MS = 60_000;
export const MAX_DNS_TTL_MS = 60 * 60_000;
/** How long a failed query (NXDOMAIN, no data, timeout) is remembered. */
export const DNS_FAILURE_TTL_MS = 5_000;

export interface OutboundDnsOptions {
  /** Servers to ask; with none, the system resolver (`dns.lookup`, uncached) is used. */
  dnsServers: DnsServer[];
  clock?: Clock;
  timeoutMs?: number;
  maxEntries?: number;
}

export function clampTtlMs(seconds: number): number {
  const ms = Number.isFinite(seconds) ? seconds * 1000 : 0;
  return Math.min(MAX_DNS_TTL_MS, Math.max(MIN_DNS_TTL_MS, ms));
}

/** A `node:dns` Resolver asking `servers` (`host:port`, IPv6 hosts bracketed). */
export function dnsResolver(servers: DnsServer[], timeoutMs = 2000): Resolver {
  const resolver = new Resolver({ timeout: timeoutMs, tries: 1 });
  if (servers.length > 0)
    resolver.setServers(
      servers.map((s) => (s.host.includes(":") ? `[${s.host}]:${s.port}` : `${s.host}:${s.port}`)),
    );
  return resolver;
}

type Outcome<T> = { ok: true; value: T } | { ok: false; error: Error };

/** Answers remembered until `expiresAt`, the oldest dropped past `maxEntries`; one query per key at a time. */
export function createAnswerCache<T>(clock: Clock, maxEntries: number) {
  const entries = new Map<string, { outcome: Outcome<T>; expiresAt: number }>();
  const inFlight = new Map<string, Promise<T>>();

  function remember(key: string, outcome: Outcome<T>, ttlMs: number): void {
    entries.delete(key);
    entries.set(key, { outcome, expiresAt: clock.now() + ttlMs });
    while (entries.size > maxEntries) {
      const oldest = entries.keys().next().value;
      if (oldest === undefined) break;
      entries.delete(oldest);
    }
  }

  /** `query` answers the value and how long (ms) it may be kept. */
  function get(key: string, query: () => Promise<{ value: T; ttlMs: number }>): Promise<T> {
    const entry = entries.get(key);
    if (entry && entry.expiresAt > clock.now()) {
      if (entry.outcome.ok) return Promise.resolve(entry.outcome.value);
      return Promise.reject(entry.outcome.error);
    }
    let pending = inFlight.get(key);
    if (!pending) {
      pending = query()
        .then(
          ({ value, ttlMs }) => {
            remember(key, { ok: true, value }, ttlMs);
            return value;
          },
          (error: Error) => {
            remember(key, { ok: false, error }, DNS_FAILURE_TTL_MS);
            throw error;
          },
        )
        .finally(() => inFlight.delete(key));
      inFlight.set(key, pending);
    }
    return pending;
  }

  return { get };
}

function notFound(hostname: string, cause?: unknown): Error {
  return Object.assign(new Error(`queryA ENOTFOUND ${hostname}`, { cause }), {
    code: "ENOTFOUND",
    errno: undefined,
    syscall: "queryA",
    hostname,
  });
}

type LookupCallback = (
  err: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/**
 * A `dns.lookup`-compatible function: A and AAAA through `dnsServers`, cached within the
 * record TTL (bounded 60 s–1 h) and failures for 5 s; IP literals are answered as they are.
 * `options.family` (4, 6 or 0) and `options.all` are honoured; IPv4 addresses come first.
 */
export function createOutboundLookup(opts: OutboundDnsOptions): LookupFunction {
  if (opts.dnsServers.length === 0) return dns.lookup as unknown as LookupFunction;
  const clock = opts.clock ?? systemClock;
  const resolver = dnsResolver(opts.dnsServers, opts.timeoutMs);
  const cache = createAnswerCache<LookupAddress[]>(clock, opts.maxEntries ?? 10_000);

  const query = (hostname: string, family: 4 | 6) =>
    cache.get(`${family}:${hostname}`, async () => {
      const records =
        family === 4
          ? await resolver.resolve4(hostname, { ttl: true })
          : await resolver.resolve6(hostname, { ttl: true });
      if (records.length === 0) throw notFound(hostname);
      return {
        value: records.map((r) => ({ address: r.address, family })),
        ttlMs: clampTtlMs(Math.min(...records.map((r) => r.ttl))),
      };
    });

  async function resolveAll(hostname: string, family: number): Promise<LookupAddress[]> {
    const families: (4 | 6)[] = family === 4 ? [4] : family === 6 ? [6] : [4, 6];
    const answers = await Promise.allSettled(families.map((f) => query(hostname, f)));
    const addresses = answers.flatMap((a) => (a.status === "fulfilled" ? a.value : []));
    if (addresses.length > 0) return addresses;
    const failure = answers.find((a) => a.status === "rejected");
    const error = failure?.status === "rejected" ? (failure.reason as NodeJS.ErrnoException) : null;
    // No data for either family is "not found", as getaddrinfo says it.
    if (!error || error.code === "ENODATA" || error.code === "ENOTFOUND")
      throw notFound(hostname, error ?? undefined);
    throw error;
  }

  const lookup = (hostname: string, options: unknown, callback?: LookupCallback) => {
    const cb = (typeof options === "function" ? options : callback) as LookupCallback;
    const o = (typeof options === "object" && options !== null ? options : {}) as {
      family?: number | string;
      all?: boolean;
    };
    const rawFamily = typeof options === "number" ? options : o.family;
    const family =
      rawFamily === "IPv4" ? 4 : rawFamily === "IPv6" ? 6 : Number(rawFamily ?? 0) || 0;
    const answer = (addresses: LookupAddress[]) => {
      if (o.all) return cb(null, addresses);
      const first = addresses[0]!;
      cb(null, first.address, first.family);
    };
    const literal = net.isIP(hostname);
    if (literal) {
      process.nextTick(() => answer([{ address: hostname, family: literal }]));
      return;
    }
    resolveAll(hostname.toLowerCase().replace(/\.$/, ""), family).then(answer, (err) =>
      cb(err as NodeJS.ErrnoException, o.all ? [] : "", 0),
    );
  };
  return lookup as unknown as LookupFunction;
}

/** TXT lookups as discovery makes them: the records, each a list of character-strings. */
export interface TxtResolver {
  resolveTxt(name: string): Promise<string[][]>;
}

/**
 * TXT records through `dnsServers` (the system's servers with none), cached for 60 s.
 * node:dns does not report a TXT record's TTL; 60 s, the lower bound, is never longer
 * than any record's bounded TTL. Failures are remembered for 5 s.
 */
export function createTxtResolver(opts: OutboundDnsOptions): TxtResolver {
  const clock = opts.clock ?? systemClock;
  const resolver = dnsResolver(opts.dnsServers, opts.timeoutMs);
  const cache = createAnswerCache<string[][]>(clock, opts.maxEntries ?? 10_000);
  return {
    resolveTxt: (name) =>
      cache.get(name.toLowerCase(), async () => ({
        value: await resolver.resolveTxt(name),
        ttlMs: MIN_DNS_TTL_MS,
      })),
  };
}
