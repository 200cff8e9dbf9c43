import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/**
 * Random bytes drawn from the CSPRNG 4 KB at a time and each handed out once, as Node's own
 * randomUUID does: a call into the CSPRNG per id cost more than the rest of newId. (randomBytes,
 * not randomFillSync: the console's node:crypto shim has only the former.)
 */
let pool: Buffer = Buffer.alloc(0);
let poolAt = 0;

/** The next 16 unused random bytes of the pool, as four big-endian 32-bit words. */
function random128(words: number[]): void {
  if (poolAt + 16 > pool.length) {
    pool = randomBytes(4096);
    poolAt = 0;
  }
  for (let i = 0; i < 4; i++) words[i] = pool.readUInt32BE(poolAt + 4 * i);
  poolAt += 16;
}

const words = [0, 0, 0, 0];

/**
 * QLDB's unique ids (document, table, transaction, strand, export, stream): 128 random bits as
 * 22 base62 characters, big-endian, left-padded with '0' (62^22 > 2^128, so 22 always suffice).
 */
export function newId(): string {
  random128(words);
  return base62Of128(words);
}

/**
 * The 22 base62 digits of a 128-bit number given as four big-endian 32-bit words (changed in
 * place): long division by 62 over the words, each step exact in a double (< 62·2^32 < 2^53),
 * instead of BigInt arithmetic.
 */
export function base62Of128(w: number[]): string {
  const digits = new Array<string>(22);
  for (let d = 21; d >= 0; d--) {
    let rem = 0;
    for (let i = 0; i < 4; i++) {
      const cur = rem * 0x1_0000_0000 + w[i];
      w[i] = Math.floor(cur / 62);
      rem = cur - w[i] * 62;
    }
    digits[d] = ALPHABET[rem];
  }
  return digits.join('');
}

/** An id made from a digest's first 128 bits, for ids that must come out the same each time. */
export function idOfDigest(digest: Uint8Array): string {
  const v = new DataView(digest.buffer, digest.byteOffset, digest.byteLength);
  return base62Of128([v.getUint32(0), v.getUint32(4), v.getUint32(8), v.getUint32(12)]);
}

export const ID_PATTERN = /^[A-Za-z0-9]{22}$/;
