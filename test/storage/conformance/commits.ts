import assert from 'node:assert/strict';
import { MemoryDigestTree, frontierKeys } from '../../../src/journal/digestTree';
import type { CommitReads, Store } from '../../../src/storage/stores';
import { storeTest, type Backend } from './backend';
import { ChainBuilder, OTHER_TABLE, T0, TABLE, commitBlocks, ion, newStrand, noNeeds, strandOf } from './fixtures';
import { verifiedHash } from './journal';

/** What the store holds of a ledger: tip, blocks after genesis, documents, catalog. */
async function snapshot(store: Store, ledgerId: string) {
  return {
    tip: { ...(await store.journal.strand(ledgerId)) },
    blocks: await store.journal.blocks(ledgerId, 1, 1000, 1000),
    documents: await store.documents.documents(ledgerId, ['D1', 'D2', 'D3']),
    catalog: await store.documents.catalog(ledgerId),
    revisions: await store.documents.revisionsAsOf(ledgerId, ['D1', 'D2', 'D3'], 1000),
  };
}

/** The chain 0..tip as stored verifies block by block, and every block links to the one before. */
async function assertOneChain(store: Store, ledgerId: string, tip: number): Promise<Buffer[]> {
  const blocks = await store.journal.blocks(ledgerId, 0, tip + 10, tip + 10);
  assert.deepEqual(blocks.map((b) => b.sequenceNo), Array.from({ length: tip + 1 }, (_, i) => i));
  const hashes: Buffer[] = [];
  for (const b of blocks) hashes.push(verifiedHash(b.ion, hashes[hashes.length - 1]));
  assert.deepEqual((await store.journal.strand(ledgerId))!.tipBlockHash, hashes[tip]);
  return hashes;
}

export function commitTests(backend: Backend): void {
  storeTest(backend, 'a batch of several commits is applied in order, and the next batch reads its tip and frontier', async (open) => {
    const store = await open();
    const g = await newStrand(store, 'L1');
    const first = await commitBlocks(store, 'L1', [1, 2, 3, 4, 5].map((i) => ({ ts: T0 + i, docs: [{ docId: `D${i}`, version: 0, data: `{i: ${i}}` }] })));
    assert.deepEqual({ ...first.reads.tip }, { strandId: strandOf('L1'), tipSequenceNo: 0, tipBlockHash: g.blockHash });
    assert.deepEqual([...first.reads.frontier], [['0:0', g.blockHash]]);
    assert.deepEqual(first.reads.since, []);

    const hashes = await assertOneChain(store, 'L1', 5);
    assert.deepEqual(hashes.slice(1), first.built.map((b) => b.blockHash));
    const docs = await store.documents.documents('L1', ['D1', 'D5']);
    assert.deepEqual(docs.map((d) => [d.docId, d.seq]).sort(), [['D1', 1], ['D5', 5]]);

    const second = await commitBlocks(store, 'L1', [{ ts: T0 + 6 }]);
    const tree = new MemoryDigestTree();
    for (const h of hashes) tree.append(h);
    assert.deepEqual({ ...second.reads.tip }, { strandId: strandOf('L1'), tipSequenceNo: 5, tipBlockHash: hashes[5] });
    assert.deepEqual(
      [...second.reads.frontier].sort(),
      frontierKeys(5).map((k) => [`${k.level}:${k.index}`, tree.node(k.level, k.index)]).sort(),
    );
    await assertOneChain(store, 'L1', 6);
  });

  storeTest(backend, 'prepare reads, under the lock, the documents, live documents, revisions and blocks declared', async (open) => {
    const store = await open();
    const g = await newStrand(store, 'L1');
    const { built } = await commitBlocks(store, 'L1', [
      {
        ts: T0 + 1,
        docs: [
          { docId: 'D1', version: 0, data: '{a: 1}' },
          { docId: 'D2', version: 0, data: '{a: 2}' },
          { docId: 'D3', tableId: OTHER_TABLE, version: 0, data: '{b: 1}' },
        ],
      },
      { ts: T0 + 2, docs: [{ docId: 'D1', version: 1, data: '{a: 11}' }] },
    ]);
    const reads = await store.commits.commit(
      'L1',
      2,
      { documents: ['D1', 'D9'], liveDocumentsOf: [TABLE, 'X-none'], revisions: [{ docId: 'D1', version: 0 }, { docId: 'D1', version: 7 }], blocks: [1, 0, 99] },
      (r) => ({ writes: [], result: r }),
    );
    assert.deepEqual([...reads.documents], [['D1', { docId: 'D1', tableId: TABLE, version: 1, seq: 2, data: ion('{a: 11}') }]]);
    assert.deepEqual(
      [...reads.liveDocuments].map(([t, ds]) => [t, [...ds].sort((a, b) => a.docId.localeCompare(b.docId))]),
      [
        [TABLE, [{ docId: 'D1', data: ion('{a: 11}') }, { docId: 'D2', data: ion('{a: 2}') }]],
        ['X-none', []],
      ],
    );
    assert.deepEqual([...reads.revisions], [
      ['D1:0', { docId: 'D1', tableId: TABLE, version: 0, seq: 1, ion: Buffer.from(built[0].revisions[0].ion), redacted: false, latest: false }],
    ]);
    assert.deepEqual([...reads.blocks].sort((a, b) => a[0] - b[0]), [
      [0, Buffer.from(g.ion)],
      [1, Buffer.from(built[0].ion)],
    ]);
    assert.equal((await store.journal.strand('L1'))!.tipSequenceNo, 2, 'no writes, no new block');
  });

  storeTest(backend, 'commit resolves with what prepare returned; a ledger without a strand is refused', async (open) => {
    const store = await open();
    await newStrand(store, 'L1');
    const result = await store.commits.commit('L1', 0, noNeeds(), (reads) => ({
      writes: [new ChainBuilder('L1', reads).next({ ts: T0 + 1 })],
      result: { answer: 42 },
    }));
    assert.deepEqual(result, { answer: 42 });
    await assert.rejects(store.commits.commit('L9', 0, noNeeds(), () => ({ writes: [], result: 0 })));
  });

  storeTest(backend, 'a prepare that throws writes nothing, and the next commit goes through', async (open) => {
    const store = await open();
    await newStrand(store, 'L1');
    const before = await snapshot(store, 'L1');
    const failure = new Error('OCC conflict, say');
    await assert.rejects(
      store.commits.commit('L1', 0, noNeeds(), (reads) => {
        new ChainBuilder('L1', reads).next({ ts: T0 + 1, docs: [{ docId: 'D1', version: 0, data: '{}' }] });
        throw failure;
      }),
      (e) => e === failure,
    );
    assert.deepEqual(await snapshot(store, 'L1'), before);
    await commitBlocks(store, 'L1', [{ ts: T0 + 2, docs: [{ docId: 'D1', version: 0, data: '{}' }] }]);
    await assertOneChain(store, 'L1', 1);
  });

  storeTest(backend, 'a write that fails (a block that does not follow the tip) rolls back the whole batch', async (open) => {
    const store = await open();
    await newStrand(store, 'L1');
    await commitBlocks(store, 'L1', [{ ts: T0 + 1, docs: [{ docId: 'D1', version: 0, data: '{v: 0}' }] }]);
    const before = await snapshot(store, 'L1');
    await assert.rejects(
      store.commits.commit('L1', 1, noNeeds(), (reads) => {
        const chain = new ChainBuilder('L1', reads);
        const good = chain.next({
          ts: T0 + 2,
          catalog: [{ kind: 'insertTable', table: { tableId: TABLE, name: 'people', status: 'ACTIVE' } }],
          docs: [
            { docId: 'D1', version: 1, data: '{v: 1}' },
            { docId: 'D2', version: 0, data: '{v: 0}' },
          ],
          indexEntries: [{ put: true, tableId: TABLE, field: 'v', key: Buffer.from('k'), docId: 'D2' }],
        });
        chain.next({ ts: T0 + 3 });
        const gap = chain.next({ ts: T0 + 4, docs: [{ docId: 'D3', version: 0, data: '{}' }] });
        return { writes: [good, gap], result: undefined };
      }),
    );
    assert.deepEqual(await snapshot(store, 'L1'), before);
    assert.deepEqual((await store.documents.lookup('L1', TABLE, 'v', Buffer.from('k'), 0)).docIds, []);
    assert.equal((await store.documents.revision('L1', 'D1', 0))!.latest, true, 'the closing of D1 v0 is rolled back too');
    assert.equal((await store.journal.treeNodes('L1', [{ level: 1, index: 0 }])).size, 1, 'nodes of block 1 stay');
    assert.equal((await store.journal.treeNodes('L1', [{ level: 0, index: 2 }, { level: 1, index: 1 }])).size, 0);
    await commitBlocks(store, 'L1', [{ ts: T0 + 5 }]);
    await assertOneChain(store, 'L1', 2);
  });

  storeTest(backend, 'a write the database refuses (a revision that exists already) rolls back the whole batch', async (open) => {
    const store = await open();
    await newStrand(store, 'L1');
    await commitBlocks(store, 'L1', [{ ts: T0 + 1, docs: [{ docId: 'D1', version: 0, data: '{v: 0}' }] }]);
    const before = await snapshot(store, 'L1');
    await assert.rejects(
      commitBlocks(store, 'L1', [
        { ts: T0 + 2, docs: [{ docId: 'D2', version: 0, data: '{v: 0}' }], catalog: [{ kind: 'insertTable', table: { tableId: TABLE, name: 'people', status: 'ACTIVE' } }] },
        { ts: T0 + 3, docs: [{ docId: 'D1', version: 0, data: '{v: "again"}' }] },
      ]),
    );
    assert.deepEqual(await snapshot(store, 'L1'), before);
    assert.equal((await store.journal.treeNodes('L1', [{ level: 0, index: 2 }, { level: 0, index: 3 }])).size, 0);
    await commitBlocks(store, 'L1', [{ ts: T0 + 4 }]);
    await assertOneChain(store, 'L1', 2);
  });

  storeTest(backend, 'names with quotes, backslashes and any Unicode are stored as given, never as SQL', async (open) => {
    const store = await open();
    await newStrand(store, 'L1');
    const odd = `o'neil\\'); DROP TABLE documents; -- "ü" 😀 \\x00`;
    const key = Buffer.from([0, 39, 92, 255]);
    await commitBlocks(store, 'L1', [
      {
        ts: T0 + 1,
        catalog: [
          { kind: 'insertTable', table: { tableId: TABLE, name: odd, status: 'ACTIVE', tags: { [odd]: odd } } },
          { kind: 'insertIndex', index: { indexId: 'I1', tableId: TABLE, field: odd, status: 'ONLINE' }, entries: [] },
        ],
        docs: [{ docId: 'D1', version: 0, data: `{name: "it's"}` }],
        indexEntries: [{ put: true, tableId: TABLE, field: odd, key, docId: 'D1' }],
      },
    ]);
    const { tables, indexes } = await store.documents.catalog('L1');
    assert.deepEqual(tables, [{ tableId: TABLE, name: odd, status: 'ACTIVE', tags: { [odd]: odd } }]);
    assert.equal(indexes[0].field, odd);
    assert.deepEqual((await store.documents.lookup('L1', TABLE, odd, key, 0)).docIds, ['D1']);
    assert.deepEqual((await store.documents.documents('L1', ['D1']))[0].data, ion(`{name: "it's"}`));
  });

  storeTest(backend, 'a commit whose knownTip is behind the tip: footprints since (shared store) or refused (sole writer)', async (open) => {
    const store = await open();
    await newStrand(store, 'L1');
    await commitBlocks(store, 'L1', [{ ts: T0 + 1, footprint: Buffer.from('fp-1') }, { ts: T0 + 2, footprint: Buffer.from('fp-2') }]);
    const attempt = commitBlocks(store, 'L1', [{ ts: T0 + 3 }], noNeeds(), 0);
    if (store.soleWriter) {
      await assert.rejects(attempt, /tip/);
      assert.equal((await store.journal.strand('L1'))!.tipSequenceNo, 2, 'nothing written');
      return;
    }
    const { reads } = await attempt;
    assert.deepEqual(reads.since, [
      { sequenceNo: 1, footprint: Buffer.from('fp-1') },
      { sequenceNo: 2, footprint: Buffer.from('fp-2') },
    ]);
    assert.equal(reads.tip.tipSequenceNo, 2);
    assert.deepEqual((await commitBlocks(store, 'L1', [{ ts: T0 + 4 }], noNeeds(), 2)).reads.since.map((f) => f.sequenceNo), [3]);
    assert.deepEqual((await commitBlocks(store, 'L1', [{ ts: T0 + 5 }], noNeeds(), 4)).reads.since, []);
  });

  storeTest(
    backend,
    'a node whose knownTip is behind reads the footprints another node committed meanwhile',
    async (open) => {
      const [a, b] = await Promise.all([open(), open()]);
      await newStrand(a, 'L1');
      await commitBlocks(a, 'L1', [{ ts: T0 + 1, footprint: Buffer.from('a-1') }]);
      await commitBlocks(a, 'L1', [{ ts: T0 + 2, footprint: Buffer.from('a-2') }]);
      const { reads } = await commitBlocks(b, 'L1', [{ ts: T0 + 3, footprint: Buffer.from('b-3') }], noNeeds(), 0);
      assert.deepEqual(reads.since.map((f) => f.footprint.toString()), ['a-1', 'a-2']);
      assert.equal(reads.tip.tipSequenceNo, 2);
      const back = await commitBlocks(a, 'L1', [{ ts: T0 + 4 }], noNeeds(), 2);
      assert.deepEqual(back.reads.since, [{ sequenceNo: 3, footprint: Buffer.from('b-3') }]);
      await assertOneChain(b, 'L1', 4);
    },
    { nodes: true },
  );

  storeTest(
    backend,
    'commits of two nodes to one ledger at once are serialized: one chain, no gap or fork, each saw the ones before it',
    async (open) => {
      const [a, b] = await Promise.all([open(), open()]);
      await newStrand(a, 'L1');
      const commitFrom = (store: Store, name: string) =>
        store.commits.commit('L1', 0, { ...noNeeds(), documents: ['D1'] }, (reads: CommitReads) => {
          const version = reads.documents.has('D1') ? reads.documents.get('D1')!.version + 1 : 0;
          const w = new ChainBuilder('L1', reads).next({ ts: T0 + 1, docs: [{ docId: 'D1', version, data: `{by: "${name}"}` }], footprint: Buffer.from(name) });
          return { writes: [w], result: { name, seq: w.block.sequenceNo, version, since: reads.since.map((f) => f.footprint.toString()) } };
        });
      const results = await Promise.all(Array.from({ length: 8 }, (_, i) => commitFrom(i % 2 ? b : a, `n${i}`)));
      results.sort((x, y) => x.seq - y.seq);
      assert.deepEqual(results.map((r) => r.seq), [1, 2, 3, 4, 5, 6, 7, 8]);
      assert.deepEqual(results.map((r) => r.version), [0, 1, 2, 3, 4, 5, 6, 7], 'each read the document the one before wrote');
      for (let i = 0; i < results.length; i++) assert.deepEqual(results[i].since, results.slice(0, i).map((r) => r.name));
      await assertOneChain(a, 'L1', 8);
      assert.equal((await b.documents.documents('L1', ['D1']))[0].version, 7);
    },
    { nodes: true },
  );
}
