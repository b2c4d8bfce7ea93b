import type { LookupAddress } from "node:dns";
import type { LookupFunction } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../../../src/clock.js";
import {
  createOutboundLookup,
  createTxtResolver,
  discoverProfile,
  guardedLookup,
  isPublicUnicastAddress,
} from "../../../src/federation/index.js";
import { startDnsServer, type TestDnsServer } from "../../helpers/dns-server.js";

let dns: TestDnsServer;
const NOW = Date.parse("2026-11-21T12:00:00Z");

beforeAll(async () => {
  dns = await startDnsServer(
    { "_calendario.acme.test": ["calendario=/cal"] },
    {
      a: {
        "public.test": ["93.184.215.14"],
        "both.test": ["93.184.215.14"],
        "loop.test": ["127.0.0.1"],
        "short.test": ["93.184.215.15"],
        "v6only.test": [],
      },
      aaaa: { "both.test": ["2606:2800:21f:cb07:6820:80da:af6b:8b2c"] },
    },
  );
});
afterAll(() => dns.close());

const servers = () => [{ host: "127.0.0.1", port: dns.port }];

function lookupAll(lookup: LookupFunction, host: string, family = 0): Promise<LookupAddress[]> {
  return new Promise((resolve, reject) =>
    lookup(host, { all: true, family }, (err, addresses) =>
      err ? reject(err) : resolve(addresses as unknown as LookupAddress[]),
    ),
  );
}

function lookupOne(lookup: LookupFunction, host: string): Promise<[string, number]> {
  return new Promise((resolve, reject) =>
    lookup(host, {}, (err, address, family) =>
      err ? reject(err) : resolve([address as string, family as number]),
    ),
  );
}

describe("createOutboundLookup (A/AAAA over UDP on loopback)", () => {
  it("answers A and AAAA records, IPv4 first, honouring all and family", async () => {
    const lookup = createOutboundLookup({ dnsServers: servers(), clock: new ManualClock(NOW) });
    expect(await lookupAll(lookup, "both.test")).toEqual([
      { address: "93.184.215.14", family: 4 },
      { address: "2606:2800:21f:cb07:6820:80da:af6b:8b2c", family: 6 },
    ]);
    expect(await lookupAll(lookup, "both.test", 6)).toEqual([
      { address: "2606:2800:21f:cb07:6820:80da:af6b:8b2c", family: 6 },
    ]);
    expect(await lookupOne(lookup, "public.test")).toEqual(["93.184.215.14", 4]);
  });

  it("answers IP literals as they are, asking nobody", async () => {
    const lookup = createOutboundLookup({ dnsServers: servers() });
    const before = dns.queries.length;
    expect(await lookupOne(lookup, "10.1.2.3")).toEqual(["10.1.2.3", 4]);
    expect(await lookupAll(lookup, "::1")).toEqual([{ address: "::1", family: 6 }]);
    expect(dns.queries.length).toBe(before);
  });

  it("caches an answer within its TTL and asks again once it has passed", async () => {
    const clock = new ManualClock(NOW);
    const lookup = createOutboundLookup({ dnsServers: servers(), clock });
    await lookupOne(lookup, "public.test");
    const asked = dns.count("public.test", "A");
    await lookupOne(lookup, "public.test");
    clock.advance(299_000);
    await lookupOne(lookup, "public.test");
    expect(dns.count("public.test", "A")).toBe(asked);
    clock.advance(2_000);
    await lookupOne(lookup, "public.test");
    expect(dns.count("public.test", "A")).toBe(asked + 1);
  });

  it("keeps a short-TTL answer for 60 s, the lower bound", async () => {
    const clock = new ManualClock(NOW);
    const lookup = createOutboundLookup({ dnsServers: servers(), clock });
    dns.ttl = 5;
    try {
      await lookupOne(lookup, "short.test");
    } finally {
      dns.ttl = 300;
    }
    clock.advance(59_000);
    await lookupOne(lookup, "short.test");
    expect(dns.count("short.test", "A")).toBe(1);
    clock.advance(2_000);
    await lookupOne(lookup, "short.test");
    expect(dns.count("short.test", "A")).toBe(2);
  });

  it("fails NXDOMAIN with ENOTFOUND, remembers the failure for 5 s", async () => {
    const clock = new ManualClock(NOW);
    const lookup = createOutboundLookup({ dnsServers: servers(), clock });
    await expect(lookupOne(lookup, "nowhere.test")).rejects.toMatchObject({ code: "ENOTFOUND" });
    await expect(lookupOne(lookup, "nowhere.test")).rejects.toMatchObject({ code: "ENOTFOUND" });
    expect(dns.count("nowhere.test", "A")).toBe(1);
    clock.advance(5_001);
    await expect(lookupOne(lookup, "nowhere.test")).rejects.toMatchObject({ code: "ENOTFOUND" });
    expect(dns.count("nowhere.test", "A")).toBe(2);
  });

  it("fails a known name without addresses with ENOTFOUND", async () => {
    const lookup = createOutboundLookup({ dnsServers: servers() });
    await expect(lookupOne(lookup, "v6only.test")).rejects.toMatchObject({ code: "ENOTFOUND" });
  });

  it("stays behind the address guard: a name resolving to 127.0.0.1 is refused", async () => {
    const lookup = guardedLookup(
      createOutboundLookup({ dnsServers: servers() }),
      isPublicUnicastAddress,
      (reason, message) => Object.assign(new Error(message), { reason }),
    );
    await expect(lookupOne(lookup, "loop.test")).rejects.toMatchObject({
      reason: "forbidden_address",
    });
    expect(await lookupOne(lookup, "public.test")).toEqual(["93.184.215.14", 4]);
  });
});

describe("createTxtResolver with discovery", () => {
  it("caches TXT records for 60 s", async () => {
    const clock = new ManualClock(NOW);
    const txt = createTxtResolver({ dnsServers: servers(), clock });
    const opts = { txt };
    const first = await discoverProfile("jane@acme.test", opts);
    expect(first?.profileUrl).toBe("https://acme.test/cal/jane");
    await discoverProfile("joe@acme.test", opts);
    expect(dns.count("_calendario.acme.test", "TXT")).toBe(1);
    clock.advance(61_000);
    await discoverProfile("jane@acme.test", opts);
    expect(dns.count("_calendario.acme.test", "TXT")).toBe(2);
  });
});
