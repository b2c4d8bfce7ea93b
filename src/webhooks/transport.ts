/**
 * POSTs a delivery to a subscriber's URL. Kept-alive connections (undici) for throughput,
 * with the same SSRF rules as the federation's safe fetch: https only, and every address
 * connected to must be public unicast — checked in the socket's DNS lookup, so there is no
 * gap between the address checked and the one used. Redirects are not followed.
 */
import dns from "node:dns";
import type { LookupFunction } from "node:net";
import { Agent, request } from "undici";
import { checkOutboundUrl, guardedLookup, isPublicUnicastAddress } from "../federation/index.js";

export interface PostResult {
  statusCode: number;
  retryAfter: string | undefined;
}

export type PostFailure = "timeout" | "forbidden_address" | "insecure_url" | "network" | "aborted";

export class PostError extends Error {
  constructor(
    readonly reason: PostFailure,
    message: string,
  ) {
    super(message);
    this.name = "PostError";
  }
}

export interface WebhookTransport {
  post(
    url: string,
    headers: Record<string, string>,
    body: string,
    timeoutMs: number,
  ): Promise<PostResult>;
  /** Aborts what is in flight and closes the connections. */
  close(): Promise<void>;
}

export interface TransportOptions {
  allowInsecure: boolean;
  /** DNS lookup, `dns.lookup`-compatible (tests inject names). */
  lookup?: LookupFunction;
}

const USER_AGENT = "calendario-node-webhooks";
const MAX_RESPONSE_BYTES = 64 * 1024;

/** Refuses what may never be posted to, before any connection. */
export function checkTargetUrl(raw: string, allowInsecure: boolean): URL {
  const checked = checkOutboundUrl(raw, { allowInsecure });
  if (checked.ok) return checked.url;
  throw new PostError(
    checked.problem === "forbidden_address" ? "forbidden_address" : "insecure_url",
    checked.message,
  );
}

export function createWebhookTransport(opts: TransportOptions): WebhookTransport {
  const base = opts.lookup ?? (dns.lookup as unknown as LookupFunction);
  const agent = new Agent({
    connect: opts.allowInsecure
      ? { lookup: base }
      : {
          lookup: guardedLookup(
            base,
            isPublicUnicastAddress,
            (reason, message) => new PostError(reason, message),
          ),
        },
    keepAliveTimeout: 10_000,
    connections: 16,
  });
  const inFlight = new Set<AbortController>();

  async function post(url: string, headers: Record<string, string>, body: string, ms: number) {
    const target = checkTargetUrl(url, opts.allowInsecure);
    const abort = new AbortController();
    inFlight.add(abort);
    const timer = setTimeout(
      () => abort.abort(new PostError("timeout", `no answer in ${ms} ms`)),
      ms,
    );
    try {
      const res = await request(target, {
        method: "POST",
        headers: { "user-agent": USER_AGENT, ...headers },
        body,
        dispatcher: agent,
        signal: abort.signal,
      });
      // The answer's body is not used; reading a bounded amount keeps the connection reusable.
      await res.body.dump({ limit: MAX_RESPONSE_BYTES }).catch(() => {});
      const retryAfter = res.headers["retry-after"];
      return {
        statusCode: res.statusCode,
        retryAfter: Array.isArray(retryAfter) ? retryAfter[0] : retryAfter,
      };
    } catch (err) {
      throw toPostError(abort.signal.reason ?? err);
    } finally {
      clearTimeout(timer);
      inFlight.delete(abort);
    }
  }

  return {
    post,
    async close() {
      for (const abort of inFlight) abort.abort(new PostError("aborted", "node shutting down"));
      await agent.close().catch(() => {});
    },
  };
}

function toPostError(err: unknown): PostError {
  if (err instanceof PostError) return err;
  const cause = (err as { cause?: unknown }).cause;
  if (cause instanceof PostError) return cause;
  const message = err instanceof Error ? err.message : String(err);
  return new PostError("network", message);
}
