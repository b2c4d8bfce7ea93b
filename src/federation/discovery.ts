/**
 * Finds where a person's Calendario profile lives, from DNS TXT records
 * (`_calendario.<domain>`, then `<domain>`), like atproto's handle resolver: string
 * chunks are joined, exactly one `calendario=` record must match, lookups time out, and
 * any failure means "no record" rather than an error. A `txt` resolver from
 * `createTxtResolver` caches the records (within their bounded TTL); without one, every
 * discovery asks again.
 */
import type { DnsServer } from "../config.js";
import { dnsResolver, type TxtResolver } from "./dns-lookup.js";

export const TXT_PREFIX = "calendario=";
const DEFAULT_PATH = "/.well-known/calendario";

export interface DiscoveryOptions {
  dnsServers?: DnsServer[];
  timeoutMs?: number;
  /** Plain http for the profile URL (tests and local development only). */
  allowInsecure?: boolean;
  /** Cached TXT lookups (`createTxtResolver`); `dnsServers` and `timeoutMs` are then its own. */
  txt?: TxtResolver;
}

export interface DiscoveredProfile {
  username: string;
  domain: string;
  /** Base URL that `/<username>` is appended to. */
  base: string;
  profileUrl: string;
  /** Where the base came from. */
  via: "txt" | "default";
  txtName?: string;
}

const ADDRESS_RE =
  /^([a-z0-9](?:[a-z0-9._-]{0,62}[a-z0-9])?)@((?:[a-z0-9-]+\.)*[a-z0-9-]+(?::\d{1,5})?)$/i;

export function parseAddress(address: string): { username: string; domain: string } | undefined {
  const m = ADDRESS_RE.exec(address.trim());
  return m ? { username: m[1]!.toLowerCase(), domain: m[2]!.toLowerCase() } : undefined;
}

async function lookupTxt(resolver: TxtResolver, name: string): Promise<string[] | undefined> {
  try {
    const records = await resolver.resolveTxt(name);
    const values = records.map((chunks) => chunks.join("")).filter((v) => v.startsWith(TXT_PREFIX));
    // Zero or several matching records both mean "no usable record here".
    return values.length === 1 ? [values[0]!.slice(TXT_PREFIX.length).trim()] : undefined;
  } catch {
    return undefined;
  }
}

function baseFromRecord(value: string, origin: string, allowInsecure: boolean): string | undefined {
  if (value.startsWith("/")) {
    if (value.startsWith("//")) return undefined;
    return `${origin}${value.replace(/\/+$/, "")}`;
  }
  try {
    const url = new URL(value);
    if (url.protocol !== "https:" && !(allowInsecure && url.protocol === "http:")) return undefined;
    if (url.search || url.hash || url.username) return undefined;
    return url.href.replace(/\/+$/, "");
  } catch {
    return undefined;
  }
}

export async function discoverProfile(
  address: string,
  opts: DiscoveryOptions = {},
): Promise<DiscoveredProfile | undefined> {
  const parsed = parseAddress(address);
  if (!parsed) return undefined;
  const { username, domain } = parsed;
  const host = domain.replace(/:\d+$/, "");
  const origin = `${opts.allowInsecure ? "http" : "https"}://${domain}`;
  const resolver = opts.txt ?? dnsResolver(opts.dnsServers ?? [], opts.timeoutMs ?? 2000);
  for (const name of [`_calendario.${host}`, host]) {
    const record = await lookupTxt(resolver, name);
    const base = record && baseFromRecord(record[0]!, origin, opts.allowInsecure ?? false);
    if (base)
      return {
        username,
        domain,
        base,
        profileUrl: `${base}/${username}`,
        via: "txt",
        txtName: name,
      };
  }
  const base = `${origin}${DEFAULT_PATH}`;
  return { username, domain, base, profileUrl: `${base}/${username}`, via: "default" };
}
