import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { base62Of128, ID_PATTERN, idOfDigest, newId } from '../../src/journal/ids';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** The definition: the 128-bit number in base62, big-endian, left-padded with '0' to 22. */
function byBigInt(bytes: Buffer): string {
  let n = BigInt('0x' + bytes.toString('hex'));
  let s = '';
  while (n > 0n) {
    s = ALPHABET[Number(n % 62n)] + s;
    n /= 62n;
  }
  return s.padStart(22, '0');
}

const words = (b: Buffer) => [0, 4, 8, 12].map((i) => b.readUInt32BE(i));

test('base62Of128 equals the BigInt definition on random, zero, all-ones and single-bit values', () => {
  const cases = [Buffer.alloc(16), Buffer.alloc(16, 0xff)];
  for (let bit = 0; bit < 128; bit++) {
    const b = Buffer.alloc(16);
    b[15 - (bit >> 3)] = 1 << (bit & 7);
    cases.push(b);
  }
  for (let i = 0; i < 5000; i++) cases.push(randomBytes(16));
  for (const b of cases) assert.equal(base62Of128(words(b)), byBigInt(b), b.toString('hex'));
});

test('newId: 22 base62 characters, all different over more than one random pool', () => {
  const seen = new Set<string>();
  for (let i = 0; i < 2000; i++) {
    const id = newId();
    assert.match(id, ID_PATTERN);
    seen.add(id);
  }
  assert.equal(seen.size, 2000);
});

test("idOfDigest is the BigInt definition over a digest's first 16 bytes, wherever the digest sits in its buffer", () => {
  for (let i = 0; i < 200; i++) {
    const digest = createHash('sha256').update(`digest ${i}`).digest();
    assert.equal(idOfDigest(digest), byBigInt(digest.subarray(0, 16)));
    // a view that starts inside a larger buffer, as pooled Buffers do
    const inside = Buffer.concat([randomBytes(1 + (i % 7)), digest]).subarray(1 + (i % 7));
    assert.equal(idOfDigest(inside), byBigInt(digest.subarray(0, 16)));
  }
});
