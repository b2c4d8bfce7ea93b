/**
 * did:web (https://w3c-ccg.github.io/did-method-web/): the DID of a domain, where its
 * document lives, and the document this node publishes for its own keys.
 */
import type { DIDDocument } from "did-resolver";
import type { JWK } from "jose";
import { DidResolutionError } from "./errors.js";
import { jwkThumbprint, publicJwkOf } from "./keys.js";

const DID_WEB_PREFIX = "did:web:";
const HOST_RE =
  /^(?=.{1,253}(?::|$))[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*(?::(\d{1,5}))?$/;
const PATH_SEGMENT_RE = /^(?:[A-Za-z0-9._~!$&'()*+,;=@-]|%[0-9A-Fa-f]{2})+$/;

export const DID_CONTEXT = [
  "https://www.w3.org/ns/did/v1",
  "https://w3id.org/security/suites/jws-2020/v1",
];

function normalizeHost(hostWithPort: string): string | undefined {
  const host = hostWithPort.toLowerCase();
  const match = HOST_RE.exec(host);
  if (!match) return undefined;
  const port = match[1];
  if (port !== undefined && (Number(port) < 1 || Number(port) > 65535)) return undefined;
  return host;
}

/** `did:web:<domain>` for a host with an optional port (written `%3A<port>`). */
export function didWebForDomain(domain: string): string {
  const host = normalizeHost(domain);
  if (!host) throw new DidResolutionError("invalid_did", `"${domain}" is not a host name`);
  return `${DID_WEB_PREFIX}${host.replace(":", "%3A")}`;
}

/** The host (with port, if any) a did:web names; throws DidResolutionError if it is not one. */
export function didWebHost(did: string): string {
  return parseDidWeb(did).host;
}

function parseDidWeb(did: string): { host: string; path: string[] } {
  if (!did.startsWith(DID_WEB_PREFIX))
    throw new DidResolutionError("invalid_did", `${did} is not a did:web`);
  const [hostPart = "", ...path] = did.slice(DID_WEB_PREFIX.length).split(":");
  const host = normalizeHost(hostPart.replace(/%3A/gi, ":"));
  if (!host) throw new DidResolutionError("invalid_did", `${did} does not name a valid host`);
  if (
    !path.every((segment) => PATH_SEGMENT_RE.test(segment) && segment !== "." && segment !== "..")
  )
    throw new DidResolutionError("invalid_did", `${did} has an invalid path segment`);
  return { host, path };
}

/**
 * Where the DID document of a did:web lives: `https://<host>/.well-known/did.json`, or
 * `https://<host>/<path…>/did.json`. With `allowInsecure` the plain-http URL follows as a
 * fallback (local test nodes); production resolution never leaves https.
 */
export function didWebToUrls(did: string, opts: { allowInsecure?: boolean } = {}): string[] {
  const { host, path } = parseDidWeb(did);
  const rest = path.length > 0 ? `/${path.join("/")}/did.json` : "/.well-known/did.json";
  const urls = [`https://${host}${rest}`];
  if (opts.allowInsecure) urls.push(`http://${host}${rest}`);
  return urls;
}

/** The DID document of `did` listing `publicJwks` for both assertion and authentication. */
export function buildDidWebDocument(did: string, publicJwks: JWK[]): DIDDocument {
  parseDidWeb(did);
  const verificationMethod = publicJwks.map((jwk) => ({
    id: `${did}#${jwkThumbprint(jwk)}`,
    type: "JsonWebKey2020",
    controller: did,
    publicKeyJwk: publicJwkOf(jwk) as NonNullable<
      DIDDocument["verificationMethod"]
    >[number]["publicKeyJwk"],
  }));
  const ids = verificationMethod.map((method) => method.id);
  return {
    "@context": DID_CONTEXT,
    id: did,
    verificationMethod,
    assertionMethod: ids,
    authentication: [...ids],
  };
}
