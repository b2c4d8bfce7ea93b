/**
 * Requests to other nodes: a booking request (JSON POST with a request token) and a
 * person's free/busy. Both go over the SSRF-safe fetch with tighter limits on time and
 * size; no answer at all is `peer_unreachable`, an answer that makes no sense is
 * `peer_unverified`.
 */
import type { IncomingHttpHeaders } from "node:http";
import type { Clock } from "../clock.js";
import { UpstreamError } from "../errors.js";
import { isoUtc } from "../iso-time.js";
import { FetchError, type RawResponse, type SafeFetch } from "./safe-fetch.js";

export const PEER_TIMEOUT_MS = 10_000;
/** A peer's answer; requests themselves are at most 256 KiB by the protocol. */
export const PEER_MAX_BYTES = 256 * 1024;
/** Longest a free/busy answer is reused, whatever its `ttl_seconds` says. */
export const MAX_FREEBUSY_TTL_SECONDS = 600;

export interface PeerResponse {
  status: number;
  /** The parsed JSON answer; undefined when it is empty or not JSON. */
  body: unknown;
  headers: IncomingHttpHeaders;
}

export interface PostToPeerInput {
  url: string;
  /** POST (a request) by default; DELETE cancels a booking asked for before. */
  method?: "POST" | "GET" | "DELETE";
  /** A request token for this exact request (`htm` POST, `htu` the URL, `bh` of `body`). */
  token: string;
  /** The exact bytes the token's `bh` covers. */
  body: string;
}

const unreachable = (message: string, cause?: unknown) =>
  new UpstreamError(message, "peer_unreachable", cause);
const unverified = (message: string, cause?: unknown) =>
  new UpstreamError(message, "peer_unverified", cause);

function noAnswer(url: string, err: unknown): UpstreamError {
  if (
    err instanceof FetchError &&
    !["network", "timeout", "forbidden_address"].includes(err.reason)
  )
    return unverified(`${url} cannot be used: ${err.message}`, err);
  return unreachable(`${url} did not answer: ${(err as Error)?.message ?? String(err)}`, err);
}

function parseJson(res: RawResponse): unknown {
  if (res.body.length === 0) return undefined;
  try {
    return JSON.parse(res.body.toString("utf8"));
  } catch {
    return undefined;
  }
}

/** Sends `body` with `Authorization: Bearer <token>`; any HTTP status is an answer for the caller to read. */
export async function postToPeer(fetch: SafeFetch, input: PostToPeerInput): Promise<PeerResponse> {
  let res: RawResponse;
  const method = input.method ?? "POST";
  try {
    res = await fetch.fetchRaw(input.url, {
      method,
      headers: {
        authorization: `Bearer ${input.token}`,
        ...(input.body !== "" && { "content-type": "application/json" }),
        accept: "application/json",
      },
      ...(input.body !== "" && { body: input.body }),
      timeoutMs: PEER_TIMEOUT_MS,
      maxBytes: PEER_MAX_BYTES,
    });
  } catch (err) {
    throw noAnswer(input.url, err);
  }
  return { status: res.status, body: parseJson(res), headers: res.headers };
}

export interface FreeBusy {
  /** Busy intervals, epoch milliseconds, end exclusive. */
  busy: { start: number; end: number }[];
  ttlSeconds: number;
}

export interface FreeBusyCache {
  get(key: string): FreeBusy | undefined;
  set(key: string, value: FreeBusy): void;
}

/** Free/busy answers kept for their `ttl_seconds` (at most 10 min); the oldest dropped past `maxEntries`. */
export function createFreeBusyCache(opts: { clock: Clock; maxEntries?: number }): FreeBusyCache {
  const maxEntries = opts.maxEntries ?? 1000;
  const entries = new Map<string, { value: FreeBusy; expiresAt: number }>();
  return {
    get(key) {
      const entry = entries.get(key);
      if (!entry) return undefined;
      if (entry.expiresAt <= opts.clock.now()) {
        entries.delete(key);
        return undefined;
      }
      return entry.value;
    },
    set(key, value) {
      if (value.ttlSeconds <= 0) return;
      entries.delete(key);
      entries.set(key, { value, expiresAt: opts.clock.now() + value.ttlSeconds * 1000 });
      while (entries.size > maxEntries) {
        const oldest = entries.keys().next().value;
        if (oldest === undefined) break;
        entries.delete(oldest);
      }
    },
  };
}

const ISO_INSTANT_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})$/i;

function instant(value: unknown): number | undefined {
  if (typeof value !== "string" || !ISO_INSTANT_RE.test(value)) return undefined;
  const ms = Date.parse(value);
  return Number.isFinite(ms) ? ms : undefined;
}

/** The `/api/freebusy/{username}` answer (PROTOCOL §6.3), checked; undefined if it is not one. */
export function parseFreeBusy(body: unknown): FreeBusy | undefined {
  if (typeof body !== "object" || body === null) return undefined;
  const { busy, ttl_seconds } = body as { busy?: unknown; ttl_seconds?: unknown };
  if (!Array.isArray(busy)) return undefined;
  const intervals: FreeBusy["busy"] = [];
  for (const item of busy) {
    const start = instant((item as { start?: unknown } | null)?.start);
    const end = instant((item as { end?: unknown } | null)?.end);
    if (start === undefined || end === undefined || end <= start) return undefined;
    intervals.push({ start, end });
  }
  intervals.sort((a, b) => a.start - b.start);
  const ttl = typeof ttl_seconds === "number" && Number.isFinite(ttl_seconds) ? ttl_seconds : 0;
  return {
    busy: intervals,
    ttlSeconds: Math.min(MAX_FREEBUSY_TTL_SECONDS, Math.max(0, Math.floor(ttl))),
  };
}

/**
 * The busy time of the person whose `free_busy_url` is `url`, over `range` (epoch ms),
 * reused from `opts.cache` while its `ttl_seconds` last.
 */
export async function fetchFreeBusy(
  fetch: SafeFetch,
  url: string,
  range: { start: number; end: number },
  opts: { cache?: FreeBusyCache } = {},
): Promise<FreeBusy> {
  let target: URL;
  try {
    target = new URL(url);
  } catch (err) {
    throw unverified(`the free/busy URL ${JSON.stringify(url)} is not a URL`, err);
  }
  target.searchParams.set("start", isoUtc(range.start));
  target.searchParams.set("end", isoUtc(range.end));
  const key = target.href;
  const cached = opts.cache?.get(key);
  if (cached) return cached;
  let res: RawResponse;
  try {
    res = await fetch.fetchRaw(key, {
      headers: { accept: "application/json" },
      timeoutMs: PEER_TIMEOUT_MS,
      maxBytes: PEER_MAX_BYTES,
    });
  } catch (err) {
    throw noAnswer(key, err);
  }
  if (res.status !== 200) {
    const message = `${key} answered HTTP ${res.status}`;
    throw res.status >= 500 || res.status === 408 || res.status === 429
      ? unreachable(message)
      : unverified(message);
  }
  const freeBusy = parseFreeBusy(parseJson(res));
  if (!freeBusy) throw unverified(`${key} did not answer free/busy`);
  opts.cache?.set(key, freeBusy);
  return freeBusy;
}
