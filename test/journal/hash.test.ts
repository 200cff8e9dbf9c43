import { test } from 'node:test';
import assert from 'node:assert/strict';
import { load } from 'ion-js';
import { dot, foldProof, merkleAuditPath, merkleRoot } from '../../src/journal/hash';
import { ionHash, ionHashString } from '../../src/journal/ionHash';
import { TV1_BLOCK_PROOF, TV1_BLOCK_TEXT, TV2_REVISION_PROOF, TV_DIGEST_123, b64 } from './vectors';

const block = load(TV1_BLOCK_TEXT)!;
const rev = block.get('revisions', 0)!;
const list = ['eRSwnmAM7WWANWDd5iGOyK+T4tDXyzUq6HZ/0fgLHos=', 'mHVex/yjHAWjFPpwhBuH2GKXmKJjK2FBa9faqoUVNtg=', 'y5cCBr7pOAIUfsVQ1j0TqtE97b4b4oo1R0vnYyE5wWM=', 'TvTXygML1bMe6NvEZtGkX+KR+W/EJl4qD1mmV77KZQg='].map(b64);

test('TV-6: dot compares signed bytes from the last one', () => {
  const a = Buffer.alloc(32);
  a[31] = 0x7f;
  const c = Buffer.alloc(32);
  c[31] = 0x80;
  assert.equal(dot(a, c).toString('hex'), '7035948d9d59da9d6ad20d11b3bc4a1e4c386dbe686fcadb095afb6bb462e6e3');
  assert.equal(dot(c, a).toString('hex'), '7035948d9d59da9d6ad20d11b3bc4a1e4c386dbe686fcadb095afb6bb462e6e3');
  assert.deepEqual(dot(a, Buffer.alloc(0)), a);
  assert.deepEqual(dot(Buffer.alloc(0), c), c);
  assert.throws(() => dot(a, Buffer.alloc(31)), RangeError);
});

test('TV-1: revision, statement, transactionInfo, entries and block hashes reproduce', () => {
  const hMeta = ionHash(rev.get('metadata')!);
  const hData = ionHash(rev.get('data')!);
  assert.equal(hMeta.toString('base64'), 'vNbkf63AqIvow6E3VraH1FfPrZxyU0OkJucmJGWte1s=');
  assert.equal(hData.toString('base64'), 'ykAB8EB0tXxIGmJ9Y9mwppjP1Z9S3Iw+vKN1L9ZXW3A=');
  assert.equal(dot(hMeta, hData).toString('base64'), 'mHVex/yjHAWjFPpwhBuH2GKXmKJjK2FBa9faqoUVNtg=');
  const stmt = block.get('transactionInfo', 'statements', 0, 'statement')!.stringValue()!;
  assert.equal(ionHashString(stmt).toString('base64'), 'jcgPX2vsOJ0waum4qmDYtn1pCAT9xKNIzA+2k4R+mxA=');
  assert.equal(ionHash(block.get('transactionInfo')!).toString('base64'), 'TvTXygML1bMe6NvEZtGkX+KR+W/EJl4qD1mmV77KZQg=');
  assert.equal(dot(list[2], list[3]).toString('base64'), 'VV1rdaNuf+yJZVGlmsM6gr2T52QvBO8Lg+KgpjcnWAU=');
  assert.equal(dot(list[0], list[1]).toString('base64'), 'FcYGbPfJCvZcTmLD4AcZ2BGlLJX0P/mfzdkdsRKR1w0=');
  const entriesHash = merkleRoot(list);
  assert.equal(entriesHash.toString('base64'), 'l05LOsiKV14SDbuaYnH7uwXzUvqzIwUiRLXGbTyj/nY=');
  const blockHash = dot(entriesHash, b64('7kewBXhpdbClcZKxhVmpoMHpUGOJtWQD0iY2LPfZkYA='));
  assert.equal(blockHash.toString('base64'), 'NoChM92yKRuJAb/jeLd1VnYn4DHiWIf071ACfic9uHc=');
  assert.equal(foldProof(blockHash, TV1_BLOCK_PROOF.map(b64)).toString('base64'), TV_DIGEST_123);
  // the unrelated-field hashes quoted in the spec, as a cross-check of field hashing
  assert.equal(ionHash(block.get('blockAddress')!).toString('base64'), 'wRt4GSrvMqtvkCoRTh7YfpEGjPaVTYEbaaoMnPWA9eg=');
  assert.equal(ionHashString('FnQeJBAicTX0Ah32ZnVtSX').toString('base64'), 'RoynFW3rVHzSUsC+V3ByfpqDTw1aIoYDpatBWRkTFvc=');
});

test('TV-2: the revision proof folds through entriesHash and blockHash to the digest', () => {
  const proof = TV2_REVISION_PROOF.map(b64);
  const leaf = b64('mHVex/yjHAWjFPpwhBuH2GKXmKJjK2FBa9faqoUVNtg=');
  assert.equal(foldProof(leaf, proof.slice(0, 1)).toString('base64'), 'FcYGbPfJCvZcTmLD4AcZ2BGlLJX0P/mfzdkdsRKR1w0=');
  assert.equal(foldProof(leaf, proof.slice(0, 2)).toString('base64'), 'l05LOsiKV14SDbuaYnH7uwXzUvqzIwUiRLXGbTyj/nY=');
  assert.equal(foldProof(leaf, proof.slice(0, 3)).toString('base64'), 'NoChM92yKRuJAb/jeLd1VnYn4DHiWIf071ACfic9uHc=');
  assert.equal(foldProof(leaf, proof).toString('base64'), TV_DIGEST_123);
  // and our audit path inside entriesHashList is the one AWS returned
  assert.deepEqual(merkleAuditPath(list, 1).map((b) => b.toString('base64')), TV2_REVISION_PROOF.slice(0, 2));
});

test('merkleRoot: empty, single, and every audit path folds to the root for n up to 70', () => {
  assert.equal(merkleRoot([]).length, 0);
  const leaves = Array.from({ length: 70 }, (_, i) => ionHashString(`leaf ${i}`));
  assert.deepEqual(merkleRoot(leaves.slice(0, 1)), leaves[0]);
  for (let n = 1; n <= 70; n++) {
    const root = merkleRoot(leaves.slice(0, n));
    for (let i = 0; i < n; i++) {
      assert.deepEqual(foldProof(leaves[i], merkleAuditPath(leaves.slice(0, n), i)), root, `n=${n} i=${i}`);
    }
  }
  assert.throws(() => merkleAuditPath(leaves, 70), RangeError);
});
