import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/**
 * QLDB's unique ids (document, table, transaction, strand, export, stream): 128 random bits as
 * 22 base62 characters, big-endian, left-padded with '0' (62^22 > 2^128, so 22 always suffice).
 */
export function newId(): string {
  let n = BigInt('0x' + randomBytes(16).toString('hex'));
  let s = '';
  while (n > 0n) {
    s = ALPHABET[Number(n % 62n)] + s;
    n /= 62n;
  }
  return s.padStart(22, '0');
}

export const ID_PATTERN = /^[A-Za-z0-9]{22}$/;
