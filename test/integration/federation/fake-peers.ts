/**
 * Peers on loopback for the federation tests: one plain-http server that answers as
 * several hosts (acme.test, globex.test, evil.test, … on one port, told apart by the
 * Host header), serving each host's organization DID document and the profiles put in
 * its table, with ETag and Cache-Control; and a DNS server pointing the names at
 * 127.0.0.1. Addresses carry the port: `jane@acme.test:<port>`.
 */
import { createHash } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { type Clock, ManualClock } from "../../../src/clock.js";
import {
  createOutboundLookup,
  createSafeFetch,
  type DiscoveryOptions,
  type SafeFetch,
} from "../../../src/federation/index.js";
import {
  buildDidWebDocument,
  createDidResolver,
  type DidResolver,
  didKeySigner,
  generateEd25519Jwk,
  orgSigner,
  type Signer,
} from "../../../src/identity/index.js";
import { signProfile } from "../../../src/profile/index.js";
import { startDnsServer, type TestDnsServer } from "../../helpers/dns-server.js";

export const NOW = Date.parse("2026-11-21T12:00:00Z");
export const HOSTS = ["acme.test", "globex.test", "evil.test", "victim.test"] as const;
export type HostName = (typeof HOSTS)[number];

export interface Served {
  status?: number;
  body?: unknown;
  /** The exact text to answer instead of `body` serialized (e.g. JSON with a repeated member). */
  text?: string;
  cacheControl?: string;
}

export interface FakePeers {
  port: number;
  dns: TestDnsServer;
  /** `<name>:<port>`, the domain of an address. */
  domain(host: HostName): string;
  address(user: string, host: HostName): string;
  origin(host: HostName): string;
  orgs: Record<HostName, Signer>;
  /** `<host>:<port><path>` → what to answer. */
  routes: Map<string, Served>;
  serve(host: HostName, path: string, answer: Served): void;
  /** Requests seen: `{ host, path, ifNoneMatch }`. */
  hits: { host: string; path: string; ifNoneMatch?: string }[];
  count(host: HostName, path: string): number;
  /** A signed profile of `user` at `host` (organization `http://<host>`, signed by its org). */
  profile(
    user: string,
    host: HostName,
    opts?: { self?: Signer; organization?: HostName; orgSigner?: Signer; extra?: object },
  ): Promise<Record<string, unknown>>;
  dnsServers(): { host: string; port: number }[];
  close(): Promise<void>;
}

export async function startFakePeers(txt: Record<string, string[]> = {}): Promise<FakePeers> {
  const routes = new Map<string, Served>();
  const hits: FakePeers["hits"] = [];
  const server = http.createServer((req, res) => {
    const host = (req.headers.host ?? "").toLowerCase();
    const path = new URL(req.url ?? "/", "http://x").pathname;
    const ifNoneMatch = req.headers["if-none-match"];
    hits.push({ host, path, ...(ifNoneMatch ? { ifNoneMatch } : {}) });
    const served = routes.get(`${host}${path}`);
    if (!served) {
      res.writeHead(404, { "content-type": "application/json" });
      return res.end('{"error":{"code":"not_found"}}');
    }
    const body = served.text ?? JSON.stringify(served.body ?? {});
    const etag = `"${createHash("sha256").update(body).digest("base64url").slice(0, 16)}"`;
    const headers: Record<string, string> = { "content-type": "application/json", etag };
    if (served.cacheControl) headers["cache-control"] = served.cacheControl;
    const status = served.status ?? 200;
    if (status === 200 && ifNoneMatch === etag) {
      res.writeHead(304, headers);
      return res.end();
    }
    res.writeHead(status, headers);
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const domain = (host: HostName) => `${host}:${port}`;

  const orgs = {} as Record<HostName, Signer>;
  for (const host of HOSTS) {
    orgs[host] = await orgSigner(domain(host), (await generateEd25519Jwk()).privateJwk);
    routes.set(`${domain(host)}/.well-known/did.json`, {
      body: buildDidWebDocument(orgs[host].did, [orgs[host].publicJwk]),
    });
  }

  const dns = await startDnsServer(
    Object.fromEntries(
      Object.entries(txt).map(([name, values]) => [
        name,
        values.map((v) => v.replace("{port}", String(port))),
      ]),
    ),
    { a: Object.fromEntries(HOSTS.map((h) => [h, ["127.0.0.1"]])) },
  );

  return {
    port,
    dns,
    domain,
    address: (user, host) => `${user}@${domain(host)}`,
    origin: (host) => `http://${domain(host)}`,
    orgs,
    routes,
    serve: (host, path, answer) => routes.set(`${domain(host)}${path}`, answer),
    hits,
    count: (host, path) => hits.filter((h) => h.host === domain(host) && h.path === path).length,
    async profile(user, host, opts = {}) {
      const self = opts.self ?? (await didKeySigner((await generateEd25519Jwk()).privateJwk));
      const organization = `http://${domain(opts.organization ?? host)}`;
      const unsigned = {
        version: "0.1",
        username: user,
        display_name: user,
        self: self.did,
        organization,
        timezone: "UTC",
        visibility: "public",
        scheduling: [{ type: "weekly", days: ["monday"], hours: ["09:00-12:00"] }],
        response_channel: { human_ack_required: false },
        ...opts.extra,
      };
      return signProfile(unsigned, {
        self,
        organization: opts.orgSigner ?? orgs[opts.organization ?? host],
        now: NOW,
      });
    },
    dnsServers: () => [{ host: "127.0.0.1", port: dns.port }],
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await dns.close();
    },
  };
}

/** What a node would wire: the outbound lookup behind the safe fetch, a resolver on top. */
export function outboundStack(
  peers: FakePeers,
  opts: { clock?: Clock; allowInsecure?: boolean; didAllowInsecure?: boolean } = {},
): {
  clock: Clock;
  fetch: SafeFetch;
  resolver: DidResolver;
  discovery: DiscoveryOptions;
} {
  const clock = opts.clock ?? new ManualClock(NOW);
  const lookup = createOutboundLookup({ dnsServers: peers.dnsServers(), clock });
  const allowInsecure = opts.allowInsecure ?? true;
  const fetch = createSafeFetch({ allowInsecure, lookup, timeoutMs: 2000 });
  const didInsecure = opts.didAllowInsecure ?? allowInsecure;
  const didFetch =
    didInsecure === allowInsecure
      ? fetch
      : createSafeFetch({ allowInsecure: didInsecure, lookup, timeoutMs: 2000 });
  const resolver = createDidResolver({
    fetchJson: didFetch.fetchJson,
    clock,
    allowInsecure: didInsecure,
  });
  return {
    clock,
    fetch,
    resolver,
    discovery: { dnsServers: peers.dnsServers(), allowInsecure, timeoutMs: 1000 },
  };
}
