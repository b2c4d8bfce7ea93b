/**
 * Request-token verifications/s: parseRequestToken then verifyRequestTokenSignature, with
 * warm caches (the did:web document resolved, the key imported), against a raw
 * `crypto.verify` of the same Ed25519 signature over the same signing input, in the same
 * run. Target: ratio >= 0.7. One verification at a time, as a request handler awaits it.
 * "nodeCryptoInsteadOfJose" is the same steps with jose's (asynchronous, WebCrypto)
 * verify replaced by a synchronous `crypto.verify` with a cached KeyObject: what the
 * WebCrypto hop costs.
 */
import { createPublicKey, type KeyObject, verify } from "node:crypto";
import { ManualClock } from "../../src/clock.js";
import {
  buildDidWebDocument,
  createDidResolver,
  createForcedRefreshLimiter,
  didKeySigner,
  findVerificationKey,
  generateEd25519Jwk,
  orgSigner,
  parseRequestToken,
  type Signer,
  signRequestToken,
  verifyRequestTokenSignature,
} from "../../src/identity/index.js";

const NOW = Date.parse("2026-11-21T12:00:00Z");
const AUD = "did:web:acme.example";
const HTU = "https://acme.example/api/bookings/jane";
const BODY = new TextEncoder().encode(
  '{"start_time":"2026-11-23T09:00:00Z","duration_minutes":30,"requester":"bob@globex.example"}',
);

async function callsIn(run: () => unknown, ms: number): Promise<number> {
  let calls = 0;
  const started = performance.now();
  let elapsed = 0;
  while (elapsed < ms) {
    for (let i = 0; i < 50; i++) await run();
    calls += 50;
    elapsed = performance.now() - started;
  }
  return (calls / elapsed) * 1000;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
};

/**
 * Calls/s of each variant, measured in ROUNDS short interleaved slices: the medians of
 * the rates and of each variant's per-round ratio to `baseline` (these machines are shared
 * and their load drifts within seconds).
 */
async function interleaved(variants: Record<string, () => unknown>, baseline: string) {
  const ROUNDS = 15;
  const SLICE_MS = 200;
  const rates: Record<string, number[]> = {};
  for (const [name, run] of Object.entries(variants)) {
    for (let i = 0; i < 500; i++) await run();
    rates[name] = [];
  }
  for (let round = 0; round < ROUNDS; round++)
    for (const [name, run] of Object.entries(variants))
      rates[name]?.push(await callsIn(run, SLICE_MS));
  const base = rates[baseline] ?? [];
  return Object.fromEntries(
    Object.entries(rates).map(([name, values]) => [
      name,
      {
        opsPerSec: Math.round(median(values)),
        ratio: median(values.map((value, i) => value / (base[i] ?? value))).toFixed(2),
      },
    ]),
  );
}

async function setUp(signer: Signer, doc?: unknown) {
  const clock = new ManualClock(NOW);
  const resolver = createDidResolver({
    clock,
    fetchJson: async () => doc,
  });
  const deps = { resolver, refreshLimiter: createForcedRefreshLimiter(clock) };
  const token = await signRequestToken(signer, {
    aud: AUD,
    htm: "POST",
    htu: HTU,
    body: BODY,
    now: NOW,
  });
  const expected = { aud: AUD, htm: "POST", htu: HTU, body: BODY };
  const run = () => verifyRequestTokenSignature(parseRequestToken(token, expected, NOW), deps);
  await run();
  const keyObjects = new Map<string, KeyObject>();
  const withNodeCrypto = async () => {
    const parsed = parseRequestToken(token, expected, NOW);
    const doc = await resolver.resolve(parsed.claims.iss);
    const jwk = findVerificationKey(doc, parsed.header.kid, "authentication");
    let keyObject = keyObjects.get(jwk.x ?? "");
    if (!keyObject) {
      keyObject = createPublicKey({ key: jwk as never, format: "jwk" });
      keyObjects.set(jwk.x ?? "", keyObject);
    }
    const [h, c, s] = parsed.token.split(".");
    if (!verify(null, Buffer.from(`${h}.${c}`), keyObject, Buffer.from(s ?? "", "base64url")))
      throw new Error("verify failed");
  };
  await withNodeCrypto();
  return { token, run, withNodeCrypto };
}

export async function benchRequestToken(): Promise<{
  name: string;
  opsPerSec: number;
  details: Record<string, unknown>;
}> {
  const key = await generateEd25519Jwk();
  const web = await orgSigner("globex.example", key.privateJwk);
  const didWeb = await setUp(web, buildDidWebDocument(web.did, [key.publicJwk]));
  const didKey = await setUp(await didKeySigner(key.privateJwk));

  const [headerB64, claimsB64, signatureB64] = didWeb.token.split(".");
  const signingInput = Buffer.from(`${headerB64}.${claimsB64}`);
  const signature = Buffer.from(signatureB64 ?? "", "base64url");
  const publicKey = createPublicKey({ key: key.publicJwk as never, format: "jwk" });
  const raw = () => {
    if (!verify(null, signingInput, publicKey, signature)) throw new Error("raw verify failed");
  };

  const results = await interleaved(
    {
      raw,
      didWeb: didWeb.run,
      didKey: didKey.run,
      nodeCryptoInsteadOfJose: didWeb.withNodeCrypto,
    },
    "raw",
  );
  return {
    name: "request token: parseRequestToken + verifyRequestTokenSignature, did:web, warm cache",
    opsPerSec: results.didWeb?.opsPerSec ?? 0,
    details: {
      target: "ratio >= 0.7 (didWeb.ratio: median of per-round ratios to raw crypto.verify)",
      ...results,
    },
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.stdout.write(`${JSON.stringify(await benchRequestToken(), null, 2)}\n`);
}
