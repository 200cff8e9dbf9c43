import assert from 'node:assert/strict';
import { redactRevisionInBlock } from '../../../src/journal/block';
import type { CurrentDoc, Store } from '../../../src/storage/stores';
import { storeTest, type Backend } from './backend';
import { OTHER_TABLE, T0, TABLE, commitBlocks, ion, newStrand } from './fixtures';
import { verifiedHash } from './journal';

const key = (s: string) => Buffer.from(`key:${s}`);
const byId = <T extends { docId: string }>(xs: T[]) => [...xs].sort((a, b) => a.docId.localeCompare(b.docId));
const ids = (xs: { docId: string; version?: number }[]) => xs.map((x) => (x.version === undefined ? x.docId : `${x.docId}v${x.version}`));
/** the ids an index entry names now (sorted) */
const lookupIds = async (store: Store, ledgerId: string, tableId: string, field: string, k: string) =>
  (await store.documents.lookup(ledgerId, tableId, field, key(k), Number.MAX_SAFE_INTEGER)).docIds.sort();

/**
 * Ledger L1 after five blocks, one a second:
 *  1: tables people (tagged) and things; index on people.name; D1 v0 {name:"ann"}, D2 v0 {name:"bob"}
 *  2: D1 v1 {name:"ann", age:3}; D3 v0 in things {x:1}
 *  3: D2 deleted (v1); things dropped
 *  4: D1 v2 {name:"amy"}; index on things.x built with D3's entry
 *  5: the index on people.name dropped
 */
async function peopleAndThings(store: Store, ledgerId = 'L1') {
  await newStrand(store, ledgerId);
  const { built } = await commitBlocks(store, ledgerId, [
    {
      ts: T0 + 1000,
      catalog: [
        { kind: 'insertTable', table: { tableId: TABLE, name: 'people', status: 'ACTIVE', tags: { team: 'hr' } } },
        { kind: 'insertTable', table: { tableId: OTHER_TABLE, name: 'things', status: 'ACTIVE' } },
        { kind: 'insertIndex', index: { indexId: 'I1', tableId: TABLE, field: 'name', status: 'ONLINE' }, entries: [] },
      ],
      docs: [
        { docId: 'D1', version: 0, data: '{name: "ann"}' },
        { docId: 'D2', version: 0, data: '{name: "bob"}' },
      ],
      indexEntries: [
        { put: true, tableId: TABLE, field: 'name', key: key('ann'), docId: 'D1' },
        { put: true, tableId: TABLE, field: 'name', key: key('bob'), docId: 'D2' },
      ],
    },
    {
      ts: T0 + 2000,
      docs: [
        { docId: 'D1', version: 1, data: '{name: "ann", age: 3}' },
        { docId: 'D3', tableId: OTHER_TABLE, version: 0, data: '{x: 1}' },
      ],
    },
    {
      ts: T0 + 3000,
      catalog: [{ kind: 'setTableStatus', tableId: OTHER_TABLE, status: 'INACTIVE' }],
      docs: [{ docId: 'D2', version: 1 }],
      indexEntries: [{ put: false, tableId: TABLE, field: 'name', key: key('bob'), docId: 'D2' }],
    },
    {
      ts: T0 + 4000,
      catalog: [{ kind: 'insertIndex', index: { indexId: 'I2', tableId: OTHER_TABLE, field: 'x', status: 'ONLINE' }, entries: [{ key: key('1'), docId: 'D3' }] }],
      docs: [{ docId: 'D1', version: 2, data: '{name: "amy"}' }],
      indexEntries: [
        { put: false, tableId: TABLE, field: 'name', key: key('ann'), docId: 'D1' },
        { put: true, tableId: TABLE, field: 'name', key: key('amy'), docId: 'D1' },
      ],
    },
  ]);
  /** revision ion of `docId` version `v`, as built */
  const revisionIon = (docId: string, v: number) =>
    Buffer.from(built.flatMap((b) => b.revisions).find((r) => r.documentId === docId && r.version === v)!.ion);
  return { built, revisionIon };
}

export function documentTests(backend: Backend): void {
  storeTest(backend, 'catalog: tables and indexes in creation order, with tags and status changes', async (open) => {
    const store = await open();
    await peopleAndThings(store);
    assert.deepEqual(await store.documents.catalog('L1'), {
      tables: [
        { tableId: TABLE, name: 'people', status: 'ACTIVE', tags: { team: 'hr' } },
        { tableId: OTHER_TABLE, name: 'things', status: 'INACTIVE' },
      ],
      indexes: [
        { indexId: 'I1', tableId: TABLE, field: 'name', status: 'ONLINE' },
        { indexId: 'I2', tableId: OTHER_TABLE, field: 'x', status: 'ONLINE' },
      ],
    });
    assert.deepEqual(await lookupIds(store, 'L1', TABLE, 'name', 'amy'), ['D1']);
    await commitBlocks(store, 'L1', [{ ts: T0 + 5000, catalog: [{ kind: 'deleteIndex', indexId: 'I1', tableId: TABLE, field: 'name' }] }]);
    assert.deepEqual((await store.documents.catalog('L1')).indexes.map((i) => i.indexId), ['I2']);
    assert.deepEqual(await lookupIds(store, 'L1', TABLE, 'name', 'amy'), [], 'the dropped index has no entries left');
    assert.deepEqual(await store.documents.catalog('L2'), { tables: [], indexes: [] });
  });

  storeTest(backend, 'documents: the latest revision of each id asked for, deleted ones included, absent ones left out', async (open) => {
    const store = await open();
    await peopleAndThings(store);
    const docs = byId(await store.documents.documents('L1', ['D2', 'D1', 'D9']));
    assert.deepEqual(docs, [
      { docId: 'D1', tableId: TABLE, version: 2, seq: 4, data: ion('{name: "amy"}') },
      { docId: 'D2', tableId: TABLE, version: 1, seq: 3, data: null },
    ] satisfies CurrentDoc[]);
    assert.deepEqual(await store.documents.documents('L1', []), []);
    assert.deepEqual(await store.documents.documents('L2', ['D1']), []);
  });

  storeTest(backend, 'scan: live documents of a table plus those changed after sinceSeq; liveDocuments: only the live ones', async (open) => {
    const store = await open();
    await peopleAndThings(store);
    assert.deepEqual(ids(byId(await store.documents.scan('L1', TABLE, 4))), ['D1v2']);
    assert.deepEqual(ids(byId(await store.documents.scan('L1', TABLE, 3))), ['D1v2']);
    const since2 = byId(await store.documents.scan('L1', TABLE, 2));
    assert.deepEqual(since2, [
      { docId: 'D1', tableId: TABLE, version: 2, seq: 4, data: ion('{name: "amy"}') },
      { docId: 'D2', tableId: TABLE, version: 1, seq: 3, data: null },
    ]);
    assert.deepEqual(ids(await store.documents.scan('L1', OTHER_TABLE, 0)), ['D3v0']);
    assert.deepEqual(await store.documents.liveDocuments('L1', TABLE), [{ docId: 'D1', data: ion('{name: "amy"}') }]);
    assert.deepEqual(await store.documents.liveDocuments('L1', OTHER_TABLE), [{ docId: 'D3', data: ion('{x: 1}') }]);
    assert.deepEqual(await store.documents.liveDocuments('L1', 'X-none'), []);
  });

  storeTest(backend, 'revisions: as of a block, by version (latest, redacted), and the version a block wrote', async (open) => {
    const store = await open();
    const { revisionIon } = await peopleAndThings(store);
    const asOf2 = byId(await store.documents.revisionsAsOf('L1', ['D1', 'D2', 'D3', 'D9'], 2));
    assert.deepEqual(asOf2, [
      { docId: 'D1', version: 1, seq: 2, ion: revisionIon('D1', 1) },
      { docId: 'D2', version: 0, seq: 1, ion: revisionIon('D2', 0) },
      { docId: 'D3', version: 0, seq: 2, ion: revisionIon('D3', 0) },
    ]);
    assert.deepEqual(ids(byId(await store.documents.revisionsAsOf('L1', ['D1', 'D2'], 4))), ['D1v2', 'D2v1']);
    assert.deepEqual(await store.documents.revisionsAsOf('L1', ['D1'], 0), []);

    assert.deepEqual(await store.documents.revision('L1', 'D1', 1), {
      docId: 'D1', tableId: TABLE, version: 1, seq: 2, ion: revisionIon('D1', 1), redacted: false, latest: false,
    });
    assert.equal((await store.documents.revision('L1', 'D1', 2))!.latest, true);
    assert.equal((await store.documents.revision('L1', 'D2', 1))!.latest, true, 'a delete is the latest revision');
    assert.equal((await store.documents.revision('L1', 'D3', 0))!.tableId, OTHER_TABLE);
    assert.equal(await store.documents.revision('L1', 'D1', 3), undefined);

    assert.equal(await store.documents.versionAtSeq('L1', 'D1', 2), 1);
    assert.equal(await store.documents.versionAtSeq('L1', 'D2', 3), 1);
    assert.equal(await store.documents.versionAtSeq('L1', 'D1', 3), undefined);
  });

  storeTest(backend, 'a redaction replaces the revision by its dataHash form, in the revision and in its block, same block hash', async (open) => {
    const store = await open();
    const { built } = await peopleAndThings(store);
    const before = (await store.journal.block('L1', 1))!.ion;
    await commitBlocks(store, 'L1', [{ ts: T0 + 5000, redact: [{ docId: 'D1', version: 0, blockSequenceNo: 1 }] }], {
      documents: [],
      liveDocumentsOf: [],
      revisions: [{ docId: 'D1', version: 0 }],
      blocks: [1],
    });
    const after = (await store.journal.block('L1', 1))!;
    const expected = redactRevisionInBlock(before, 'D1', 0)!;
    assert.deepEqual(after.ion, Buffer.from(expected.ion));
    assert.deepEqual(verifiedHash(after.ion), built[0].blockHash);
    const revision = (await store.documents.revision('L1', 'D1', 0))!;
    assert.equal(revision.redacted, true);
    assert.deepEqual(revision.ion, Buffer.from(expected.revision));
    const ann = Buffer.from('\x83ann', 'latin1'); // the Ion binary string "ann"
    assert.ok(before.includes(ann) && !after.ion.includes(ann) && !revision.ion.includes(ann), 'the data is gone');
    assert.equal((await store.documents.revision('L1', 'D2', 0))!.redacted, false, 'other revisions of the block stay');
    assert.deepEqual((await store.documents.revisionsAsOf('L1', ['D1'], 1))[0].ion, revision.ion);
  });

  storeTest(backend, 'history: the revisions whose lifetime touches a window, up to a block, by commit time, id, version', async (open) => {
    const store = await open();
    await peopleAndThings(store);
    const h = async (maxSeq: number, start: number, end: number, table = TABLE) =>
      ids(await store.documents.history('L1', table, maxSeq, T0 + start, T0 + end));
    assert.deepEqual(await h(4, 0, 10_000), ['D1v0', 'D2v0', 'D1v1', 'D2v1', 'D1v2']);
    assert.deepEqual(await h(4, 2500, 2600), ['D2v0', 'D1v1']);
    assert.deepEqual(await h(4, 4000, 4000), ['D1v1', 'D2v1', 'D1v2'], 'a revision lives until the next one, inclusive');
    assert.deepEqual(await h(2, 0, 10_000), ['D1v0', 'D2v0', 'D1v1'], 'nothing after maxSeq');
    assert.deepEqual(await h(4, 0, 999), [], 'nothing before the first commit');
    assert.deepEqual(await h(4, 0, 10_000, OTHER_TABLE), ['D3v0']);
    const [first] = await store.documents.history('L1', TABLE, 4, T0, T0 + 1000);
    assert.equal(first.seq, 1);
    assert.deepEqual((await store.documents.revision('L1', first.docId, first.version))!.ion, first.ion);
  });

  storeTest(backend, 'lookup: the documents whose index entry for a field is a key, after puts and deletes', async (open) => {
    const store = await open();
    await peopleAndThings(store);
    assert.deepEqual(await lookupIds(store, 'L1', TABLE, 'name', 'amy'), ['D1']);
    assert.deepEqual(await lookupIds(store, 'L1', TABLE, 'name', 'ann'), []);
    assert.deepEqual(await lookupIds(store, 'L1', TABLE, 'name', 'bob'), []);
    assert.deepEqual(await lookupIds(store, 'L1', OTHER_TABLE, 'x', '1'), ['D3'], 'built with its index');
    await commitBlocks(store, 'L1', [
      {
        ts: T0 + 5000,
        docs: [{ docId: 'D4', version: 0, data: '{name: "amy"}' }],
        indexEntries: [
          { put: true, tableId: TABLE, field: 'name', key: key('amy'), docId: 'D4' },
          { put: true, tableId: TABLE, field: 'name', key: key('amy'), docId: 'D4' },
        ],
      },
    ]);
    assert.deepEqual(await lookupIds(store, 'L1', TABLE, 'name', 'amy'), ['D1', 'D4'], 'a repeated put is one entry');
    assert.deepEqual(await lookupIds(store, 'L1', TABLE, 'other', 'amy'), []);
  });

  storeTest(backend, 'lookup brings the current rows along, and the revision as of a snapshot of each row changed after it', async (open) => {
    const store = await open();
    const { revisionIon } = await peopleAndThings(store);
    const amy = (asOfSeq: number) => store.documents.lookup('L1', TABLE, 'name', key('amy'), asOfSeq);
    const [d1] = await store.documents.documents('L1', ['D1']);
    assert.deepEqual(await amy(4), { docIds: ['D1'], documents: [d1], asOf: [] }, 'unchanged since the snapshot: no revision');
    assert.deepEqual(await amy(3), { docIds: ['D1'], documents: [d1], asOf: [{ docId: 'D1', version: 1, seq: 2, ion: revisionIon('D1', 1) }] });
    assert.deepEqual((await amy(1)).asOf.map((r) => `${r.docId}v${r.version}@${r.seq}`), ['D1v0@1']);
    assert.deepEqual(await amy(0), { docIds: ['D1'], documents: [d1], asOf: [] }, 'no revision before the document existed');
    const things = await store.documents.lookup('L1', OTHER_TABLE, 'x', key('1'), 2);
    assert.deepEqual(ids(things.documents), ['D3v0']);
    assert.deepEqual(things.asOf, [], 'D3 last changed in block 2');
    assert.deepEqual(await store.documents.lookup('L1', TABLE, 'name', key('bob'), 0), { docIds: [], documents: [], asOf: [] });
  });

  storeTest(backend, 'dropLedger removes the catalog, documents, revisions and index entries of one ledger only', async (open) => {
    const store = await open();
    await peopleAndThings(store, 'L1');
    await peopleAndThings(store, 'L2');
    await store.documents.dropLedger('L1');
    assert.deepEqual(await store.documents.catalog('L1'), { tables: [], indexes: [] });
    assert.deepEqual(await store.documents.documents('L1', ['D1', 'D2', 'D3']), []);
    assert.deepEqual(await store.documents.scan('L1', TABLE, 0), []);
    assert.equal(await store.documents.revision('L1', 'D1', 0), undefined);
    assert.deepEqual(await store.documents.history('L1', TABLE, 10, 0, T0 * 2), []);
    assert.deepEqual(await lookupIds(store, 'L1', TABLE, 'name', 'amy'), []);
    assert.equal((await store.documents.catalog('L2')).tables.length, 2);
    assert.deepEqual(await lookupIds(store, 'L2', TABLE, 'name', 'amy'), ['D1']);
    assert.equal((await store.documents.revisionsAsOf('L2', ['D1'], 4)).length, 1);
  });
}
