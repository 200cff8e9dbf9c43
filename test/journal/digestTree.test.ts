import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BuiltBlock, ZERO_HASH, buildBlock, findRevision, genesisBlock, parseBlock, revisionProofInBlock } from '../../src/journal/block';
import { MemoryDigestTree, digestAt, frontierKeys, nodesCompletedBy } from '../../src/journal/digestTree';
import { foldProof, merkleRoot } from '../../src/journal/hash';
import { ionHashString } from '../../src/journal/ionHash';
import { verifyBlock } from '../../src/journal/verify';

const strandId = 'S0000000000000000000AA';

function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

/** A ledger of `n` blocks (genesis + n-1 transactions with 0..4 revisions each). */
function randomLedger(n: number, rnd: () => number): BuiltBlock[] {
  const blocks: BuiltBlock[] = [genesisBlock(strandId, new Date(Date.UTC(2024, 0, 1)), 'T000000000000000000000')];
  for (let seq = 1; seq < n; seq++) {
    const txTime = new Date(Date.UTC(2024, 0, 1) + seq * 1000);
    const revisions = Array.from({ length: Math.floor(rnd() * 5) }, (_, k) => ({
      data: k === 3 ? undefined : Buffer.from(`{n: ${seq}, k: ${k}, r: ${rnd()}}`),
      metadata: { id: `D${String(seq * 10 + k).padStart(21, '0')}`, version: k, txTime, txId: `T${String(seq).padStart(21, '0')}` },
    }));
    blocks.push(
      buildBlock({
        strandId,
        sequenceNo: seq,
        transactionId: `T${String(seq).padStart(21, '0')}`,
        blockTimestamp: new Date(txTime.getTime() + 3),
        previousBlockHash: blocks[seq - 1].blockHash,
        statements: [{ statement: `INSERT INTO T ${seq}`, startTime: txTime, statementDigest: ionHashString(`s${seq}`) }],
        documents: Object.fromEntries(revisions.map((r) => [r.metadata.id, { tableName: 'T', tableId: 'X000000000000000000000', statements: [0] }])),
        revisions,
      }),
    );
  }
  return blocks;
}

function flip(b: Buffer, bit: number): Buffer {
  const c = Buffer.from(b);
  c[(bit >> 3) % c.length] ^= 1 << (bit & 7);
  return c;
}

test('every block and revision proof folds to digest(tip) for every tip ≥ its block; tampering fails', () => {
  const rnd = seeded(7);
  const sizes = [1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 2 + Math.floor(rnd() * 60)];
  let checked = 0;
  for (const n of sizes) {
    const blocks = randomLedger(n, rnd);
    const tree = new MemoryDigestTree();
    for (const [i, b] of blocks.entries()) {
      assert.equal(verifyBlock(b.ion, i ? blocks[i - 1].blockHash : ZERO_HASH).ok, true);
      tree.append(b.blockHash);
    }
    const parsed = blocks.map((b) => parseBlock(b.ion));
    for (let tip = 0; tip < n; tip++) {
      const digest = tree.digest(tip);
      assert.deepEqual(digest, merkleRoot(blocks.slice(0, tip + 1).map((b) => b.blockHash)), `digest n=${n} tip=${tip}`);
      for (let seq = 0; seq <= tip; seq++) {
        const proof = tree.auditPath(seq, tip);
        assert.deepEqual(foldProof(blocks[seq].blockHash, proof), digest, `block ${seq} tip ${tip}`);
        for (const r of blocks[seq].revisions) {
          const full = [...revisionProofInBlock(parsed[seq], findRevision(parsed[seq], r.documentId)!), ...proof];
          assert.deepEqual(foldProof(r.hash, full), digest, `revision ${r.documentId} tip ${tip}`);
          // and a flipped bit of the revision hash or of any one element of its proof breaks it
          const rbit = Math.floor(rnd() * 256);
          assert.notDeepEqual(foldProof(flip(r.hash, rbit), full), digest);
          const k = Math.floor(rnd() * full.length);
          if (full.length) {
            const bad = full.slice();
            bad[k] = flip(bad[k], rbit);
            assert.notDeepEqual(foldProof(r.hash, bad), digest);
          }
          checked++;
        }
        // any flipped bit of the leaf, of one proof element, or of the digest breaks the fold
        const bit = Math.floor(rnd() * 256);
        assert.notDeepEqual(foldProof(flip(blocks[seq].blockHash, bit), proof), digest);
        if (proof.length) {
          const k = Math.floor(rnd() * proof.length);
          const bad = proof.slice();
          bad[k] = flip(bad[k], bit);
          assert.notDeepEqual(foldProof(blocks[seq].blockHash, bad), digest);
        }
        assert.notDeepEqual(foldProof(blocks[seq].blockHash, proof), flip(digest, bit));
        checked++;
      }
    }
    // a real TV shape: proof length for block 100 under tip 123 is 7
    if (n === sizes[sizes.length - 1]) assert.ok(checked > 0);
  }
  assert.ok(checked > 3000, `only ${checked} proofs checked`);
});

test('proof lengths match RFC 6962 audit paths (block 100 of tip 123 has 7 hashes, as in TV-1)', () => {
  const tree = new MemoryDigestTree();
  for (let i = 0; i < 124; i++) tree.append(ionHashString(`b${i}`));
  assert.equal(tree.auditPath(100, 123).length, 7);
  assert.equal(tree.auditPath(0, 0).length, 0);
  assert.equal(tree.auditPath(123, 123).length, 6); // 124 = 64+32+16+8+4: one sibling per peak and two inside the last
  assert.throws(() => tree.auditPath(124, 123), RangeError);
  // odd leaf: its first sibling is the previous block's hash (the duplicate seen in real proofs)
  assert.deepEqual(tree.auditPath(21, 46)[0], ionHashString('b20'));
});

test('frontierKeys(tip) names the aligned peaks of leaves 0..tip: the nodes the next appends fold with and the digest folds', () => {
  assert.deepEqual(frontierKeys(-1), []);
  assert.deepEqual(frontierKeys(0), [{ level: 0, index: 0 }]);
  assert.deepEqual(frontierKeys(5), [
    { level: 2, index: 0 },
    { level: 1, index: 2 },
  ]);
  assert.deepEqual(frontierKeys(6), [
    { level: 2, index: 0 },
    { level: 1, index: 2 },
    { level: 0, index: 6 },
  ]);
  assert.deepEqual(frontierKeys(1023), [{ level: 10, index: 0 }]);

  // Only the frontier's nodes in hand, the next block's nodes and the digest come out right.
  const full = new MemoryDigestTree();
  const leaves = Array.from({ length: 70 }, (_, i) => ionHashString(`leaf ${i}`));
  for (let tip = 0; tip < leaves.length - 1; tip++) {
    full.append(leaves[tip]);
    const frontier = new Map(frontierKeys(tip).map((k) => [`${k.level}:${k.index}`, full.node(k.level, k.index)]));
    const onlyFrontier = {
      node(level: number, index: number): Buffer {
        const h = frontier.get(`${level}:${index}`);
        if (!h) throw new Error(`(${level}, ${index}) is not on the frontier of tip ${tip}`);
        return h;
      },
    };
    assert.deepEqual(digestAt(tip, onlyFrontier), full.digest(tip), `digest at tip ${tip}`);
    const next = nodesCompletedBy(tip + 1, leaves[tip + 1], onlyFrontier);
    assert.deepEqual(next, nodesCompletedBy(tip + 1, leaves[tip + 1], full), `nodes completed by ${tip + 1}`);
  }
});
