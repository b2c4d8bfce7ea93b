/**
 * The one check of a URL the node is about to send a request to (a peer, a DID
 * document, a webhook receiver, a callback): https only, no credentials, and an IP
 * literal must be a public address — sockets skip the guarded DNS lookup for literals.
 * CALENDARIO_ALLOW_INSECURE lifts the scheme and address rules, for tests and local use.
 */
import net from "node:net";
import { isPublicUnicastAddress } from "./address-guard.js";

export type OutboundUrlProblem =
  | "invalid_url"
  | "insecure_url"
  | "credentials"
  | "forbidden_address";

export type OutboundUrlCheck =
  | { ok: true; url: URL }
  | { ok: false; problem: OutboundUrlProblem; message: string };

export interface OutboundUrlOptions {
  allowInsecure: boolean;
  /** Resolves a relative URL (a redirect's Location). */
  base?: URL;
  /** Which IP literals may be connected to; public unicast unless insecure. */
  isAllowedAddress?: (address: string) => boolean;
}

export function checkOutboundUrl(raw: string, opts: OutboundUrlOptions): OutboundUrlCheck {
  let url: URL;
  try {
    url = new URL(raw, opts.base);
  } catch {
    return { ok: false, problem: "invalid_url", message: `"${raw}" is not a valid URL` };
  }
  const plainHttpAllowed = opts.allowInsecure && url.protocol === "http:";
  if (url.protocol !== "https:" && !plainHttpAllowed)
    return { ok: false, problem: "insecure_url", message: `${url.href} is not an https URL` };
  if (url.username || url.password)
    return { ok: false, problem: "credentials", message: "a URL must not carry credentials" };
  const literal = url.hostname.replace(/^\[|\]$/g, "");
  const isAllowed =
    opts.isAllowedAddress ?? (opts.allowInsecure ? () => true : isPublicUnicastAddress);
  if (net.isIP(literal) && !isAllowed(literal))
    return {
      ok: false,
      problem: "forbidden_address",
      message: `${literal} is not a public address`,
    };
  return { ok: true, url };
}
