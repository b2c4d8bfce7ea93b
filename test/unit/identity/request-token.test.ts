import {
  createHash,
  createHmac,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign,
  verify,
} from "node:crypto";
import { readFileSync } from "node:fs";
import { createJWT, EdDSASigner } from "did-jwt";
import type { DIDDocument } from "did-resolver";
import { exportJWK, generateKeyPair, type JWK } from "jose";
import { beforeEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../../src/clock.js";
import { AuthRequiredError } from "../../../src/errors.js";
import {
  bodyHash,
  buildDidWebDocument,
  createDidResolver,
  createForcedRefreshLimiter,
  DidResolutionError,
  type DidResolver,
  didKeySigner,
  type ExpectedRequest,
  generateEd25519Jwk,
  orgSigner,
  parseRequestToken,
  REQUEST_TOKEN_TYP,
  type Signer,
  signRequestToken,
  verifyRequestTokenSignature,
} from "../../../src/identity/index.js";

const vector = JSON.parse(
  readFileSync(new URL("../../fixtures/vectors/request-token.json", import.meta.url), "utf8"),
) as {
  privateJwk: JWK & { x: string };
  did: string;
  kid: string;
  now: string;
  request: { aud: string; htm: string; htu: string; body: string };
  lifetimeSeconds: number;
  bh: string;
  protectedHeader: Record<string, string>;
  claims: Record<string, unknown> & { jti: string; exp: number };
  headerJson: string;
  claimsJson: string;
  signingInput: string;
  signature: string;
  token: string;
};

const NOW = Date.parse("2026-11-21T12:00:00Z");
const AUD = "did:web:acme.example";
const HTU = "https://acme.example/api/bookings/jane";
const ISS = "did:web:globex.example";
const DID_URL = "https://globex.example/.well-known/did.json";
const BODY = new TextEncoder().encode(
  '{"start_time":"2026-11-23T09:00:00Z","duration_minutes":30,"requester":"bob@globex.example"}',
);
const expected: ExpectedRequest = { aud: AUD, htm: "POST", htu: HTU, body: BODY };
const b64 = (value: string | Uint8Array) => Buffer.from(value).toString("base64url");

function syncCode(run: () => unknown): string {
  try {
    run();
  } catch (err) {
    if (err instanceof AuthRequiredError) return err.code;
    throw err;
  }
  return "ok";
}

async function asyncCode(run: () => Promise<unknown>): Promise<string> {
  try {
    await run();
  } catch (err) {
    if (err instanceof AuthRequiredError) return err.code;
    throw err;
  }
  return "ok";
}

/** A did:web issuer whose DID document the test can change, counting fetches. */
async function didWebIssuer(clock: ManualClock) {
  const key = await generateEd25519Jwk();
  const signer = await orgSigner("globex.example", key.privateJwk);
  const state = { doc: buildDidWebDocument(ISS, [key.publicJwk]) as DIDDocument, fetches: 0 };
  const resolver = createDidResolver({
    clock,
    fetchJson: async (url) => {
      if (url !== DID_URL) throw Object.assign(new Error("not found"), { status: 404 });
      state.fetches++;
      return structuredClone(state.doc);
    },
  });
  const deps = { resolver, refreshLimiter: createForcedRefreshLimiter(clock) };
  return { key, signer, state, resolver, deps };
}

const validInput = (over: Partial<Parameters<typeof signRequestToken>[1]> = {}) => ({
  aud: AUD,
  htm: "POST",
  htu: HTU,
  body: BODY,
  now: NOW,
  ...over,
});

/** A token with any header and claims, EdDSA-signed with `privateJwk` over the usual input. */
function forge(header: object, claims: object, privateJwk: JWK): string {
  const input = `${b64(JSON.stringify(header))}.${b64(JSON.stringify(claims))}`;
  const key = createPrivateKey({ key: privateJwk as never, format: "jwk" });
  return `${input}.${b64(sign(null, Buffer.from(input), key))}`;
}

function validClaims(signer: Signer, over: Record<string, unknown> = {}) {
  const iat = Math.floor(NOW / 1000);
  return {
    iss: signer.did,
    aud: AUD,
    iat,
    exp: iat + 60,
    jti: "abcdefghijklmnop",
    htm: "POST",
    htu: HTU,
    bh: bodyHash(BODY),
    ...over,
  };
}

const headerOf = (signer: Signer, over: Record<string, unknown> = {}) => ({
  alg: "EdDSA",
  kid: signer.kid,
  typ: REQUEST_TOKEN_TYP,
  ...over,
});

describe("request token: known-answer vector", () => {
  it("re-derives the vector's token byte for byte", async () => {
    const signer = await didKeySigner(vector.privateJwk);
    expect(signer.did).toBe(vector.did);
    expect(signer.kid).toBe(vector.kid);
    const token = await signRequestToken(signer, {
      ...vector.request,
      now: Date.parse(vector.now),
      lifetimeSeconds: vector.lifetimeSeconds,
      jti: vector.claims.jti,
    });
    expect(token).toBe(vector.token);
    const [header, claims, signature] = token.split(".");
    expect(Buffer.from(header!, "base64url").toString()).toBe(vector.headerJson);
    expect(Buffer.from(claims!, "base64url").toString()).toBe(vector.claimsJson);
    expect(JSON.parse(vector.headerJson)).toEqual(vector.protectedHeader);
    expect(JSON.parse(vector.claimsJson)).toEqual(vector.claims);
    expect(`${header}.${claims}`).toBe(vector.signingInput);
    expect(signature).toBe(vector.signature);
    expect(vector.bh).toBe(createHash("sha256").update(vector.request.body).digest("base64url"));
    expect(bodyHash(vector.request.body)).toBe(vector.bh);
  });

  it("verifies with nothing but node:crypto and the vector's public key", () => {
    const publicKey = createPublicKey({
      key: { kty: "OKP", crv: "Ed25519", x: vector.privateJwk.x },
      format: "jwk",
    });
    const ok = verify(
      null,
      Buffer.from(vector.signingInput),
      publicKey,
      Buffer.from(vector.signature, "base64url"),
    );
    expect(ok).toBe(true);
  });

  it("passes parse and signature verification through a did:key resolver", async () => {
    const clock = new ManualClock(Date.parse(vector.now));
    const resolver = createDidResolver({
      clock,
      fetchJson: async () => {
        throw new Error("did:key needs no fetch");
      },
    });
    const request = { ...vector.request, body: new TextEncoder().encode(vector.request.body) };
    const parsed = parseRequestToken(vector.token, request, clock.now());
    const verified = await verifyRequestTokenSignature(parsed, {
      resolver,
      refreshLimiter: createForcedRefreshLimiter(clock),
    });
    expect(verified).toEqual({
      iss: vector.did,
      kid: vector.kid,
      jti: vector.claims.jti,
      exp: vector.claims.exp,
      claims: vector.claims,
    });
  });
});

describe("bodyHash", () => {
  it("hashes the empty body as SHA-256 of the empty string", () => {
    expect(bodyHash("")).toBe("47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU");
    expect(bodyHash(new Uint8Array())).toBe(bodyHash(""));
  });

  it("reads a string as UTF-8", () => {
    expect(bodyHash("é")).toBe(bodyHash(new Uint8Array([0xc3, 0xa9])));
  });
});

describe("signRequestToken", () => {
  it("writes header {alg, kid, typ} in that order and every claim", async () => {
    const clock = new ManualClock(NOW);
    const { signer } = await didWebIssuer(clock);
    const token = await signRequestToken(signer, validInput());
    const [header, claims] = token.split(".");
    expect(Buffer.from(header!, "base64url").toString()).toBe(
      JSON.stringify({ alg: "EdDSA", kid: signer.kid, typ: REQUEST_TOKEN_TYP }),
    );
    const decoded = JSON.parse(Buffer.from(claims!, "base64url").toString());
    expect(decoded).toMatchObject({
      iss: ISS,
      aud: AUD,
      iat: NOW / 1000,
      exp: NOW / 1000 + 60,
      htm: "POST",
      htu: HTU,
      bh: bodyHash(BODY),
    });
    expect(decoded.jti).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });

  it("refuses a lifetime over 300 s, a bad jti, a relative htu and an ES256K signer", async () => {
    const { signer } = await didWebIssuer(new ManualClock(NOW));
    await expect(signRequestToken(signer, validInput({ lifetimeSeconds: 301 }))).rejects.toThrow(
      RangeError,
    );
    await expect(signRequestToken(signer, validInput({ jti: "short" }))).rejects.toThrow(
      RangeError,
    );
    await expect(
      signRequestToken(signer, validInput({ htu: "/api/bookings/jane" })),
    ).rejects.toThrow(RangeError);
    const secp = generateKeyPairSync("ec", { namedCurve: "secp256k1" });
    const k1 = await orgSigner("globex.example", secp.privateKey.export({ format: "jwk" }) as JWK);
    await expect(signRequestToken(k1, validInput())).rejects.toThrow(/EdDSA or ES256/);
  });
});

describe("parseRequestToken", () => {
  let clock: ManualClock;
  let issuer: Awaited<ReturnType<typeof didWebIssuer>>;
  beforeEach(async () => {
    clock = new ManualClock(NOW);
    issuer = await didWebIssuer(clock);
  });
  const parse =
    (token: string, now = NOW, request = expected) =>
    () =>
      parseRequestToken(token, request, now);
  const forged = (claims: Record<string, unknown>, header: Record<string, unknown> = {}) =>
    forge(
      headerOf(issuer.signer, header),
      validClaims(issuer.signer, claims),
      issuer.key.privateJwk,
    );

  it("accepts a valid token and keeps unknown claims", async () => {
    const token = forged({ "x-note": 1 });
    const parsed = parseRequestToken(token, expected, NOW);
    expect(parsed.header).toEqual({ alg: "EdDSA", kid: issuer.signer.kid, typ: REQUEST_TOKEN_TYP });
    expect(parsed.claims["x-note"]).toBe(1);
    expect(parsed.token).toBe(token);
  });

  it.each([
    ["empty", ""],
    ["one part", "abc"],
    ["two parts", "a.b"],
    ["four parts", "a.b.c.d"],
    ["not JSON", "YWJj.YWJj.YWJj"],
    ["an empty signature", "eyJhIjoxfQ.eyJhIjoxfQ."],
    ["a JSON array header", `${b64("[1]")}.${b64("{}")}.AAAA`],
    ["over 8 KiB", `${"A".repeat(8190)}.A.A`],
  ])("refuses a missing or garbled token (%s) as invalid_token", (_name, token) => {
    expect(syncCode(parse(token))).toBe("invalid_token");
  });

  it("never echoes the token in its message", async () => {
    const token = await signRequestToken(issuer.signer, validInput({ htu: `${HTU}x` }));
    try {
      parseRequestToken(token, expected, NOW);
      expect.unreachable();
    } catch (err) {
      expect((err as Error).message).not.toContain(token.split(".")[1]);
      expect((err as Error).message).toBe(
        `request token: htu does not match the request URL ${HTU}`,
      );
    }
  });

  it("refuses an expired token as token_expired, with 30 s tolerance", async () => {
    const token = await signRequestToken(issuer.signer, validInput());
    const exp = NOW + 60_000;
    expect(syncCode(parse(token, exp + 29_999))).toBe("ok");
    expect(syncCode(parse(token, exp + 30_000))).toBe("token_expired");
    expect(syncCode(parse(token, exp + 3_600_000))).toBe("token_expired");
  });

  it("refuses iat more than 30 s in the future as invalid_token", async () => {
    const soon = await signRequestToken(issuer.signer, validInput({ now: NOW + 30_000 }));
    expect(syncCode(parse(soon))).toBe("ok");
    const later = await signRequestToken(issuer.signer, validInput({ now: NOW + 31_000 }));
    expect(syncCode(parse(later))).toBe("invalid_token");
  });

  it("refuses a lifetime over 300 s as invalid_token", () => {
    const iat = NOW / 1000;
    expect(syncCode(parse(forged({ exp: iat + 300 })))).toBe("ok");
    expect(syncCode(parse(forged({ exp: iat + 301 })))).toBe("invalid_token");
  });

  it("refuses exp at or before iat as invalid_token", () => {
    const iat = NOW / 1000;
    expect(syncCode(parse(forged({ exp: iat })))).toBe("invalid_token");
    expect(syncCode(parse(forged({ exp: iat - 1 })))).toBe("invalid_token");
  });

  it.each([
    ["iat", "1795262400"],
    ["iat", 1795262400.5],
    ["exp", undefined],
    ["iss", undefined],
    ["bh", undefined],
    ["htu", undefined],
  ])("refuses a missing or non-integer %s (%s) as invalid_token", (claim, value) => {
    expect(syncCode(parse(forged({ [claim]: value })))).toBe("invalid_token");
  });

  it("refuses another audience, and an aud array, as invalid_audience", () => {
    expect(syncCode(parse(forged({ aud: "did:web:other.example" })))).toBe("invalid_audience");
    expect(syncCode(parse(forged({ aud: [AUD] })))).toBe("invalid_audience");
    expect(syncCode(parse(forged({ aud: undefined })))).toBe("invalid_token");
  });

  it("refuses a token for another method as invalid_token", async () => {
    const get = await signRequestToken(issuer.signer, validInput({ htm: "GET" }));
    expect(syncCode(parse(get))).toBe("invalid_token");
    expect(syncCode(parse(forged({ htm: "post" })))).toBe("invalid_token");
  });

  it("refuses a token for another path or user as invalid_token", async () => {
    for (const htu of [
      "https://acme.example/api/bookings/john",
      "https://acme.example/api/bookings/jane/",
      "https://other.example/api/bookings/jane",
    ]) {
      const token = await signRequestToken(issuer.signer, validInput({ htu }));
      expect(syncCode(parse(token))).toBe("invalid_token");
    }
    expect(syncCode(parse(forged({ htu: `${HTU}?x=1` })))).toBe("invalid_token");
    expect(syncCode(parse(forged({ htu: "/api/bookings/jane" })))).toBe("invalid_token");
  });

  it("refuses a body changed by one byte as invalid_token", async () => {
    const token = await signRequestToken(issuer.signer, validInput());
    const changed = Uint8Array.from(BODY);
    changed[10] = (changed[10] ?? 0) ^ 1;
    expect(syncCode(parse(token, NOW, { ...expected, body: changed }))).toBe("invalid_token");
    expect(syncCode(parse(token, NOW, { ...expected, body: new Uint8Array() }))).toBe(
      "invalid_token",
    );
  });

  it("checks bh of the empty string when there is no body", async () => {
    const token = await signRequestToken(issuer.signer, validInput({ htm: "GET", body: "" }));
    const get = { ...expected, htm: "GET", body: new Uint8Array() };
    expect(syncCode(parse(token, NOW, get))).toBe("ok");
  });

  it("refuses alg none, HS256 and ES256K as invalid_token", async () => {
    const claims = b64(JSON.stringify(validClaims(issuer.signer)));
    const none = `${b64(JSON.stringify(headerOf(issuer.signer, { alg: "none" })))}.${claims}.AAAA`;
    expect(syncCode(parse(none))).toBe("invalid_token");
    expect(syncCode(parse(`${none.slice(0, -4)}`))).toBe("invalid_token");

    const hsInput = `${b64(JSON.stringify(headerOf(issuer.signer, { alg: "HS256" })))}.${claims}`;
    const hs = `${hsInput}.${createHmac("sha256", issuer.key.publicJwk.x!).update(hsInput).digest("base64url")}`;
    expect(syncCode(parse(hs))).toBe("invalid_token");

    const k1 = generateKeyPairSync("ec", { namedCurve: "secp256k1" });
    const k1Input = `${b64(JSON.stringify(headerOf(issuer.signer, { alg: "ES256K" })))}.${claims}`;
    const k1Sig = sign("sha256", Buffer.from(k1Input), {
      key: k1.privateKey,
      dsaEncoding: "ieee-p1363",
    });
    expect(syncCode(parse(`${k1Input}.${b64(k1Sig)}`))).toBe("invalid_token");
    for (const alg of ["RS256", "Ed25519", "ES384"])
      expect(syncCode(parse(forged({}, { alg })))).toBe("invalid_token");
  });

  it("refuses a missing or wrong typ, and extra header members, as invalid_token", () => {
    expect(syncCode(parse(forged({}, { typ: undefined })))).toBe("invalid_token");
    expect(syncCode(parse(forged({}, { typ: "JWT" })))).toBe("invalid_token");
    expect(syncCode(parse(forged({}, { typ: "application/calendario-request+jwt" })))).toBe(
      "invalid_token",
    );
    expect(syncCode(parse(forged({}, { crit: ["exp"] })))).toBe("invalid_token");
    expect(syncCode(parse(forged({}, { jwk: issuer.key.publicJwk })))).toBe("invalid_token");
  });

  it("refuses a kid of another DID, or not a DID URL, as invalid_token", () => {
    expect(syncCode(parse(forged({}, { kid: "did:web:evil.example#key-1" })))).toBe(
      "invalid_token",
    );
    expect(syncCode(parse(forged({}, { kid: ISS })))).toBe("invalid_token");
    expect(syncCode(parse(forged({}, { kid: `${ISS}#` })))).toBe("invalid_token");
    expect(syncCode(parse(forged({}, { kid: "#key-1" })))).toBe("invalid_token");
  });

  it.each([
    ["15 characters", "abcdefghijklmno"],
    ["129 characters", "a".repeat(129)],
    ["a dot", "abcdefghijklmnop.q"],
    ["a number", 1234567890123456],
  ])("refuses a malformed jti (%s) as invalid_token", (_name, jti) => {
    expect(syncCode(parse(forged({ jti })))).toBe("invalid_token");
  });

  it("accepts a jti of 16 and of 128 characters", () => {
    expect(syncCode(parse(forged({ jti: "a".repeat(16) })))).toBe("ok");
    expect(syncCode(parse(forged({ jti: "a".repeat(128) })))).toBe("ok");
  });
});

describe("verifyRequestTokenSignature", () => {
  let clock: ManualClock;
  let issuer: Awaited<ReturnType<typeof didWebIssuer>>;
  beforeEach(async () => {
    clock = new ManualClock(NOW);
    issuer = await didWebIssuer(clock);
  });
  const verifyToken = (token: string, deps = issuer.deps) =>
    verifyRequestTokenSignature(parseRequestToken(token, expected, clock.now()), deps);

  it("verifies a did:web token, fetching the DID document once for many tokens", async () => {
    for (let i = 0; i < 5; i++) {
      const token = await signRequestToken(issuer.signer, validInput());
      const verified = await verifyToken(token);
      expect(verified.iss).toBe(ISS);
      expect(verified.kid).toBe(issuer.signer.kid);
      expect(verified.exp).toBe(NOW / 1000 + 60);
    }
    expect(issuer.state.fetches).toBe(1);
  });

  it("refuses a kid not under authentication (only assertionMethod) as invalid_token", async () => {
    issuer.state.doc = { ...issuer.state.doc, authentication: [] };
    const token = await signRequestToken(issuer.signer, validInput());
    expect(await asyncCode(() => verifyToken(token))).toBe("invalid_token");
    await expect(verifyToken(token)).rejects.toThrow(/kid is not listed under authentication/);
  });

  it("refuses a kid the DID document does not have as invalid_token", async () => {
    const token = forge(
      headerOf(issuer.signer, { kid: `${ISS}#key-unknown` }),
      validClaims(issuer.signer),
      issuer.key.privateJwk,
    );
    expect(await asyncCode(() => verifyToken(token))).toBe("invalid_token");
  });

  it("refuses a bad signature: one forced refresh, then the limiter holds for a minute", async () => {
    const good = await signRequestToken(issuer.signer, validInput());
    const [h, c, s] = good.split(".");
    const flipped = Buffer.from(s!, "base64url");
    flipped[0] = (flipped[0] ?? 0) ^ 1;
    const bad = `${h}.${c}.${b64(flipped)}`;
    for (let i = 0; i < 100; i++)
      expect(await asyncCode(() => verifyToken(bad))).toBe("invalid_token");
    expect(issuer.state.fetches).toBe(2);
    clock.advance(59_000);
    expect(await asyncCode(() => verifyToken(bad))).toBe("invalid_token");
    expect(issuer.state.fetches).toBe(2);
    clock.advance(1_000);
    expect(await asyncCode(() => verifyToken(bad))).toBe("invalid_token");
    expect(issuer.state.fetches).toBe(3);
  });

  it("accepts the first token after a key rotation, thanks to the forced refresh", async () => {
    await verifyToken(await signRequestToken(issuer.signer, validInput()));
    expect(issuer.state.fetches).toBe(1);
    const rotated = await generateEd25519Jwk();
    const newSigner = await orgSigner("globex.example", rotated.privateJwk);
    issuer.state.doc = buildDidWebDocument(ISS, [rotated.publicJwk]);
    const verified = await verifyToken(await signRequestToken(newSigner, validInput()));
    expect(verified.kid).toBe(newSigner.kid);
    expect(issuer.state.fetches).toBe(2);
    // The old key is gone for good: its tokens fail, and the limiter spares the peer.
    const old = await signRequestToken(issuer.signer, validInput());
    expect(await asyncCode(() => verifyToken(old))).toBe("invalid_token");
    expect(issuer.state.fetches).toBe(2);
  });

  it("accepts every token of a burst right after a rotation, with one forced refresh", async () => {
    await verifyToken(await signRequestToken(issuer.signer, validInput()));
    const rotated = await generateEd25519Jwk();
    const newSigner = await orgSigner("globex.example", rotated.privateJwk);
    issuer.state.doc = buildDidWebDocument(ISS, [rotated.publicJwk]);
    const tokens = await Promise.all(
      Array.from({ length: 10 }, () => signRequestToken(newSigner, validInput())),
    );
    const verified = await Promise.all(tokens.map((token) => verifyToken(token)));
    expect(verified.map((v) => v.kid)).toEqual(tokens.map(() => newSigner.kid));
    expect(issuer.state.fetches).toBe(2);
  });

  it("accepts a valid ES256 token", async () => {
    const { privateKey } = await generateKeyPair("ES256", { extractable: true });
    const privateJwk = await exportJWK(privateKey);
    const signer = await orgSigner("globex.example", privateJwk);
    expect(signer.alg).toBe("ES256");
    issuer.state.doc = buildDidWebDocument(ISS, [privateJwk]);
    const token = await signRequestToken(signer, validInput());
    expect(JSON.parse(Buffer.from(token.split(".")[0]!, "base64url").toString()).alg).toBe("ES256");
    expect((await verifyToken(token)).kid).toBe(signer.kid);
  });

  it("refuses an alg that does not fit the key kid names as invalid_token", async () => {
    const token = forge(
      headerOf(issuer.signer, { alg: "ES256" }),
      validClaims(issuer.signer),
      issuer.key.privateJwk,
    );
    expect(await asyncCode(() => verifyToken(token))).toBe("invalid_token");
  });

  it("accepts a token minted by did-jwt's createJWT", async () => {
    const iat = NOW / 1000;
    const token = await createJWT(
      {
        aud: AUD,
        iat,
        exp: iat + 120,
        jti: "didjwt-0123456789abcdef",
        htm: "POST",
        htu: HTU,
        bh: bodyHash(BODY),
      },
      {
        issuer: ISS,
        signer: EdDSASigner(Buffer.from(issuer.key.privateJwk.d!, "base64url")),
        alg: "EdDSA",
      },
      // did-jwt types `typ` as "JWT" only, though it writes whatever it is given.
      { alg: "EdDSA", kid: issuer.signer.kid, typ: REQUEST_TOKEN_TYP as "JWT" },
    );
    const verified = await verifyToken(token);
    expect(verified.iss).toBe(ISS);
    expect(verified.jti).toBe("didjwt-0123456789abcdef");
  });

  it("throws DidResolutionError, not a 401, when iss cannot be resolved", async () => {
    const token = await signRequestToken(issuer.signer, validInput());
    const unreachable: DidResolver = {
      resolve: async () => {
        throw new DidResolutionError("fetch_failed", "connection refused");
      },
    };
    const deps = { resolver: unreachable, refreshLimiter: createForcedRefreshLimiter(clock) };
    await expect(verifyToken(token, deps)).rejects.toBeInstanceOf(DidResolutionError);
  });

  it("throws DidResolutionError when the forced refresh cannot reach the DID document", async () => {
    await verifyToken(await signRequestToken(issuer.signer, validInput()));
    const rotated = await orgSigner("globex.example", (await generateEd25519Jwk()).privateJwk);
    const resolver: DidResolver = {
      resolve: async (did, opts) => {
        if (opts?.forceRefresh) throw new DidResolutionError("fetch_failed", "timeout");
        return issuer.resolver.resolve(did);
      },
    };
    const deps = { resolver, refreshLimiter: createForcedRefreshLimiter(clock) };
    const token = await signRequestToken(rotated, validInput());
    await expect(verifyToken(token, deps)).rejects.toBeInstanceOf(DidResolutionError);
  });

  it("does not spend a forced refresh on a did:key, whose document is its key", async () => {
    const signer = await didKeySigner((await generateEd25519Jwk()).privateJwk);
    const other = await generateEd25519Jwk();
    const calls: boolean[] = [];
    const resolver: DidResolver = {
      resolve: (did, opts) => {
        calls.push(opts?.forceRefresh ?? false);
        return issuer.resolver.resolve(did);
      },
    };
    const token = forge(headerOf(signer), validClaims(signer), other.privateJwk);
    const deps = { resolver, refreshLimiter: createForcedRefreshLimiter(clock) };
    expect(await asyncCode(() => verifyToken(token, deps))).toBe("invalid_token");
    expect(calls).toEqual([false]);
  });
});

describe("createForcedRefreshLimiter", () => {
  it("allows one forced refresh per DID per interval", () => {
    const clock = new ManualClock(0);
    const limiter = createForcedRefreshLimiter(clock, 60_000);
    expect(limiter.tryAcquire("did:web:a.example")).toBe(true);
    expect(limiter.tryAcquire("did:web:a.example")).toBe(false);
    expect(limiter.tryAcquire("did:web:b.example")).toBe(true);
    clock.advance(59_999);
    expect(limiter.tryAcquire("did:web:a.example")).toBe(false);
    clock.advance(1);
    expect(limiter.tryAcquire("did:web:a.example")).toBe(true);
  });

  it("lets callers join a forced refresh that is running, and refuses once it is done", async () => {
    const limiter = createForcedRefreshLimiter(new ManualClock(0));
    let runs = 0;
    let finish: (value: string) => void = () => undefined;
    const refresh = () => {
      runs++;
      return new Promise<string>((resolve) => {
        finish = resolve;
      });
    };
    const first = limiter.refresh("did:web:a.example", refresh);
    const second = limiter.refresh("did:web:a.example", refresh);
    expect(second).toBe(first);
    finish("doc");
    expect(await second).toBe("doc");
    expect(runs).toBe(1);
    expect(limiter.refresh("did:web:a.example", refresh)).toBeUndefined();
  });

  it("refuses, rather than evicts, when full of recent DIDs", () => {
    const clock = new ManualClock(0);
    const limiter = createForcedRefreshLimiter(clock, 60_000, 2);
    expect(limiter.tryAcquire("did:web:a.example")).toBe(true);
    expect(limiter.tryAcquire("did:web:b.example")).toBe(true);
    expect(limiter.tryAcquire("did:web:c.example")).toBe(false);
    clock.advance(60_000);
    expect(limiter.tryAcquire("did:web:c.example")).toBe(true);
    expect(limiter.tryAcquire("did:web:a.example")).toBe(true);
  });
});
