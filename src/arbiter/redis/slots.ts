/**
 * Redis Cluster's key slots (CRC16/XMODEM of the key's hash tag, modulo 16384), so the
 * node refuses, before sending, a script call whose keys would span slots: on a single
 * Redis it would run, on a cluster it would fail, and the layout must work on both.
 */

export const SLOT_COUNT = 16384;

const TABLE = (() => {
  const table = new Uint16Array(256);
  for (let byte = 0; byte < 256; byte++) {
    let crc = byte << 8;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? (crc << 1) ^ 0x1021 : crc << 1;
    table[byte] = crc & 0xffff;
  }
  return table;
})();

function crc16(bytes: Uint8Array): number {
  let crc = 0;
  for (const byte of bytes) crc = ((crc << 8) & 0xffff) ^ TABLE[((crc >> 8) ^ byte) & 0xff]!;
  return crc;
}

/** The part of a key that is hashed: the first non-empty `{…}` tag, else the whole key. */
export function hashTagOf(key: string): string {
  const open = key.indexOf("{");
  if (open === -1) return key;
  const close = key.indexOf("}", open + 1);
  if (close === -1 || close === open + 1) return key;
  return key.slice(open + 1, close);
}

export function keySlot(key: string): number {
  return crc16(Buffer.from(hashTagOf(key), "utf8")) % SLOT_COUNT;
}

/** A command whose keys would span cluster slots: refused before it is sent. */
export class CrossSlotError extends Error {
  constructor(what: string, keys: readonly string[]) {
    super(`${what}: keys span Redis Cluster slots (${keys.join(", ")})`);
    this.name = "CrossSlotError";
  }
}

/**
 * Throws CrossSlotError unless every key hashes to one slot. Keys with the same hash tag
 * (the usual case: one user's keys) are accepted without hashing.
 */
export function assertOneSlot(what: string, keys: readonly string[]): void {
  if (keys.length < 2) return;
  const tag = hashTagOf(keys[0]!);
  if (keys.every((key) => hashTagOf(key) === tag)) return;
  const slot = keySlot(keys[0]!);
  if (keys.some((key) => keySlot(key) !== slot)) throw new CrossSlotError(what, keys);
}
