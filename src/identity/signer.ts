/** A key that signs as one verification method of one DID. */
import type { JWK } from "jose";
import { didKeyVerificationMethod, publicJwkToDidKey } from "./did-key.js";
import { didWebForDomain } from "./did-web.js";
import {
  algForJwk,
  type JwsAlg,
  type JwsHeaderExtras,
  signCompactJws,
  signDetached,
} from "./jws.js";
import { jwkThumbprint, publicJwkOf } from "./keys.js";

export interface Signer {
  did: string;
  /** The full verification method id, `did#fragment`; also the JWS `kid`. */
  kid: string;
  alg: JwsAlg;
  publicJwk: JWK;
  /** `header..signature` over `payload` (RFC 7515 appendix F). */
  signDetached(payload: Uint8Array): Promise<string>;
  /** A compact JWS with the JCS form of `payload` attached. */
  signCompact(payload: unknown): Promise<string>;
  /** A compact JWS (a JWT) of the JCS form of `claims`, protected header `{alg, kid, typ}`. */
  signJwt(header: Required<JwsHeaderExtras>, claims: Record<string, unknown>): Promise<string>;
}

export function createSigner(opts: { did: string; kid: string; privateJwk: JWK }): Signer {
  const { did, kid, privateJwk } = opts;
  if (typeof privateJwk.d !== "string") throw new Error("createSigner needs a private JWK");
  if (!kid.startsWith(`${did}#`))
    throw new Error(`kid ${kid} is not a verification method of ${did}`);
  const alg = algForJwk(privateJwk);
  return {
    did,
    kid,
    alg,
    publicJwk: publicJwkOf(privateJwk),
    signDetached: (payload) => signDetached(payload, privateJwk, { kid, alg }),
    signCompact: (payload) => signCompactJws(payload, privateJwk, kid, alg),
    signJwt: (header, claims) => signCompactJws(claims, privateJwk, kid, alg, { typ: header.typ }),
  };
}

/** The organization signs as `did:web:<domain>#<JWK thumbprint>`. */
export async function orgSigner(domain: string, orgPrivateJwk: JWK): Promise<Signer> {
  const did = didWebForDomain(domain);
  return createSigner({
    did,
    kid: `${did}#${jwkThumbprint(orgPrivateJwk)}`,
    privateJwk: orgPrivateJwk,
  });
}

/** A key signs as its own did:key. */
export async function didKeySigner(privateJwk: JWK): Promise<Signer> {
  const did = publicJwkToDidKey(publicJwkOf(privateJwk));
  return createSigner({ did, kid: didKeyVerificationMethod(did), privateJwk });
}
