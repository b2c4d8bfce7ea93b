import type { DIDDocument } from "did-resolver";
import { base58btc } from "multiformats/bases/base58";
import { describe, expect, it } from "vitest";
import { ManualClock } from "../../../src/clock.js";
import {
  buildDidWebDocument,
  createDidResolver,
  DidResolutionError,
  findVerificationKey,
  generateEd25519Jwk,
  publicJwkToDidKey,
  publicJwkToMultibase,
  VerificationMethodError,
} from "../../../src/identity/index.js";

const DID = "did:web:acme.example";
const URL_OF_DID = "https://acme.example/.well-known/did.json";

function fetchError(reason: string, status?: number) {
  return Object.assign(new Error(`${reason} ${status ?? ""}`), { reason, status });
}

/** A fetchJson stub answering from a map of URL → document (or thrown error), counting calls. */
function stubFetch(answers: Record<string, unknown>) {
  const calls: string[] = [];
  const fetchJson = async (url: string) => {
    calls.push(url);
    const answer = answers[url];
    if (answer instanceof Error) throw answer;
    if (answer === undefined) throw fetchError("http_status", 404);
    return structuredClone(answer);
  };
  return { calls, fetchJson, answers };
}

async function orgDocument(did = DID) {
  const { publicJwk } = await generateEd25519Jwk();
  return buildDidWebDocument(did, [publicJwk]);
}

async function errorOf(promise: Promise<unknown>): Promise<{ name: string; reason: string }> {
  try {
    await promise;
  } catch (err) {
    return { name: (err as Error).name, reason: (err as { reason: string }).reason };
  }
  throw new Error("expected a rejection");
}

describe("createDidResolver: methods", () => {
  it("resolves an Ed25519 did:key through key-did-resolver", async () => {
    const { publicJwk } = await generateEd25519Jwk();
    const did = publicJwkToDidKey(publicJwk);
    const resolver = createDidResolver({
      fetchJson: stubFetch({}).fetchJson,
      clock: new ManualClock(0),
    });
    expect((await resolver.resolve(did)).id).toBe(did);
  });

  it("builds a did:key document once and keeps it", async () => {
    const { publicJwk } = await generateEd25519Jwk();
    const did = publicJwkToDidKey(publicJwk);
    const resolver = createDidResolver({
      fetchJson: stubFetch({}).fetchJson,
      clock: new ManualClock(0),
    });
    const first = await resolver.resolve(did);
    expect(await resolver.resolve(did)).toBe(first);
    expect(await resolver.resolve(did, { forceRefresh: true })).toBe(first);
  });

  it("fetches a did:web document from its well-known URL", async () => {
    const doc = await orgDocument();
    const stub = stubFetch({ [URL_OF_DID]: doc });
    const resolver = createDidResolver({ fetchJson: stub.fetchJson, clock: new ManualClock(0) });
    expect(await resolver.resolve(DID)).toEqual(doc);
    expect(stub.calls).toEqual([URL_OF_DID]);
  });

  it.each([
    ["a document whose id is another DID", { id: "did:web:evil.example" }, "id_mismatch"],
    ["a document that is not an object", ["x"], "invalid_document"],
    [
      "a verificationMethod that is not an array",
      { id: DID, verificationMethod: {} },
      "invalid_document",
    ],
    ["a 404", undefined, "not_found"],
    ["a network failure", fetchError("network"), "fetch_failed"],
  ])("refuses %s", async (_label, answer, reason) => {
    const stub = stubFetch({ [URL_OF_DID]: answer });
    const resolver = createDidResolver({ fetchJson: stub.fetchJson, clock: new ManualClock(0) });
    expect(await errorOf(resolver.resolve(DID))).toEqual({ name: "DidResolutionError", reason });
  });

  it.each([
    ["did:ethr:0xabc", "unsupported_method"],
    ["not a did", "invalid_did"],
    ["did:key:zNotAKey", "invalid_did"],
    [`${DID}#key-1`, "invalid_did"],
    ["did:web:bad_host", "invalid_did"],
  ])("refuses %s", async (did, reason) => {
    const resolver = createDidResolver({
      fetchJson: stubFetch({}).fetchJson,
      clock: new ManualClock(0),
    });
    const err = await errorOf(resolver.resolve(did));
    expect(err).toEqual({ name: "DidResolutionError", reason });
  });

  it("falls back to plain http only when insecure use is allowed and https cannot be reached", async () => {
    const doc = await orgDocument("did:web:localhost%3A8080");
    const https = "https://localhost:8080/.well-known/did.json";
    const http = "http://localhost:8080/.well-known/did.json";
    const stub = stubFetch({ [https]: fetchError("network"), [http]: doc });
    const insecure = createDidResolver({
      fetchJson: stub.fetchJson,
      clock: new ManualClock(0),
      allowInsecure: true,
    });
    expect((await insecure.resolve("did:web:localhost%3A8080")).id).toBe(
      "did:web:localhost%3A8080",
    );
    expect(stub.calls).toEqual([https, http]);

    const strict = stubFetch({ [https]: fetchError("network"), [http]: doc });
    const production = createDidResolver({
      fetchJson: strict.fetchJson,
      clock: new ManualClock(0),
    });
    await expect(production.resolve("did:web:localhost%3A8080")).rejects.toThrow(
      DidResolutionError,
    );
    expect(strict.calls).toEqual([https]);
  });

  it("does not fall back to http when the https server answered", async () => {
    const stub = stubFetch({
      "https://localhost:8080/.well-known/did.json": fetchError("http_status", 404),
    });
    const resolver = createDidResolver({
      fetchJson: stub.fetchJson,
      clock: new ManualClock(0),
      allowInsecure: true,
    });
    expect((await errorOf(resolver.resolve("did:web:localhost%3A8080"))).reason).toBe("not_found");
    expect(stub.calls).toHaveLength(1);
  });
});

describe("createDidResolver: cache", () => {
  const staleTtlMs = 1000;
  const maxTtlMs = 10_000;

  async function setup() {
    const clock = new ManualClock(0);
    const stub = stubFetch({ [URL_OF_DID]: await orgDocument() });
    const resolver = createDidResolver({ fetchJson: stub.fetchJson, clock, staleTtlMs, maxTtlMs });
    return { clock, stub, resolver };
  }

  it("serves a fresh document from the cache, and one fetch for concurrent resolutions", async () => {
    const { stub, resolver } = await setup();
    await Promise.all([resolver.resolve(DID), resolver.resolve(DID), resolver.resolve(DID)]);
    await resolver.resolve(DID);
    expect(stub.calls).toHaveLength(1);
  });

  it("serves a stale document at once and refreshes it in the background", async () => {
    const { clock, stub, resolver } = await setup();
    const first = await resolver.resolve(DID);
    const rotated = await orgDocument();
    stub.answers[URL_OF_DID] = rotated;
    clock.advance(staleTtlMs + 1);
    expect(await resolver.resolve(DID)).toEqual(first);
    await new Promise((resolve) => setImmediate(resolve));
    expect(stub.calls).toHaveLength(2);
    expect(await resolver.resolve(DID)).toEqual(rotated);
  });

  it("keeps serving a stale document when the background refresh fails", async () => {
    const { clock, stub, resolver } = await setup();
    const first = await resolver.resolve(DID);
    stub.answers[URL_OF_DID] = fetchError("network");
    clock.advance(staleTtlMs + 1);
    expect(await resolver.resolve(DID)).toEqual(first);
    await new Promise((resolve) => setImmediate(resolve));
    expect(await resolver.resolve(DID)).toEqual(first);
  });

  it("never serves a document older than the maximum TTL", async () => {
    const { clock, stub, resolver } = await setup();
    await resolver.resolve(DID);
    stub.answers[URL_OF_DID] = fetchError("network");
    clock.advance(maxTtlMs + 1);
    await expect(resolver.resolve(DID)).rejects.toThrow(DidResolutionError);
  });

  it("fetches again on forceRefresh", async () => {
    const { stub, resolver } = await setup();
    await resolver.resolve(DID);
    const rotated = await orgDocument();
    stub.answers[URL_OF_DID] = rotated;
    expect(await resolver.resolve(DID, { forceRefresh: true })).toEqual(rotated);
    expect(await resolver.resolve(DID)).toEqual(rotated);
  });
});

describe("findVerificationKey", () => {
  function keyDoc(methods: Record<string, unknown>[], assertionMethod: unknown[]): DIDDocument {
    return { id: DID, verificationMethod: methods, assertionMethod } as unknown as DIDDocument;
  }

  it("finds a method referenced by a relative id", async () => {
    const { publicJwk } = await generateEd25519Jwk();
    const doc = keyDoc(
      [{ id: "#k1", type: "JsonWebKey2020", controller: DID, publicKeyJwk: publicJwk }],
      ["#k1"],
    );
    expect(findVerificationKey(doc, `${DID}#k1`, "assertionMethod")).toEqual(publicJwk);
  });

  it("finds a method embedded under the relationship", async () => {
    const { publicJwk } = await generateEd25519Jwk();
    const embedded = {
      id: `${DID}#k1`,
      type: "JsonWebKey2020",
      controller: DID,
      publicKeyJwk: publicJwk,
    };
    const doc = keyDoc([], [embedded]);
    expect(findVerificationKey(doc, `${DID}#k1`, "assertionMethod")).toEqual(publicJwk);
  });

  it("reads Ed25519VerificationKey2018 (base58), Ed25519VerificationKey2020 and Multikey (multibase)", async () => {
    const { publicJwk } = await generateEd25519Jwk();
    const raw = Buffer.from(publicJwk.x!, "base64url");
    const forms = [
      { type: "Ed25519VerificationKey2018", publicKeyBase58: base58btc.baseEncode(raw) },
      { type: "Ed25519VerificationKey2020", publicKeyMultibase: publicJwkToMultibase(publicJwk) },
      { type: "Multikey", publicKeyMultibase: publicJwkToMultibase(publicJwk) },
    ];
    for (const form of forms) {
      const doc = keyDoc([{ id: `${DID}#k`, controller: DID, ...form }], [`${DID}#k`]);
      expect(findVerificationKey(doc, `${DID}#k`, "assertionMethod")).toEqual(publicJwk);
    }
  });

  it.each([
    [
      "a method listed only under authentication",
      "authentication",
      `${DID}#k`,
      "key_not_in_assertionMethod",
    ],
    ["an unknown method", "assertionMethod", `${DID}#other`, "verification_method_not_found"],
  ])("refuses %s", async (_label, relationship, id, reason) => {
    const { publicJwk } = await generateEd25519Jwk();
    const doc = {
      id: DID,
      verificationMethod: [
        { id: `${DID}#k`, type: "JsonWebKey2020", controller: DID, publicKeyJwk: publicJwk },
      ],
      [relationship]: [`${DID}#k`],
    } as DIDDocument;
    const err = (() => {
      try {
        findVerificationKey(doc, id, "assertionMethod");
      } catch (e) {
        return e as VerificationMethodError;
      }
    })();
    expect(err).toBeInstanceOf(VerificationMethodError);
    expect(err?.reason).toBe(reason);
  });

  it.each([
    ["an RSA key", { kty: "RSA", n: "AQAB", e: "AQAB" }],
    ["a private key", { kty: "OKP", crv: "Ed25519", x: "AA", d: "AA" }],
    ["an X25519 key", { kty: "OKP", crv: "X25519", x: "AA" }],
  ])("refuses %s as unsupported_key_type", (_label, publicKeyJwk) => {
    const doc = {
      id: DID,
      verificationMethod: [
        { id: `${DID}#k`, type: "JsonWebKey2020", controller: DID, publicKeyJwk },
      ],
      assertionMethod: [`${DID}#k`],
    } as DIDDocument;
    expect(() => findVerificationKey(doc, `${DID}#k`, "assertionMethod")).toThrow(
      expect.objectContaining({ reason: "unsupported_key_type" }),
    );
  });
});
