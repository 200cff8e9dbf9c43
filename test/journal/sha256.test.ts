import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { sha256, sha256Into, sha256Ready } from '../../src/journal/sha256';

test('sha256 equals node:crypto for every length around the padding and native boundaries, before and after the WebAssembly hasher is ready', async () => {
  const lengths = [...Array.from({ length: 140 }, (_, i) => i), 255, 256, 511, 512, 513, 1000, 4096];
  const check = () => {
    for (const n of lengths) {
      const data = randomBytes(n + 7);
      const expected = createHash('sha256').update(data.subarray(3, 3 + n)).digest();
      assert.deepEqual(sha256(data.subarray(3, 3 + n)), expected, `length ${n}`);
      const out = Buffer.alloc(40);
      sha256Into(data, 3, 3 + n, out, 5);
      assert.deepEqual(out.subarray(5, 37), expected, `length ${n} at an offset`);
    }
  };
  check(); // whichever hasher serves right after load
  await sha256Ready;
  check();
  assert.equal(sha256(Buffer.from('abc')).toString('hex'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  // the digest returned is the caller's to keep: a later hash does not overwrite it
  const first = sha256(Buffer.from('one'));
  const copy = Buffer.from(first);
  sha256(Buffer.from('two'));
  assert.deepEqual(first, copy);
});

test('short inputs hashed again, and inputs that displace each other in the memo, still hash to node:crypto\'s digest', async () => {
  await sha256Ready;
  // more distinct inputs than the memo has slots, so that many share a slot and evict each other,
  // each hashed three times in a shuffled order, from buffers written over between the rounds
  const inputs = Array.from({ length: 10_000 }, (_, i) => randomBytes(i % 64));
  const expected = inputs.map((b) => createHash('sha256').update(b).digest());
  const scratch = Buffer.alloc(80);
  for (let round = 0; round < 3; round++) {
    const order = inputs.map((_, i) => i).sort(() => Math.random() - 0.5);
    for (const i of order) {
      const n = inputs[i].length;
      scratch.fill(round);
      inputs[i].copy(scratch, 9);
      const out = Buffer.alloc(32);
      sha256Into(scratch, 9, 9 + n, out, 0);
      assert.deepEqual(out, expected[i], `input ${i} (${n} bytes), round ${round}`);
      assert.deepEqual(sha256(inputs[i]), expected[i], `input ${i} whole, round ${round}`);
    }
  }
  // the same bytes with one bit changed are not the same input
  const a = Buffer.from('version 0 of a field');
  const b = Buffer.from(a);
  b[b.length - 1] ^= 1;
  assert.notDeepEqual(sha256(a), sha256(b));
  assert.deepEqual(sha256(b), createHash('sha256').update(b).digest());
});
