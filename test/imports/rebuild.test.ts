/**
 * The importer's reading of blocks: real QLDB blocks (journal spec §6 TV-1, with its internal
 * entriesHashList entries; and the same block carrying a hash-only system revision) pass the
 * block verifier imports and `openqldb verify` share, and are read into the revisions to rebuild;
 * catalog statements become the catalog changes of the original ledger, tables keeping the ids
 * their documents name.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { load } from 'ion-js';
import { verifyObject } from '../../src/journal/exportVerifier';
import { dot, merkleRoot } from '../../src/journal/hash';
import { parseBlock } from '../../src/journal/block';
import { ionTextToBinary } from '../../src/journal/ionText';
import { ionHash } from '../../src/journal/ionHash';
import { ImportCatalog, derivedId, readImportedBlock, readPackedBlocks, verifyAndPackObject, verifyAndReadObject, type ImportedBlock, type PackedStreams } from '../../src/imports/rebuild';
import { blockToIonText } from '../../src/journal/block';
import { STRAND as FIXTURE_STRAND, ledgerBlocks } from '../cli/exportFixture';
import { Catalog } from '../../src/txn/catalog';
import { TV1_BLOCK_TEXT, b64 } from '../journal/vectors';

const KEY = 'journal/2019/09/16/19/KmA3ZZca7vAIiJAK9S5Iwl.100-100.ion';
const text = (s: string) => Buffer.from(s, 'utf8');

/** TV-1 with a system revision (only a hash) before its user revision, hashes recomputed up to blockHash. */
function withSystemRevision(): string {
  const system = Buffer.alloc(32, 0x5a);
  const user = b64('mHVex/yjHAWjFPpwhBuH2GKXmKJjK2FBa9faqoUVNtg=');
  const entries: Buffer[] = ['eRSwnmAM7WWANWDd5iGOyK+T4tDXyzUq6HZ/0fgLHos=', '', 'y5cCBr7pOAIUfsVQ1j0TqtE97b4b4oo1R0vnYyE5wWM=', 'TvTXygML1bMe6NvEZtGkX+KR+W/EJl4qD1mmV77KZQg='].map(b64);
  entries[1] = merkleRoot([system, user]);
  const entriesHash = merkleRoot(entries);
  const blockHash = dot(entriesHash, b64('7kewBXhpdbClcZKxhVmpoMHpUGOJtWQD0iY2LPfZkYA='));
  return TV1_BLOCK_TEXT.replace('{{mHVex/yjHAWjFPpwhBuH2GKXmKJjK2FBa9faqoUVNtg=}},{{y5c', `{{${entries[1].toString('base64')}}},{{y5c`)
    .replace('entriesHash:{{l05LOsiKV14SDbuaYnH7uwXzUvqzIwUiRLXGbTyj/nY=}}', `entriesHash:{{${entriesHash.toString('base64')}}}`)
    .replace('blockHash:{{NoChM92yKRuJAb/jeLd1VnYn4DHiWIf071ACfic9uHc=}}', `blockHash:{{${blockHash.toString('base64')}}}`)
    .replace('revisions:[{', `revisions:[{hash:{{${system.toString('base64')}}}},{`);
}

describe('real QLDB blocks through the import verifier', () => {
  for (const [what, block] of [
    ['TV-1 (internal entriesHashList entries)', TV1_BLOCK_TEXT],
    ['TV-1 with a hash-only system revision', withSystemRevision()],
  ] as const) {
    it(`${what} verifies and is read for rebuilding`, () => {
      const summary = verifyObject(KEY, text(block), 'KmA3ZZca7vAIiJAK9S5Iwl');
      assert.equal(summary.failure, undefined, summary.failure?.message);
      assert.equal(summary.blocks, 1);
      const imported = readImportedBlock(parseBlock(ionTextToBinary(text(block))));
      assert.deepEqual(imported.notes, []);
      assert.deepEqual(imported.ddl, []);
      assert.equal(imported.revisions.length, 1, 'the system revision stays in the block only');
      const [r] = imported.revisions;
      assert.deepEqual(
        { docId: r.docId, version: r.version, tableId: r.tableId, tableName: r.tableName },
        { docId: 'JUJgkIcNbhS2goq8RqLuZ4', version: 3, tableId: 'BFJKdXgzt9oF4wjMbuxy4G', tableName: 'VehicleRegistration' },
      );
      // the rebuilt revision is the committed-view row, its hash the one QLDB gave it
      const row = load(r.revisionIon)!;
      assert.deepEqual(Buffer.from(row.get('hash')!.uInt8ArrayValue()!), b64('mHVex/yjHAWjFPpwhBuH2GKXmKJjK2FBa9faqoUVNtg='));
      assert.equal(row.get('data', 'VIN')!.stringValue(), '1N4AL11D75C109151');
      assert.equal(imported.blockHash.toString('base64'), parseBlock(ionTextToBinary(text(block))).blockHash.toString('base64'));
      assert.equal(imported.timestampMs, Date.parse('2019-09-16T19:37:05.360Z'));
      // stored as it was hashed: the same value, standalone
      assert.deepEqual(ionHash(imported.ion), ionHash(ionTextToBinary(text(block))));
    });
  }

  it('a changed byte of a real block is caught', () => {
    const bad = TV1_BLOCK_TEXT.replace('LEWISR261LL', 'LEWISR261LX');
    const summary = verifyObject(KEY, text(bad), 'KmA3ZZca7vAIiJAK9S5Iwl');
    assert.equal(summary.failure?.check, 'revisionHash');
    assert.match(summary.failure!.message, /sequenceNo:100\}: revision 0 \(document JUJgkIcNbhS2goq8RqLuZ4 version 3\)/);
  });
});

describe("a reading worker's blocks, handed to the server's thread as packed streams", () => {
  const blocks = [...ledgerBlocks(10)];
  const objects = {
    // openqldb's layout: each block a stream of its own, kept as it is
    'Ion binary, a stream per block': Buffer.concat(blocks.map((b) => Buffer.from(b.ion))),
    // QLDB's layout: one stream for the whole object, each block re-encoded as a stream of its own
    'Ion text, one stream': Buffer.from(blocks.map((b) => blockToIonText(b.ion)).join('\n')),
  };
  for (const [what, object] of Object.entries(objects)) {
    it(`${what}: read back as the blocks the verifier's own parse gives, in order, three to a buffer`, () => {
      const packs: PackedStreams[] = [];
      const summary = verifyAndPackObject('k', object, FIXTURE_STRAND, undefined, 3, (p) => packs.push(p));
      assert.equal(summary.failure, undefined);
      assert.deepEqual(packs.map((p) => p.ends.length), [3, 3, 3, 1]);
      const expected = verifyAndReadObject('k', object, FIXTURE_STRAND, undefined).blocks;
      assert.deepEqual(packs.flatMap((p) => [...readPackedBlocks(p)]), expected);
      assert.deepEqual(expected.map((b) => b.sequenceNo), blocks.map((b) => b.sequenceNo));
      assert.deepEqual(expected.map((b) => b.ion), blocks.map((b) => Buffer.from(b.ion)), 'each block stored as it was hashed');
    });
  }

  it('an object that fails hands over no blocks after the failing one', () => {
    const broken = Buffer.concat(blocks.map((b, i) => (i === 5 ? Buffer.from(blocks[6].ion) : Buffer.from(b.ion))));
    const packs: PackedStreams[] = [];
    const summary = verifyAndPackObject('k', broken, FIXTURE_STRAND, undefined, 3, (p) => packs.push(p));
    assert.equal(summary.failure?.check, 'sequence');
    assert.deepEqual(packs.flatMap((p) => [...readPackedBlocks(p)]).map((b) => b.sequenceNo), [0, 1, 2], 'only whole chunks taken before the failure');
  });
});

describe('the catalog an import rebuilds from DDL statements and documents', () => {
  const STRAND = 'St000000000000000000AA';
  let seq = 0;
  const block = (ddl: string[], docs: [string, string][] = []): ImportedBlock => {
    const { parse } = require('../../src/partiql') as typeof import('../../src/partiql');
    seq++;
    return {
      sequenceNo: seq,
      blockHash: Buffer.alloc(32),
      previousBlockHash: Buffer.alloc(32),
      timestampMs: 0,
      transactionId: 'T',
      ion: Buffer.alloc(0),
      ddl: ddl.map((text, index) => {
        let statement;
        try {
          statement = parse(text);
        } catch {
          statement = undefined;
        }
        return { index, text, statement };
      }),
      revisions: docs.map(([tableName, tableId], i) => ({ docId: `D${seq}-${i}`, version: 0, tableId, tableName, data: null, revisionIon: Buffer.alloc(0) })),
      redactions: [],
      notes: [],
    };
  };

  it('tables take the ids their documents name; indexes and drops made before that follow them', () => {
    const c = new ImportCatalog(new Catalog([]), [], STRAND);
    assert.deepEqual(c.opsFor(block(['CREATE TABLE Car']), false), { ops: [], notes: [] });
    assert.deepEqual(c.opsFor(block(['CREATE INDEX ON Car (VIN)']), false).ops, []);
    const first = c.opsFor(block([], [['Car', 'CarTable00000000000001']]), false);
    assert.deepEqual(
      first.ops.map((o) => o.kind),
      ['createTable', 'createIndex'],
    );
    assert.equal(c.catalog.active('Car')!.tableId, 'CarTable00000000000001');
    assert.deepEqual(c.catalog.active('Car')!.indexes.map((i) => i.field), ['VIN']);
    // a table dropped before any document, created again, written to: the second is the one written
    c.opsFor(block(['CREATE TABLE Tmp']), false);
    c.opsFor(block(['DROP TABLE Tmp']), false);
    c.opsFor(block(['CREATE TABLE Tmp']), false);
    c.opsFor(block([], [['Tmp', 'TmpTable00000000000002']]), false);
    assert.equal(c.catalog.active('Tmp')!.tableId, 'TmpTable00000000000002');
    // DROP TABLE of a written table, UNDROP by its id
    assert.deepEqual(c.opsFor(block(['DROP TABLE Car']), false).ops, [{ kind: 'dropTable', tableId: 'CarTable00000000000001' }]);
    assert.deepEqual(c.opsFor(block(['UNDROP TABLE "CarTable00000000000001"']), false).ops, [{ kind: 'undropTable', tableId: 'CarTable00000000000001' }]);
    // at the last block, tables no document ever named are written with derived ids
    c.opsFor(block(['CREATE TABLE Never']), false);
    const last = c.opsFor(block([]), true);
    const never = last.ops.find((o) => o.kind === 'createTable' && o.table.name === 'Never');
    assert.ok(never && never.kind === 'createTable');
    assert.equal(never.table.tableId, c.catalog.active('Never')!.tableId);
    assert.match(never.table.tableId, /^[0-9A-Za-z]{22}$/);
    // the first Tmp, never written, stays dropped under an id of its own
    assert.deepEqual(last.ops.filter((o) => o.kind === 'dropTable').length, 1);
    assert.equal(derivedId(STRAND, 1, 0, 'table'), derivedId(STRAND, 1, 0, 'table'), 'the same import derives the same ids');
  });

  it('what it cannot interpret is reported, not guessed', () => {
    const c = new ImportCatalog(new Catalog([]), [], STRAND);
    const { notes } = c.opsFor(block(['CREATE TABLE ( nonsense', 'DROP INDEX "Ix000000000000000000AA" ON Nowhere WITH (purge = true)', 'DROP TABLE Missing']), false);
    assert.equal(notes.length, 3);
    assert.match(notes[0], /not a statement openqldb can read/);
    assert.match(notes[1], /index Ix000000000000000000AA is not known by that id \(journal blocks do not carry index ids\)/);
    assert.match(notes[2], /no active table Missing to drop/);
    const implicit = c.opsFor(block([], [['Ghost', 'GhostTable000000000001']]), false);
    assert.match(implicit.notes[0], /table Ghost \(GhostTable000000000001\) is written to before any CREATE TABLE/);
    assert.equal(c.catalog.active('Ghost')!.tableId, 'GhostTable000000000001');
  });
});
