/**
 * Resolves did:key (key-did-resolver, through did-resolver) and did:web (through an
 * injected fetchJson, so SSRF protection lives in one place). did:web documents are
 * cached like atproto's DID memory cache: served as-is until stale, then served while a
 * background refresh runs, and never served past the maximum age. did:key documents,
 * which never change, are kept (bounded) once built.
 */
import { type DIDDocument, Resolver } from "did-resolver";
import { getResolver as getKeyResolver } from "key-did-resolver";
import type { Clock } from "../clock.js";
import { didWebToUrls } from "./did-web.js";
import { DidResolutionError } from "./errors.js";

export interface ResolveOptions {
  /** Bypass the cache (e.g. after a signature mismatch, in case the key was rotated). */
  forceRefresh?: boolean;
}

export interface DidResolver {
  resolve(did: string, opts?: ResolveOptions): Promise<DIDDocument>;
}

export interface DidResolverOptions {
  fetchJson(url: string): Promise<unknown>;
  clock: Clock;
  /** Lets did:web fall back to plain http (local test nodes); never in production. */
  allowInsecure?: boolean;
  staleTtlMs?: number;
  maxTtlMs?: number;
  maxEntries?: number;
}

interface CacheEntry {
  doc: DIDDocument;
  fetchedAt: number;
}

const DID_RE = /^did:[a-z0-9]+:[A-Za-z0-9._%:-]+$/;

function checkDocument(did: string, value: unknown): DIDDocument {
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw new DidResolutionError(
      "invalid_document",
      `the DID document of ${did} is not a JSON object`,
    );
  const doc = value as Record<string, unknown>;
  if (doc.id !== did)
    throw new DidResolutionError(
      "id_mismatch",
      `the DID document fetched for ${did} has id ${JSON.stringify(doc.id)}`,
    );
  if (doc.verificationMethod !== undefined && !Array.isArray(doc.verificationMethod))
    throw new DidResolutionError(
      "invalid_document",
      `verificationMethod of ${did} is not an array`,
    );
  return value as DIDDocument;
}

// Fetch errors are read by shape, not class: identity sits below federation and must not import it.
function fetchFailure(did: string, url: string, err: unknown): DidResolutionError {
  const { status, message } = (err ?? {}) as { status?: unknown; message?: unknown };
  if (status === 404)
    return new DidResolutionError("not_found", `no DID document for ${did} at ${url}`);
  return new DidResolutionError(
    "fetch_failed",
    `cannot fetch the DID document of ${did} from ${url}: ${String(message)}`,
  );
}

/** Only a failure to talk https at all (not an https answer we dislike) falls back to http. */
function mayFallBack(err: unknown): boolean {
  const reason = (err as { reason?: unknown } | undefined)?.reason;
  return reason === undefined || reason === "network";
}

export function createDidResolver(opts: DidResolverOptions): DidResolver {
  const { fetchJson, clock, allowInsecure = false } = opts;
  const staleTtlMs = opts.staleTtlMs ?? 60 * 60_000;
  const maxTtlMs = opts.maxTtlMs ?? 24 * 60 * 60_000;
  const maxEntries = opts.maxEntries ?? 10_000;
  const keyResolver = new Resolver(getKeyResolver());
  const cache = new Map<string, CacheEntry>();
  const inFlight = new Map<string, Promise<DIDDocument>>();

  // A did:key document is a pure function of the DID, but building one costs more than
  // verifying a signature with it: kept without expiry, bounded like the did:web cache.
  const keyDocs = new Map<string, DIDDocument>();

  async function resolveDidKey(did: string): Promise<DIDDocument> {
    const known = keyDocs.get(did);
    if (known) return known;
    const result = await keyResolver.resolve(did);
    const error = result.didResolutionMetadata.error;
    if (error || !result.didDocument)
      throw new DidResolutionError(
        "invalid_did",
        `${did} cannot be resolved: ${error ?? "no document"}`,
      );
    keyDocs.set(did, result.didDocument);
    if (keyDocs.size > maxEntries) {
      const oldest = keyDocs.keys().next().value;
      if (oldest !== undefined) keyDocs.delete(oldest);
    }
    return result.didDocument;
  }

  async function fetchDidWeb(did: string): Promise<DIDDocument> {
    const urls = didWebToUrls(did, { allowInsecure });
    let failure: DidResolutionError | undefined;
    for (const url of urls) {
      let body: unknown;
      try {
        body = await fetchJson(url);
      } catch (err) {
        failure = fetchFailure(did, url, err);
        if (mayFallBack(err)) continue;
        break;
      }
      return checkDocument(did, body);
    }
    throw (
      failure ?? new DidResolutionError("fetch_failed", `cannot fetch the DID document of ${did}`)
    );
  }

  function remember(did: string, doc: DIDDocument): void {
    cache.delete(did);
    cache.set(did, { doc, fetchedAt: clock.now() });
    while (cache.size > maxEntries) {
      const oldest = cache.keys().next().value;
      if (oldest === undefined) break;
      cache.delete(oldest);
    }
  }

  function refresh(did: string): Promise<DIDDocument> {
    let pending = inFlight.get(did);
    if (!pending) {
      pending = fetchDidWeb(did)
        .then((doc) => {
          remember(did, doc);
          return doc;
        })
        .finally(() => inFlight.delete(did));
      inFlight.set(did, pending);
    }
    return pending;
  }

  async function resolveDidWeb(did: string, forceRefresh: boolean): Promise<DIDDocument> {
    const entry = cache.get(did);
    const age = entry ? clock.now() - entry.fetchedAt : Number.POSITIVE_INFINITY;
    if (entry && !forceRefresh && age <= maxTtlMs) {
      // A failed background refresh keeps the cached document until it reaches maxTtl.
      if (age > staleTtlMs) refresh(did).catch(() => undefined);
      return entry.doc;
    }
    return refresh(did);
  }

  return {
    async resolve(did, { forceRefresh = false } = {}) {
      if (!DID_RE.test(did)) throw new DidResolutionError("invalid_did", `"${did}" is not a DID`);
      if (did.startsWith("did:key:")) return resolveDidKey(did);
      if (did.startsWith("did:web:")) return resolveDidWeb(did, forceRefresh);
      throw new DidResolutionError(
        "unsupported_method",
        `${did.split(":", 2).join(":")} is not supported (did:key, did:web)`,
      );
    },
  };
}
