/**
 * Requester binding (DESIGN "Federation: booking across nodes"): real peers on loopback,
 * found through a real DNS server.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../../../src/clock.js";
import { AppError } from "../../../src/errors.js";
import {
  bindRequester,
  createRemoteProfiles,
  type RemoteProfiles,
} from "../../../src/federation/index.js";
import { didKeySigner, generateEd25519Jwk, type Signer } from "../../../src/identity/index.js";
import { rejection } from "../../helpers/rejection.js";
import { type FakePeers, NOW, outboundStack, startFakePeers } from "./fake-peers.js";

let peers: FakePeers;
const WELL_KNOWN = (user: string) => `/.well-known/calendario/${user}`;
const newSigner = async () => didKeySigner((await generateEd25519Jwk()).privateJwk);

beforeAll(async () => {
  peers = await startFakePeers({
    // victim.test delegates discovery to evil.test, which serves copies of others' profiles.
    "_calendario.victim.test": ["calendario=http://evil.test:{port}/copies"],
  });
});
afterAll(() => peers.close());

function remote(clock = new ManualClock(NOW)): RemoteProfiles {
  return createRemoteProfiles(outboundStack(peers, { clock }));
}

const refusal = (promise: Promise<unknown>) => rejection(promise, AppError);

/** Serves a profile of `user` at acme.test (the default path) signed as given; answers its self signer. */
async function publish(
  user: string,
  opts: Parameters<FakePeers["profile"]>[2] = {},
): Promise<{ self: Signer; body: Record<string, unknown> }> {
  const self = opts.self ?? (await newSigner());
  const body = await peers.profile(user, "acme.test", { ...opts, self });
  peers.serve("acme.test", WELL_KNOWN(user), { body, cacheControl: "max-age=300" });
  return { self, body };
}

describe("bindRequester", () => {
  it("binds a requester whose token is issued by the profile's self", async () => {
    const { self } = await publish("jane");
    const bound = await bindRequester(
      { profiles: remote() },
      { address: peers.address("jane", "acme.test"), iss: self.did },
    );
    expect(bound).toMatchObject({
      address: peers.address("jane", "acme.test"),
      did: self.did,
      speaksAs: "self",
    });
    expect(bound.profile.profile.self).toBe(self.did);
  });

  it("binds a requester whose organization speaks for them (iss did:web:<domain> with %3A port)", async () => {
    await publish("olga");
    const iss = `did:web:acme.test%3A${peers.port}`;
    expect(peers.orgs["acme.test"].did).toBe(iss);
    const bound = await bindRequester(
      { profiles: remote() },
      { address: peers.address("olga", "acme.test"), iss },
    );
    expect(bound).toMatchObject({ did: iss, speaksAs: "organization" });
  });

  it("refuses a profile whose organization_proof is signed by another organization", async () => {
    const { self } = await publish("bob", { orgSigner: peers.orgs["globex.test"] });
    const err = await refusal(
      bindRequester(
        { profiles: remote() },
        { address: peers.address("bob", "acme.test"), iss: self.did },
      ),
    );
    expect(err.code).toBe("requester_unverified");
  });

  it("refuses a profile claiming an organization on another domain, validly signed by it", async () => {
    const { self } = await publish("carl", { organization: "globex.test" });
    const err = await refusal(
      bindRequester(
        { profiles: remote() },
        { address: peers.address("carl", "acme.test"), iss: self.did },
      ),
    );
    expect(err.code).toBe("requester_unverified");
    expect(err.message).toMatch(/organization/);
  });

  it("refuses a profile without an organization_proof", async () => {
    const self = await newSigner();
    const body = await peers.profile("una", "acme.test", { self });
    delete body.organization_proof;
    peers.serve("acme.test", WELL_KNOWN("una"), { body });
    const err = await refusal(
      bindRequester(
        { profiles: remote() },
        { address: peers.address("una", "acme.test"), iss: self.did },
      ),
    );
    expect(err.code).toBe("requester_unverified");
  });

  it("refuses an organization_proof by an alias (alsoKnownAs) of the domain's DID", async () => {
    // victim.test's DID document lists globex.test's DID as an alias; the binding wants victim.test's own.
    const victimDid = `${peers.domain("victim.test")}/.well-known/did.json`;
    const doc = peers.routes.get(victimDid)!;
    peers.routes.set(victimDid, {
      body: { ...(doc.body as object), alsoKnownAs: [peers.orgs["globex.test"].did] },
    });
    try {
      const self = await newSigner();
      const body = await peers.profile("al", "victim.test", {
        self,
        orgSigner: peers.orgs["globex.test"],
      });
      peers.serve("evil.test", "/copies/al", { body });
      const profiles = remote();
      const address = peers.address("al", "victim.test");
      expect((await profiles.get(address)).proofs.organization_proof.status).toBe("valid");
      const err = await refusal(bindRequester({ profiles }, { address, iss: self.did }));
      expect(err.code).toBe("requester_unverified");
      expect(err.message).toMatch(/is by did:web:globex\.test/);
    } finally {
      peers.routes.set(victimDid, doc);
    }
  });

  it("refuses a TXT delegation to an attacker's host serving a copied profile", async () => {
    // dave@globex.test's genuine profile, copied to evil.test for dave@victim.test.
    const self = await newSigner();
    const genuine = await peers.profile("dave", "globex.test", { self });
    peers.serve("globex.test", WELL_KNOWN("dave"), { body: genuine });
    peers.serve("evil.test", "/copies/dave", { body: genuine });
    const profiles = remote();
    expect(
      await bindRequester(
        { profiles },
        { address: peers.address("dave", "globex.test"), iss: self.did },
      ),
    ).toMatchObject({ speaksAs: "self" });

    const address = peers.address("dave", "victim.test");
    const err = await refusal(bindRequester({ profiles }, { address, iss: self.did }));
    expect(err.code).toBe("requester_unverified");
    expect(peers.count("evil.test", "/copies/dave")).toBeGreaterThan(0);
    // The organization's DID is no way out either.
    const asOrg = await refusal(
      bindRequester({ profiles }, { address, iss: peers.orgs["globex.test"].did }),
    );
    expect(asOrg.code).toBe("requester_unverified");
  });

  it("refuses an iss that is neither the profile's self nor the domain's DID", async () => {
    await publish("ivy");
    const profiles = remote();
    for (const iss of [
      (await newSigner()).did,
      peers.orgs["globex.test"].did,
      `did:web:acme.test`, // the port is part of the domain
    ]) {
      const err = await refusal(
        bindRequester({ profiles }, { address: peers.address("ivy", "acme.test"), iss }),
      );
      expect(err.code).toBe("requester_unverified");
    }
  });

  it("refetches a cached profile once when it does not bind (a peer that just changed keys)", async () => {
    const clock = new ManualClock(NOW);
    const profiles = remote(clock);
    const address = peers.address("kim", "acme.test");
    await publish("kim");
    await bindRequester({ profiles }, { address, iss: peers.orgs["acme.test"].did });
    expect(peers.count("acme.test", WELL_KNOWN("kim"))).toBe(1);

    clock.advance(61_000);
    const { self: rotated } = await publish("kim");
    const bound = await bindRequester({ profiles }, { address, iss: rotated.did });
    expect(bound.speaksAs).toBe("self");
    expect(peers.count("acme.test", WELL_KNOWN("kim"))).toBe(2);

    // Inside the minute a refused iss costs no further fetch.
    const err = await refusal(
      bindRequester({ profiles }, { address, iss: (await newSigner()).did }),
    );
    expect(err.code).toBe("requester_unverified");
    expect(peers.count("acme.test", WELL_KNOWN("kim"))).toBe(2);
  });

  it("answers peer_unreachable when the requester's profile cannot be fetched", async () => {
    const err = await refusal(
      bindRequester(
        { profiles: remote() },
        { address: `ann@nowhere.test:${peers.port}`, iss: (await newSigner()).did },
      ),
    );
    expect(err.code).toBe("peer_unreachable");
  });

  it("fetches nothing from a DID document at a private address without CALENDARIO_ALLOW_INSECURE", async () => {
    const { self } = await publish("priv");
    const did = "/.well-known/did.json";
    const before = peers.count("acme.test", did);
    // Profiles over plain http on loopback (a test convenience), DID documents strictly.
    const profiles = createRemoteProfiles(
      outboundStack(peers, { allowInsecure: true, didAllowInsecure: false }),
    );
    const err = await refusal(
      bindRequester({ profiles }, { address: peers.address("priv", "acme.test"), iss: self.did }),
    );
    expect(err.code).toBe("peer_unreachable");
    expect(err.message).toMatch(/did:web:acme\.test%3A.*not a public address/);
    expect(peers.count("acme.test", did)).toBe(before);
    expect(peers.count("acme.test", WELL_KNOWN("priv"))).toBe(1);
  });
});
