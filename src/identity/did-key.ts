/**
 * did:key for the key types we sign with: the multicodec-prefixed public key in
 * base58btc (`z…`). Ed25519 is what nodes issue; secp256k1 and P-256 are read too.
 */
import { ECDH } from "node:crypto";
import type { JWK } from "jose";
import { varint } from "multiformats";
import { base58btc } from "multiformats/bases/base58";

const DID_KEY_PREFIX = "did:key:";

interface KeyCodec {
  code: number;
  crv: string;
  /** OpenSSL curve name for EC keys (points are stored compressed). */
  ecCurve?: string;
}

const CODECS: KeyCodec[] = [
  { code: 0xed, crv: "Ed25519" },
  { code: 0xe7, crv: "secp256k1", ecCurve: "secp256k1" },
  { code: 0x1200, crv: "P-256", ecCurve: "prime256v1" },
];

export class UnsupportedKeyError extends Error {
  override readonly name = "UnsupportedKeyError";
}

/** A public JWK from an EC point, compressed (0x02/0x03) or uncompressed (0x04). */
export function ecPointToJwk(crv: "secp256k1" | "P-256", point: Uint8Array): JWK {
  const curve = crv === "P-256" ? "prime256v1" : "secp256k1";
  let raw: Buffer;
  try {
    raw = ECDH.convertKey(
      Buffer.from(point),
      curve,
      undefined,
      undefined,
      "uncompressed",
    ) as Buffer;
  } catch {
    throw new UnsupportedKeyError(`not a valid ${crv} public key`);
  }
  return {
    kty: "EC",
    crv,
    x: raw.subarray(1, 33).toString("base64url"),
    y: raw.subarray(33, 65).toString("base64url"),
  };
}

function rawPublicKey(jwk: JWK): { codec: KeyCodec; bytes: Uint8Array } {
  const codec = CODECS.find((c) => c.crv === jwk.crv);
  if (!codec || typeof jwk.x !== "string")
    throw new UnsupportedKeyError(`unsupported key ${jwk.crv}`);
  const x = Buffer.from(jwk.x, "base64url");
  if (!codec.ecCurve) {
    if (jwk.kty !== "OKP" || x.length !== 32) throw new UnsupportedKeyError("not an Ed25519 key");
    return { codec, bytes: x };
  }
  if (jwk.kty !== "EC" || typeof jwk.y !== "string") throw new UnsupportedKeyError("not an EC key");
  const uncompressed = Buffer.concat([Buffer.from([4]), x, Buffer.from(jwk.y, "base64url")]);
  const bytes = ECDH.convertKey(uncompressed, codec.ecCurve, undefined, undefined, "compressed");
  return { codec, bytes: bytes as Buffer };
}

/** `z…`: multicodec prefix + public key, base58btc (the did:key and Multikey encoding). */
export function publicJwkToMultibase(jwk: JWK): string {
  const { codec, bytes } = rawPublicKey(jwk);
  const prefix = varint.encodeTo(codec.code, new Uint8Array(varint.encodingLength(codec.code)));
  const out = new Uint8Array(prefix.length + bytes.length);
  out.set(prefix);
  out.set(bytes, prefix.length);
  return base58btc.encode(out);
}

/** The public JWK of a multicodec-prefixed, base58btc (`z…`) public key. */
export function multibaseToPublicJwk(multibase: string): JWK {
  let bytes: Uint8Array;
  try {
    bytes = base58btc.decode(multibase);
  } catch {
    throw new UnsupportedKeyError("not a base58btc multibase value");
  }
  const [code, length] = varint.decode(bytes);
  const codec = CODECS.find((c) => c.code === code);
  if (!codec) throw new UnsupportedKeyError(`unsupported multicodec 0x${code.toString(16)}`);
  const key = bytes.subarray(length);
  if (codec.ecCurve) return ecPointToJwk(codec.crv as "secp256k1" | "P-256", key);
  if (key.length !== 32) throw new UnsupportedKeyError("an Ed25519 key is 32 bytes");
  return { kty: "OKP", crv: "Ed25519", x: Buffer.from(key).toString("base64url") };
}

export function publicJwkToDidKey(publicJwk: JWK): string {
  return `${DID_KEY_PREFIX}${publicJwkToMultibase(publicJwk)}`;
}

/** `did:key:z…#z…`: the one verification method of a did:key, as the did:key spec names it. */
export function didKeyVerificationMethod(did: string): string {
  if (!did.startsWith(DID_KEY_PREFIX)) throw new UnsupportedKeyError(`${did} is not a did:key`);
  return `${did}#${did.slice(DID_KEY_PREFIX.length)}`;
}

export function didKeyToPublicJwk(did: string): JWK {
  if (!did.startsWith(DID_KEY_PREFIX)) throw new UnsupportedKeyError(`${did} is not a did:key`);
  return multibaseToPublicJwk(did.slice(DID_KEY_PREFIX.length));
}
