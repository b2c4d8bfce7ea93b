/**
 * Everything the node needs to reach other organizations, built once: DNS through the
 * configured servers (cached within TTL), the SSRF-safe fetch on top of it, and the
 * discovery options that read TXT records through the same servers.
 */
import type { LookupFunction } from "node:net";
import type { Clock } from "../clock.js";
import type { DnsServer } from "../config.js";
import type { DiscoveryOptions } from "./discovery.js";
import { createOutboundLookup, createTxtResolver } from "./dns-lookup.js";
import { createSafeFetch, type SafeFetch } from "./safe-fetch.js";

export interface Outbound {
  /** A `dns.lookup` for sockets; the address guard sits in front of it where it is used. */
  lookup: LookupFunction;
  fetch: SafeFetch;
  discovery: DiscoveryOptions;
}

export function createOutbound(opts: {
  dnsServers: DnsServer[];
  allowInsecure: boolean;
  clock: Clock;
  /** Tests: names resolved without a DNS server. */
  lookup?: LookupFunction;
}): Outbound {
  const lookup =
    opts.lookup ?? createOutboundLookup({ dnsServers: opts.dnsServers, clock: opts.clock });
  return {
    lookup,
    fetch: createSafeFetch({ allowInsecure: opts.allowInsecure, lookup }),
    discovery: {
      dnsServers: opts.dnsServers,
      allowInsecure: opts.allowInsecure,
      txt: createTxtResolver({ dnsServers: opts.dnsServers, clock: opts.clock }),
    },
  };
}
