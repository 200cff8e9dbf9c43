import assert from 'node:assert/strict';
import { genesisBlock } from '../../../src/journal/block';
import { MemoryDigestTree, digestAt, frontierKeys } from '../../../src/journal/digestTree';
import { verifyBlock } from '../../../src/journal/verify';
import { storeTest, type Backend } from './backend';
import { T0, commitBlocks, genesisOf, newStrand, strandOf } from './fixtures';

/** The block hash of a block that verifies (hashes, chain link), or an assertion failure. */
export function verifiedHash(ion: Buffer, previousBlockHash?: Buffer): Buffer {
  const v = verifyBlock(ion, previousBlockHash);
  assert.ok(v.ok, v.ok ? '' : v.message);
  return v.block.blockHash;
}

export function journalTests(backend: Backend): void {
  storeTest(backend, 'createStrand stores the genesis block, exactly as hashed, as the tip; a second call changes nothing', async (open) => {
    const store = await open();
    assert.equal(await store.journal.strand('L1'), undefined);
    const g = await newStrand(store, 'L1', T0 + 7);
    const tip = await store.journal.strand('L1');
    assert.deepEqual({ ...tip }, { strandId: strandOf('L1'), tipSequenceNo: 0, tipBlockHash: g.blockHash });
    const stored = await store.journal.block('L1', 0);
    assert.deepEqual(stored, { sequenceNo: 0, timestampMs: T0 + 7, ion: Buffer.from(g.ion) });
    assert.deepEqual(verifiedHash(stored!.ion), g.blockHash);

    const other = genesisBlock(strandOf('L1'), new Date(T0 + 99), 'G000000000000000000099');
    await store.journal.createStrand('L1', strandOf('L1'), genesisOf(other, 'G000000000000000000099'));
    assert.deepEqual((await store.journal.strand('L1'))!.tipBlockHash, g.blockHash);
    assert.deepEqual((await store.journal.block('L1', 0))!.ion, Buffer.from(g.ion));
    assert.equal(await store.journal.block('L1', 1), undefined);
    assert.equal(await store.journal.block('L2', 0), undefined);
  });

  storeTest(
    backend,
    'two nodes creating one strand at once end with one strand and one genesis block',
    async (open) => {
      const [a, b] = await Promise.all([open(), open()]);
      const ga = genesisBlock(strandOf('L1'), new Date(T0), 'GA00000000000000000000');
      const gb = genesisBlock(strandOf('L1'), new Date(T0 + 1), 'GB00000000000000000000');
      await Promise.all([
        a.journal.createStrand('L1', strandOf('L1'), genesisOf(ga, 'GA00000000000000000000')),
        b.journal.createStrand('L1', strandOf('L1'), genesisOf(gb, 'GB00000000000000000000')),
      ]);
      const tip = (await b.journal.strand('L1'))!;
      const block = (await a.journal.block('L1', 0))!;
      assert.ok([ga.blockHash, gb.blockHash].some((h) => h.equals(tip.tipBlockHash)));
      assert.deepEqual(verifiedHash(block.ion), tip.tipBlockHash, 'the tip is the stored genesis block');
    },
    { nodes: true },
  );

  storeTest(backend, 'blocks and time ranges of a committed chain come back in order, exactly as hashed', async (open) => {
    const store = await open();
    const g = await newStrand(store, 'L1');
    // blocks 1..12, one second apart; 7 and 8 share a millisecond
    const times = [1, 2, 3, 4, 5, 6, 7, 7, 8, 9, 10, 11].map((s) => T0 + s * 1000);
    const { built } = await commitBlocks(store, 'L1', times.map((ts, i) => ({ ts, docs: [{ docId: `D${i}`, version: 0, data: `{n: ${i}}` }] })));
    const chain = [g, ...built];

    const all = await store.journal.blocks('L1', 0, 100, 100);
    assert.deepEqual(all.map((b) => b.sequenceNo), chain.map((_, i) => i));
    for (let i = 0; i < chain.length; i++) {
      assert.deepEqual(all[i].ion, Buffer.from(chain[i].ion), `block ${i} as hashed`);
      assert.equal(all[i].timestampMs, chain[i].blockTimestamp.getTime());
      assert.deepEqual(verifiedHash(all[i].ion, i ? chain[i - 1].blockHash : undefined), chain[i].blockHash, `block ${i} verifies`);
    }
    assert.deepEqual((await store.journal.blocks('L1', 3, 9, 4)).map((b) => b.sequenceNo), [3, 4, 5, 6], 'at most max');
    assert.deepEqual((await store.journal.blocks('L1', 11, 50, 10)).map((b) => b.sequenceNo), [11, 12]);
    assert.deepEqual(await store.journal.blocks('L1', 5, 4, 10), []);
    assert.deepEqual(await store.journal.blocks('L2', 0, 10, 10), []);
    assert.deepEqual(await store.journal.block('L1', 8), all[8]);

    assert.deepEqual(await store.journal.sequenceRange('L1', T0 + 2000, T0 + 7000), { first: 2, last: 6 }, 'end is exclusive');
    assert.deepEqual(await store.journal.sequenceRange('L1', T0 + 6500, T0 + 7001), { first: 7, last: 8 });
    assert.deepEqual(await store.journal.sequenceRange('L1', T0, T0 + 1), { first: 0, last: 0 });
    assert.equal(await store.journal.sequenceRange('L1', T0 + 1, T0 + 1000), undefined);
    assert.equal(await store.journal.sequenceRange('L1', T0 + 20_000, T0 + 30_000), undefined);
    assert.equal(await store.journal.sequenceRange('L2', 0, T0 * 2), undefined);
  });

  storeTest(backend, 'treeNodes answers the stored digest-tree nodes asked for and leaves out the others', async (open) => {
    const store = await open();
    const g = await newStrand(store, 'L1');
    const { built } = await commitBlocks(store, 'L1', Array.from({ length: 20 }, (_, i) => ({ ts: T0 + i + 1 })));
    const tree = new MemoryDigestTree();
    for (const b of [g, ...built]) tree.append(b.blockHash);

    const keys = [
      { level: 0, index: 0 },
      { level: 0, index: 20 },
      { level: 1, index: 9 },
      { level: 2, index: 4 },
      { level: 3, index: 1 },
      { level: 4, index: 0 },
      { level: 1, index: 10 }, // leaves 20..21: not complete
      { level: 5, index: 0 }, // not complete
      { level: 0, index: 21 }, // no such block
    ];
    const nodes = await store.journal.treeNodes('L1', keys);
    assert.deepEqual([...nodes.keys()].sort(), ['0:0', '0:20', '1:9', '2:4', '3:1', '4:0']);
    for (const [key, hash] of nodes) {
      const [level, index] = key.split(':').map(Number);
      assert.deepEqual(hash, tree.node(level, index), key);
    }
    assert.equal((await store.journal.treeNodes('L1', [])).size, 0);

    // the frontier at the tip is stored, and folds to the ledger's digest
    const frontier = await store.journal.treeNodes('L1', frontierKeys(20));
    assert.deepEqual(digestAt(20, { node: (l, i) => frontier.get(`${l}:${i}`)! }), tree.digest());
  });

  storeTest(backend, 'footprints: those of the blocks after a sequence number, in order; a sole writer keeps none', async (open) => {
    const store = await open();
    assert.equal(store.soleWriter, !backend.shared);
    await newStrand(store, 'L1');
    await commitBlocks(store, 'L1', [1, 2, 3].map((i) => ({ ts: T0 + i, footprint: Buffer.from(`fp-${i}`) })));
    if (store.soleWriter) {
      assert.deepEqual(await store.journal.footprints('L1', 0), []);
      return;
    }
    const fp = (i: number) => ({ sequenceNo: i, footprint: Buffer.from(`fp-${i}`) });
    assert.deepEqual(await store.journal.footprints('L1', 0), [fp(1), fp(2), fp(3)]);
    assert.deepEqual(await store.journal.footprints('L1', 2), [fp(3)]);
    assert.deepEqual(await store.journal.footprints('L1', 3), []);
    assert.deepEqual(await store.journal.footprints('L2', 0), []);
    await store.journal.dropLedger('L1');
    assert.deepEqual(await store.journal.footprints('L1', 0), []);
  });

  storeTest(backend, 'pruneFootprints deletes those of the blocks stamped before the horizon, in every ledger, and no others', async (open) => {
    const store = await open();
    for (const id of ['L1', 'L2']) {
      await newStrand(store, id);
      await commitBlocks(store, id, [1, 2, 3].map((i) => ({ ts: T0 + i * 1000, footprint: Buffer.from(`${id}-${i}`) })));
    }
    const pruned = await store.journal.pruneFootprints(T0 + 2000);
    const left = async (id: string) => (await store.journal.footprints(id, 0)).map((f) => f.footprint.toString());
    if (store.soleWriter) {
      assert.equal(pruned, 0);
      assert.deepEqual(await left('L1'), []);
      return;
    }
    assert.equal(pruned, 2, 'block 1 of each ledger; block 2 is stamped at the horizon itself');
    assert.deepEqual(await left('L1'), ['L1-2', 'L1-3']);
    assert.deepEqual(await left('L2'), ['L2-2', 'L2-3']);
    assert.equal(await store.journal.pruneFootprints(T0 + 2000), 0, 'a second round finds nothing');
    assert.equal((await store.journal.block('L1', 1))!.sequenceNo, 1, 'the blocks stay');
  });

  storeTest(backend, 'dropLedger removes the strand, its blocks and its tree nodes, and nothing of other ledgers', async (open) => {
    const store = await open();
    for (const id of ['L1', 'L2']) {
      await newStrand(store, id);
      await commitBlocks(store, id, [{ ts: T0 + 1 }, { ts: T0 + 2 }, { ts: T0 + 3 }]);
    }
    await store.journal.dropLedger('L1');
    assert.equal(await store.journal.strand('L1'), undefined);
    assert.deepEqual(await store.journal.blocks('L1', 0, 10, 10), []);
    assert.equal((await store.journal.treeNodes('L1', [{ level: 0, index: 0 }, { level: 1, index: 0 }, { level: 2, index: 0 }])).size, 0);
    assert.equal(await store.journal.sequenceRange('L1', 0, T0 * 2), undefined);
    assert.equal((await store.journal.strand('L2'))!.tipSequenceNo, 3);
    assert.equal((await store.journal.blocks('L2', 0, 10, 10)).length, 4);
    assert.equal((await store.journal.treeNodes('L2', [{ level: 2, index: 0 }])).size, 1);
    // the ledger id can start over
    await newStrand(store, 'L1');
    assert.equal((await store.journal.strand('L1'))!.tipSequenceNo, 0);
  });
}
