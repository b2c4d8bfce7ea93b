/**
 * Outbound HTTP to addresses named by others (peer nodes, did:web, webhooks), safe against
 * SSRF: https only, and every address actually connected to — after DNS resolution, on
 * every redirect hop — must be public unicast. The check sits in the socket's `lookup`,
 * so there is no gap between the address checked and the address used (DNS rebinding).
 * Time and size are bounded. CALENDARIO_ALLOW_INSECURE lifts the scheme and address rules.
 */
import dns from "node:dns";
import http, { type IncomingHttpHeaders } from "node:http";
import https from "node:https";
import type { LookupFunction } from "node:net";
import { UpstreamError } from "../errors.js";
import { guardedLookup, isPublicUnicastAddress } from "./address-guard.js";
import { checkOutboundUrl } from "./outbound-url.js";

export type FetchErrorReason =
  | "insecure_url"
  | "forbidden_address"
  | "timeout"
  | "too_large"
  | "too_many_redirects"
  | "http_status"
  | "invalid_json"
  | "network";

export class FetchError extends UpstreamError {
  constructor(
    readonly reason: FetchErrorReason,
    message: string,
    /** The HTTP status, for `http_status`. */
    readonly status?: number,
  ) {
    super(message, "fetch_failed");
  }
}

export interface SafeFetchOptions {
  /** Plain http and any address (tests and local development only). */
  allowInsecure?: boolean;
  /** For the whole fetch, redirects included. */
  timeoutMs?: number;
  maxBytes?: number;
  maxRedirects?: number;
  /** DNS lookup, `dns.lookup`-compatible (tests inject names). */
  lookup?: LookupFunction;
  /** Which addresses may be connected to; defaults to public unicast (any with allowInsecure). */
  isAllowedAddress?: (address: string) => boolean;
}

export interface FetchInit {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  /** Lower limits for this request than the fetch's own (a peer's answer, say). */
  timeoutMs?: number;
  maxBytes?: number;
}

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** The URL that answered, after redirects. */
  url: string;
}

export interface SafeFetch {
  /** GET (by default) a 2xx JSON answer. */
  fetchJson(url: string, init?: FetchInit): Promise<unknown>;
  /** Any answer, with status, headers and body. */
  fetchRaw(url: string, init?: FetchInit): Promise<RawResponse>;
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const USER_AGENT = "calendario-node";

function parseTarget(
  raw: string,
  base: URL | undefined,
  allowInsecure: boolean,
  isAllowedAddress: (address: string) => boolean,
): URL {
  const checked = checkOutboundUrl(raw, { allowInsecure, base, isAllowedAddress });
  if (checked.ok) return checked.url;
  throw new FetchError(
    checked.problem === "forbidden_address" ? "forbidden_address" : "insecure_url",
    checked.message,
  );
}

interface Hop {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export function createSafeFetch(opts: SafeFetchOptions = {}): SafeFetch {
  const allowInsecure = opts.allowInsecure ?? false;
  const timeoutMs = opts.timeoutMs ?? 5000;
  const maxBytes = opts.maxBytes ?? 512 * 1024;
  const maxRedirects = opts.maxRedirects ?? 3;
  const isAllowed = opts.isAllowedAddress ?? (allowInsecure ? () => true : isPublicUnicastAddress);
  const lookup = guardedLookup(
    opts.lookup ?? (dns.lookup as unknown as LookupFunction),
    isAllowed,
    (reason, message) => new FetchError(reason, message),
  );

  /** `url` passed checkOutboundUrl (IP literals included: sockets skip `lookup` for them). */
  function requestHop(
    url: URL,
    init: FetchInit,
    deadline: number,
    limits: { timeoutMs: number; maxBytes: number },
  ): Promise<Hop> {
    const { timeoutMs, maxBytes } = limits;
    return new Promise<Hop>((resolve, reject) => {
      const transport = url.protocol === "https:" ? https : http;
      const req = transport.request(url, {
        method: init.method ?? "GET",
        headers: { "user-agent": USER_AGENT, ...init.headers },
        lookup,
        // A private agent: a pooled socket could have been opened without our lookup.
        agent: false,
      });
      const fail = (err: Error) => {
        clearTimeout(timer);
        reject(
          err instanceof FetchError
            ? err
            : new FetchError("network", `${url.href}: ${err.message}`),
        );
      };
      // Settle first, then tear down: after a response, destroy() reports no error of its own.
      const abort = (err: FetchError) => {
        fail(err);
        req.destroy();
      };
      const timer = setTimeout(
        () => abort(new FetchError("timeout", `${url.href} did not answer within ${timeoutMs} ms`)),
        Math.max(0, deadline - Date.now()),
      );
      req.on("error", fail);
      req.on("response", (res) => {
        const status = res.statusCode ?? 0;
        if (REDIRECT_STATUSES.has(status) && res.headers.location) {
          clearTimeout(timer);
          res.resume();
          resolve({ status, headers: res.headers, body: Buffer.alloc(0) });
          return;
        }
        const declared = Number(res.headers["content-length"]);
        if (declared > maxBytes) {
          abort(
            new FetchError(
              "too_large",
              `${url.href} answers ${declared} bytes (limit ${maxBytes})`,
            ),
          );
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on("data", (chunk: Buffer) => {
          size += chunk.length;
          if (size > maxBytes)
            abort(new FetchError("too_large", `${url.href} answers more than ${maxBytes} bytes`));
          else chunks.push(chunk);
        });
        res.on("error", fail);
        res.on("end", () => {
          clearTimeout(timer);
          resolve({ status, headers: res.headers, body: Buffer.concat(chunks) });
        });
      });
      req.end(init.body);
    });
  }

  async function fetchRaw(rawUrl: string, init: FetchInit = {}): Promise<RawResponse> {
    const limits = {
      timeoutMs: Math.min(timeoutMs, init.timeoutMs ?? timeoutMs),
      maxBytes: Math.min(maxBytes, init.maxBytes ?? maxBytes),
    };
    const deadline = Date.now() + limits.timeoutMs;
    let url = parseTarget(rawUrl, undefined, allowInsecure, isAllowed);
    let current = { ...init };
    for (let hop = 0; ; hop++) {
      const answer = await requestHop(url, current, deadline, limits);
      if (!REDIRECT_STATUSES.has(answer.status) || !answer.headers.location)
        return { ...answer, url: url.href };
      if (hop >= maxRedirects)
        throw new FetchError(
          "too_many_redirects",
          `${rawUrl} redirects more than ${maxRedirects} times`,
        );
      const next = parseTarget(answer.headers.location, url, allowInsecure, isAllowed);
      current = nextHopInit(current, answer.status, url, next);
      url = next;
    }
  }

  async function fetchJson(url: string, init: FetchInit = {}): Promise<unknown> {
    const answer = await fetchRaw(url, {
      ...init,
      headers: { accept: "application/json", ...init.headers },
    });
    if (answer.status < 200 || answer.status > 299)
      throw new FetchError(
        "http_status",
        `${answer.url} answered HTTP ${answer.status}`,
        answer.status,
      );
    try {
      return JSON.parse(answer.body.toString("utf8"));
    } catch {
      throw new FetchError("invalid_json", `${answer.url} did not answer JSON`);
    }
  }

  return { fetchJson, fetchRaw };
}

/** What the next hop sends: 303 (and 301/302 after POST) become GET; credentials stay on their origin. */
function nextHopInit(init: FetchInit, status: number, from: URL, to: URL): FetchInit {
  const method = (init.method ?? "GET").toUpperCase();
  const toGet = status === 303 || ((status === 301 || status === 302) && method === "POST");
  const headers = { ...init.headers };
  if (from.origin !== to.origin) {
    for (const name of Object.keys(headers))
      if (/^(authorization|cookie)$/i.test(name)) delete headers[name];
  }
  if (toGet) {
    for (const name of Object.keys(headers))
      if (/^content-(type|length)$/i.test(name)) delete headers[name];
    return { method: method === "HEAD" ? "HEAD" : "GET", headers };
  }
  return { ...init, headers };
}
