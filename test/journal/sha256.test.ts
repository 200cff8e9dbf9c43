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
