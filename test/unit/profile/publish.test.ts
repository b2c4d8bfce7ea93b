import type { DIDDocument } from "did-resolver";
import { beforeAll, describe, expect, it } from "vitest";
import { InvalidRequestError } from "../../../src/errors.js";
import {
  buildDidWebDocument,
  type DidResolver,
  generateEd25519Jwk,
  orgSigner,
  type Signer,
} from "../../../src/identity/index.js";
import { verifyProfileProofs } from "../../../src/profile/proofs.js";
import { type PublishDeps, publishDepsFor, publishProfile } from "../../../src/profile/publish.js";
import { resolverOverDocs } from "../../helpers/did-docs.js";
import { sampleProfileInput } from "../../helpers/profile-input.js";

const NOW = Date.parse("2026-11-21T12:00:00Z");
const didDocs = new Map<string, DIDDocument>();

function resolver(): DidResolver {
  return resolverOverDocs(didDocs, NOW);
}

let org: Signer;
let orgKey: Awaited<ReturnType<typeof generateEd25519Jwk>>["privateJwk"];

function depsFor(publicUrl: string, signer = org): PublishDeps {
  return publishDepsFor(orgKey, {
    publicUrl,
    orgSigner: signer,
    resolver: resolver(),
    now: () => NOW,
  });
}

const jane = sampleProfileInput("jane");

beforeAll(async () => {
  orgKey = (await generateEd25519Jwk()).privateJwk;
  org = await orgSigner("acme.example", orgKey);
  didDocs.set(
    "https://acme.example/.well-known/did.json",
    buildDidWebDocument(org.did, [org.publicJwk]),
  );
});

describe("publishProfile", () => {
  it("signs a custodial profile whose proofs both verify", async () => {
    const published = await publishProfile("jane", jane, depsFor("https://acme.example"));
    const report = await verifyProfileProofs(published.profile, { resolver: resolver() });
    expect(report.self_proof.status).toBe("valid");
    expect(report.organization_proof.status).toBe("valid");
    expect(JSON.parse(published.body)).toEqual(published.profile);
  });

  it("refuses, for every profile, an organization key not bound to PUBLIC_URL's host", async () => {
    const deps = depsFor("https://other.example");
    for (const username of ["jane", "john"]) {
      const err = await publishProfile(username, { ...jane, username }, deps).catch((e) => e);
      expect(err).toBeInstanceOf(InvalidRequestError);
      expect(err.message).toMatch(/^organization_proof does not verify: signed by did:web:acme/);
    }
  });
});
