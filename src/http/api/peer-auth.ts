/**
 * Who another node's request comes from: its request token verified in DESIGN's order,
 * cheapest first and state last — header and claims, body hash, rate limits by client
 * address and by issuer, the issuer's DID and the signature, then the token id recorded
 * so a replay on any node process fails. Binding the requester's address to the issuer
 * is the caller's next step (`bindPeer`).
 */
import type { Request } from "express";
import type { PeerCaller } from "../../booking/index.js";
import type { Context } from "../../context.js";
import { AuthRequiredError, RateLimitedError, UpstreamError } from "../../errors.js";
import { bindRequester } from "../../federation/index.js";
import {
  DidResolutionError,
  parseRequestToken,
  REQUEST_TOKEN_CLOCK_TOLERANCE_SECONDS,
  verifyRequestTokenSignature,
} from "../../identity/index.js";
import { bearerToken } from "../auth.js";
import { rawBodyOf } from "../body.js";

/** Requests per minute from one client address, and from one issuer. */
export const PEER_RATE_LIMIT = { limit: 30, windowMs: 60_000 };

export interface VerifiedPeer {
  iss: string;
}

async function rateLimit(ctx: Context, key: string): Promise<void> {
  const hit = await ctx.store.hitRateLimit(key, PEER_RATE_LIMIT.limit, PEER_RATE_LIMIT.windowMs);
  if (!hit.allowed)
    throw new RateLimitedError(
      "Too many requests from this requester; slow down",
      Math.max(1, Math.ceil(hit.retryAfterMs / 1000)),
    );
}

/** The verified issuer of the request's token; undefined when the request carries none. */
export async function verifyPeerToken(
  ctx: Context,
  req: Request,
): Promise<VerifiedPeer | undefined> {
  const token = bearerToken(req.headers.authorization);
  if (token === undefined) {
    if (req.headers.authorization !== undefined)
      throw new AuthRequiredError("Authorization must be: Bearer <request token>", "invalid_token");
    return undefined;
  }
  const now = ctx.clock.now();
  const parsed = parseRequestToken(
    token,
    {
      aud: ctx.did,
      htm: req.method,
      htu: `${ctx.cfg.service.publicUrl}${req.path}`,
      body: rawBodyOf(req),
    },
    now,
  );
  // req.ip: the socket's address, or X-Forwarded-For's behind TRUST_PROXY proxies.
  await rateLimit(ctx, `peer-ip:${req.ip ?? "unknown"}`);
  await rateLimit(ctx, `peer-iss:${parsed.claims.iss}`);
  let verified: Awaited<ReturnType<typeof verifyRequestTokenSignature>>;
  try {
    verified = await verifyRequestTokenSignature(parsed, {
      resolver: ctx.resolver,
      refreshLimiter: ctx.refreshLimiter,
    });
  } catch (err) {
    if (err instanceof DidResolutionError)
      throw new UpstreamError(
        `The DID document of ${parsed.claims.iss} could not be fetched; retry later`,
        "peer_unreachable",
        err,
      );
    throw err;
  }
  // Kept past the token's life and the clock tolerance: a replay fails on every process.
  const keepUntil = (verified.exp + REQUEST_TOKEN_CLOCK_TOLERANCE_SECONDS) * 1000;
  if (!(await ctx.store.recordTokenId(verified.iss, verified.jti, keepUntil)))
    throw new AuthRequiredError("This request token was used before", "token_replayed");
  return { iss: verified.iss };
}

/** The requester of a booking request: its address bound to the token's issuer. */
export async function bindPeer(ctx: Context, iss: string, address: string): Promise<PeerCaller> {
  const bound = await bindRequester({ profiles: ctx.profiles }, { address, iss });
  const hosts = new Set([
    bound.profile.domain.toLowerCase(),
    new URL(bound.profile.profileUrl).host.toLowerCase(),
  ]);
  return { kind: "peer", did: iss, address: bound.address, callbackHosts: [...hosts] };
}

/** A peer known only by its verified issuer (reading or cancelling what it asked for). */
export function peerByIssuer(iss: string): PeerCaller {
  return { kind: "peer", did: iss, address: "", callbackHosts: [] };
}
