import { describe, expect, it } from "vitest";
import {
  buildDidWebDocument,
  DidResolutionError,
  didWebForDomain,
  didWebHost,
  didWebToUrls,
  findVerificationKey,
  generateEd25519Jwk,
  jwkThumbprint,
} from "../../../src/identity/index.js";

describe("didWebForDomain", () => {
  it.each([
    ["acme.example", "did:web:acme.example"],
    ["Acme.Example", "did:web:acme.example"],
    ["localhost:8080", "did:web:localhost%3A8080"],
    ["node-1.test:4000", "did:web:node-1.test%3A4000"],
  ])("maps %s to %s", (domain, did) => {
    expect(didWebForDomain(domain)).toBe(did);
  });

  it.each([
    "",
    "acme.example/path",
    "user@acme.example",
    "acme.example:99999",
    "-bad.example",
    "[::1]",
  ])("refuses %j", (domain) => {
    expect(() => didWebForDomain(domain)).toThrow(DidResolutionError);
  });
});

describe("didWebToUrls", () => {
  it.each([
    ["did:web:acme.example", "https://acme.example/.well-known/did.json"],
    ["did:web:localhost%3A8080", "https://localhost:8080/.well-known/did.json"],
    ["did:web:w3c-ccg.github.io:user:alice", "https://w3c-ccg.github.io/user/alice/did.json"],
    ["did:web:example.com%3A3000:user:alice", "https://example.com:3000/user/alice/did.json"],
  ])("maps %s to %s", (did, url) => {
    expect(didWebToUrls(did)).toEqual([url]);
  });

  it("adds the plain-http URL after the https one only when insecure use is allowed", () => {
    expect(didWebToUrls("did:web:localhost%3A8080", { allowInsecure: true })).toEqual([
      "https://localhost:8080/.well-known/did.json",
      "http://localhost:8080/.well-known/did.json",
    ]);
  });

  it.each([
    "did:key:z6Mk",
    "did:web:",
    "did:web:acme.example::x",
    "did:web:acme.example:..",
    "did:web:acme.example:a/b",
    "did:web:acme.example%2Fevil",
    "did:web:evil.example%40acme.example",
  ])("refuses %s", (did) => {
    expect(() => didWebToUrls(did)).toThrow(DidResolutionError);
  });

  it("reads the host of a did:web back", () => {
    expect(didWebHost("did:web:localhost%3A8080")).toBe("localhost:8080");
  });
});

describe("buildDidWebDocument", () => {
  it("lists each key as a JsonWebKey2020 named by its thumbprint, for assertion and authentication", async () => {
    const { privateJwk, publicJwk } = await generateEd25519Jwk();
    const did = "did:web:acme.example";
    const doc = buildDidWebDocument(did, [privateJwk]);
    const id = `${did}#${jwkThumbprint(publicJwk)}`;
    expect(doc).toEqual({
      "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/suites/jws-2020/v1"],
      id: did,
      verificationMethod: [
        { id, type: "JsonWebKey2020", controller: did, publicKeyJwk: publicJwk },
      ],
      assertionMethod: [id],
      authentication: [id],
    });
    expect(JSON.stringify(doc)).not.toContain(privateJwk.d);
    expect(findVerificationKey(doc, id, "assertionMethod")).toEqual(publicJwk);
    expect(findVerificationKey(doc, id, "authentication")).toEqual(publicJwk);
  });
});
