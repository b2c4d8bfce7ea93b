import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../../../src/clock.js";
import { UpstreamError } from "../../../src/errors.js";
import {
  createRemoteProfiles,
  profileTtlMs,
  type RemoteProfiles,
} from "../../../src/federation/index.js";
import { rejection } from "../../helpers/rejection.js";
import { type FakePeers, NOW, outboundStack, startFakePeers } from "./fake-peers.js";

let peers: FakePeers;
const PATH = (user: string) => `/people/${user}`;

beforeAll(async () => {
  // acme.test publishes its profiles under /people by a TXT record.
  peers = await startFakePeers({ "_calendario.acme.test": ["calendario=/people"] });
});
afterAll(() => peers.close());

function profiles(clock = new ManualClock(NOW)): { clock: ManualClock; profiles: RemoteProfiles } {
  const stack = outboundStack(peers, { clock });
  return { clock, profiles: createRemoteProfiles(stack) };
}

const upstreamFailure = (promise: Promise<unknown>) => rejection(promise, UpstreamError);

describe("createRemoteProfiles", () => {
  it("discovers by DNS TXT, fetches, and verifies the proofs against the address's domain", async () => {
    const body = await peers.profile("ann", "acme.test");
    peers.serve("acme.test", PATH("ann"), { body, cacheControl: "public, max-age=300" });
    const { profiles: remote } = profiles();
    const got = await remote.get(peers.address("Ann", "acme.test"));
    expect(got).toMatchObject({
      address: peers.address("ann", "acme.test"),
      username: "ann",
      domain: peers.domain("acme.test"),
      profileUrl: `${peers.origin("acme.test")}/people/ann`,
      profile: body,
      fetchedAt: NOW,
      proofs: {
        self_proof: { status: "valid", signer: body.self },
        organization_proof: { status: "valid", signer: peers.orgs["acme.test"].did },
        representing_proof: { status: "absent" },
      },
    });
    expect(got.etag).toMatch(/^".+"$/);
  });

  it("serves from its cache within max-age, then revalidates with If-None-Match (304)", async () => {
    peers.serve("acme.test", PATH("bea"), {
      body: await peers.profile("bea", "acme.test"),
      cacheControl: "max-age=300",
    });
    const { clock, profiles: remote } = profiles();
    const first = await remote.get(peers.address("bea", "acme.test"));
    clock.advance(299_000);
    expect(await remote.get(peers.address("bea", "acme.test"))).toBe(first);
    expect(peers.count("acme.test", PATH("bea"))).toBe(1);

    clock.advance(2_000);
    const again = await remote.get(peers.address("bea", "acme.test"));
    expect(peers.count("acme.test", PATH("bea"))).toBe(2);
    expect(peers.hits.at(-1)?.ifNoneMatch).toBe(first.etag);
    expect(again.profile).toBe(first.profile);
    expect(again.fetchedAt).toBe(NOW + 301_000);
    // The 304 refreshed its age: another max-age before the next request.
    clock.advance(299_000);
    await remote.get(peers.address("bea", "acme.test"));
    expect(peers.count("acme.test", PATH("bea"))).toBe(2);
  });

  it("keeps an answer without max-age (or no-store) 60 s, and never more than 1 h", () => {
    expect(profileTtlMs(undefined)).toBe(60_000);
    expect(profileTtlMs("no-store")).toBe(60_000);
    expect(profileTtlMs("private, no-cache, max-age=600")).toBe(60_000);
    expect(profileTtlMs("max-age=5")).toBe(60_000);
    expect(profileTtlMs("public, max-age=600")).toBe(600_000);
    expect(profileTtlMs("max-age=86400")).toBe(3_600_000);
  });

  it("backs off a failing peer (5 s, then 10 s), asking nothing in between", async () => {
    peers.serve("acme.test", PATH("cy"), { status: 503, body: {} });
    const { clock, profiles: remote } = profiles();
    const address = peers.address("cy", "acme.test");
    expect((await upstreamFailure(remote.get(address))).code).toBe("peer_unreachable");
    expect((await upstreamFailure(remote.get(address))).code).toBe("peer_unreachable");
    expect((await upstreamFailure(remote.get(address, { forceRefresh: true }))).code).toBe(
      "peer_unreachable",
    );
    expect(peers.count("acme.test", PATH("cy"))).toBe(1);

    clock.advance(5_000);
    await upstreamFailure(remote.get(address));
    expect(peers.count("acme.test", PATH("cy"))).toBe(2);
    clock.advance(9_000);
    await upstreamFailure(remote.get(address));
    expect(peers.count("acme.test", PATH("cy"))).toBe(2);
    clock.advance(1_000);
    peers.serve("acme.test", PATH("cy"), { body: await peers.profile("cy", "acme.test") });
    expect((await remote.get(address)).username).toBe("cy");
    expect(peers.count("acme.test", PATH("cy"))).toBe(3);
  });

  it("lets a forced refresh reach the peer at most once a minute", async () => {
    peers.serve("acme.test", PATH("dee"), {
      body: await peers.profile("dee", "acme.test"),
      cacheControl: "max-age=3600",
    });
    const { clock, profiles: remote } = profiles();
    const address = peers.address("dee", "acme.test");
    await remote.get(address);
    expect(peers.count("acme.test", PATH("dee"))).toBe(1);
    // Right after a fetch, a forced refresh still asks (a key may have just rotated) …
    await remote.get(address, { forceRefresh: true });
    expect(peers.count("acme.test", PATH("dee"))).toBe(2);
    // … but another within the minute does not, however often it is asked for.
    for (let i = 0; i < 5; i++) await remote.get(address, { forceRefresh: true });
    expect(peers.count("acme.test", PATH("dee"))).toBe(2);
    clock.advance(30_000);
    await remote.get(address, { forceRefresh: true });
    expect(peers.count("acme.test", PATH("dee"))).toBe(2);

    clock.advance(30_000);
    await remote.get(address, { forceRefresh: true });
    expect(peers.count("acme.test", PATH("dee"))).toBe(3);
  });

  it("answers peer_unverified for a missing profile or one of someone else", async () => {
    peers.serve("acme.test", PATH("eve"), { body: await peers.profile("mallory", "acme.test") });
    const { profiles: remote } = profiles();
    expect((await upstreamFailure(remote.get(peers.address("eve", "acme.test")))).code).toBe(
      "peer_unverified",
    );
    expect((await upstreamFailure(remote.get(peers.address("nobody", "acme.test")))).code).toBe(
      "peer_unverified",
    );
  });

  it("answers peer_unverified for a profile that repeats a member, whatever its proofs", async () => {
    const body = (await peers.profile("ida", "acme.test")) as Record<string, unknown>;
    const text = JSON.stringify(body).replace(
      `"display_name":${JSON.stringify(body.display_name)}`,
      `"display_name":"The CEO","display_name":${JSON.stringify(body.display_name)}`,
    );
    expect(text).toContain('"display_name":"The CEO"');
    peers.serve("acme.test", PATH("ida"), { text });
    const { profiles: remote } = profiles();
    const failure = await upstreamFailure(remote.get(peers.address("ida", "acme.test")));
    expect(failure.code).toBe("peer_unverified");
    expect(failure.message).toMatch(/repeats the member \/display_name/);
  });

  it("answers peer_unreachable for a domain that does not resolve", async () => {
    const { profiles: remote } = profiles();
    const err = await upstreamFailure(remote.get(`ann@nowhere.test:${peers.port}`));
    expect(err.code).toBe("peer_unreachable");
  });

  it("drops the least recently used address past maxEntries", async () => {
    for (const user of ["fay", "gil"])
      peers.serve("acme.test", PATH(user), {
        body: await peers.profile(user, "acme.test"),
        cacheControl: "max-age=3600",
      });
    const remote = createRemoteProfiles({ ...outboundStack(peers), maxEntries: 1 });
    await remote.get(peers.address("fay", "acme.test"));
    await remote.get(peers.address("gil", "acme.test"));
    await remote.get(peers.address("fay", "acme.test"));
    expect(peers.count("acme.test", PATH("fay"))).toBe(2);
  });
});
