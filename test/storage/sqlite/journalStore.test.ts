import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { load } from 'ion-js';
import { openDatabase } from '../../../src/storage/sqlite/db';
import { JournalStore } from '../../../src/storage/sqlite/journalStore';
import { sqliteStore } from '../../../src/storage/sqlite/store';
import { blockProof, digestAt, revisionProof } from '../../../src/api/control/journalProofs';
import { BuiltBlock, buildBlock, findRevision, genesisBlock, parseBlock, redactRevisionInBlock } from '../../../src/journal/block';
import { foldProof, merkleRoot } from '../../../src/journal/hash';
import { ionHash, ionHashString } from '../../../src/journal/ionHash';
import { verifyBlock } from '../../../src/journal/verify';

const strandId = 'S0000000000000000000AA';

/** The synchronous store the SQLite backend writes with, and the asynchronous journal the server reads through. */
function open() {
  const dir = mkdtempSync(join(tmpdir(), 'journal-'));
  const db = openDatabase(dir);
  const journal = sqliteStore(db).journal;
  return { db, store: new JournalStore(db), journal, close: () => (db.close(), rmSync(dir, { recursive: true, force: true })) };
}

function nextBlock(prev: BuiltBlock, ts: number, docs = 1): BuiltBlock {
  const seq = prev.sequenceNo + 1;
  const txId = `T${String(seq).padStart(21, '0')}`;
  const txTime = new Date(ts - 2);
  const revisions = Array.from({ length: docs }, (_, k) => ({
    data: Buffer.from(`{seq: ${seq}, k: ${k}}`),
    metadata: { id: `D${String(seq * 10 + k).padStart(21, '0')}`, version: 0, txTime, txId },
  }));
  return buildBlock({
    strandId,
    sequenceNo: seq,
    transactionId: txId,
    blockTimestamp: new Date(ts),
    previousBlockHash: prev.blockHash,
    statements: [{ statement: 'INSERT INTO T ?', startTime: txTime, statementDigest: ionHashString('INSERT INTO T ?') }],
    documents: Object.fromEntries(revisions.map((r) => [r.metadata.id, { tableName: 'T', tableId: 'X000000000000000000000', statements: [0] }])),
    revisions,
  });
}

function fill(store: JournalStore, ledgerId: string, n: number, t0 = Date.UTC(2024, 0, 1)): BuiltBlock[] {
  const blocks = [genesisBlock(strandId, new Date(t0), 'G000000000000000000000')];
  store.createStrand(ledgerId, strandId, blocks[0]);
  for (let i = 1; i < n; i++) {
    const b = nextBlock(blocks[i - 1], t0 + i * 1000, 1 + (i % 3));
    store.appendBlock(ledgerId, b, `T${String(i).padStart(21, '0')}`);
    blocks.push(b);
  }
  return blocks;
}

test('strand, append, read back exactly as hashed; digests and proofs for every tip', async () => {
  const { store, journal, close } = open();
  try {
    assert.equal(store.strand('L1'), undefined);
    const blocks = fill(store, 'L1', 37);
    const tip = store.strand('L1')!;
    assert.equal(tip.strandId, strandId);
    assert.equal(tip.tipSequenceNo, 36);
    assert.deepEqual(tip.tipBlockHash, blocks[36].blockHash);
    for (const b of blocks) assert.deepEqual(store.block('L1', b.sequenceNo), Buffer.from(b.ion));
    assert.equal(store.block('L1', 37), undefined);
    for (let t = 0; t <= 36; t++) {
      const digest = await digestAt(journal, 'L1', t);
      assert.deepEqual(digest, merkleRoot(blocks.slice(0, t + 1).map((b) => b.blockHash)));
      for (let s = 0; s <= t; s++) {
        assert.deepEqual(foldProof(blocks[s].blockHash, await blockProof(journal, 'L1', s, t)), digest, `block ${s} tip ${t}`);
        const parsed = parseBlock(store.block('L1', s)!);
        for (const r of blocks[s].revisions) {
          const proof = await revisionProof(journal, 'L1', parsed, findRevision(parsed, r.documentId)!, s, t);
          assert.deepEqual(foldProof(r.hash, proof), digest);
        }
      }
    }
    assert.equal(findRevision(parseBlock(store.block('L1', 5)!), 'NOPE00000000000000000A'), undefined);
    await assert.rejects(blockProof(journal, 'L1', 5, 4), RangeError);
    await assert.rejects(blockProof(journal, 'L1', 5, 37), /missing node/);
    // appends must continue the strand
    assert.throws(() => store.appendBlock('L1', blocks[3], 'x'), /does not follow/);
  } finally {
    close();
  }
});

test('a redacted block replaces data by dataHash; it still verifies and proofs still fold', async () => {
  const { store, journal, close } = open();
  try {
    const blocks = fill(store, 'L1', 8);
    const target = blocks[4].revisions[0];
    const before = store.block('L1', 4)!;
    const dataBefore = load(before)!.get('revisions', 0, 'data')!;
    const redacted = redactRevisionInBlock(before, target.documentId, 0)!;
    store.replaceBlockIon('L1', 4, Buffer.from(redacted.ion));
    const after = store.block('L1', 4)!;
    assert.notDeepEqual(after, before);
    const dom = load(after)!;
    assert.equal(dom.get('revisions', 0, 'data'), null);
    assert.deepEqual(Buffer.from(dom.get('revisions', 0, 'dataHash')!.uInt8ArrayValue()!), ionHash(dataBefore));
    assert.deepEqual(load(redacted.revision)!.fieldNames(), ['blockAddress', 'hash', 'dataHash', 'metadata']);
    assert.equal(verifyBlock(after, blocks[3].blockHash).ok, true);
    const parsed = parseBlock(after);
    const proof = await revisionProof(journal, 'L1', parsed, findRevision(parsed, target.documentId)!, 4, 7);
    assert.deepEqual(foldProof(target.hash, proof), await digestAt(journal, 'L1', 7));
    // a second redaction of the same revision, or of a missing one, does nothing
    assert.equal(redactRevisionInBlock(after, target.documentId, 0), undefined);
    assert.equal(redactRevisionInBlock(after, 'NOPE00000000000000000A', 0), undefined);
  } finally {
    close();
  }
});

test('dropLedger removes only that ledger; appendBlock joins an enclosing transaction', () => {
  const { db, store, close } = open();
  try {
    fill(store, 'L1', 5);
    const l2 = fill(store, 'L2', 5);
    store.dropLedger('L1');
    assert.equal(store.strand('L1'), undefined);
    assert.equal(store.block('L1', 0), undefined);
    assert.equal(store.strand('L2')!.tipSequenceNo, 4);
    // a failing enclosing transaction rolls the append back with it
    const b5 = nextBlock(l2[4], Date.UTC(2024, 1, 1));
    assert.throws(() =>
      db.transaction(() => {
        store.appendBlock('L2', b5, 'x');
        throw new Error('document write failed');
      })(),
    );
    assert.equal(store.strand('L2')!.tipSequenceNo, 4);
    assert.equal(store.block('L2', 5), undefined);
    store.appendBlock('L2', b5, 'x');
    assert.equal(store.strand('L2')!.tipSequenceNo, 5);
    // the two-argument form takes the strand id from the genesis block; a mismatch is refused
    const g = genesisBlock(strandId, new Date(), 'G000000000000000000000');
    store.createStrand('L3', g);
    assert.equal(store.strand('L3')!.strandId, strandId);
    assert.throws(() => store.createStrand('L4', 'OTHER00000000000000000', g), /does not match/);
    assert.throws(() => store.createStrand('L3', g)); // one strand per ledger
  } finally {
    close();
  }
});

test('tips read back at once after every write, through any store on the database, and never from a rolled-back one; digests follow the tip', async () => {
  const { db, store, journal, close } = open();
  try {
    const other = new JournalStore(db);
    const blocks = fill(store, 'L1', 3);
    const root = (n: number) => merkleRoot(blocks.slice(0, n).map((b) => b.blockHash));
    const digest = () => digestAt(journal, 'L1', store.strand('L1')!.tipSequenceNo);
    assert.equal(other.strand('L1')!.tipSequenceNo, 2);
    assert.deepEqual(await digest(), root(3));
    // the write goes through the other store; the first must not answer from before it
    const b3 = nextBlock(blocks[2], Date.UTC(2024, 0, 2));
    other.appendBlock('L1', b3, 'T000000000000000000003');
    blocks.push(b3);
    assert.equal(store.strand('L1')!.tipSequenceNo, 3);
    assert.deepEqual(store.strand('L1')!.tipBlockHash, b3.blockHash);
    assert.deepEqual(await digest(), root(4));
    assert.deepEqual(await digestAt(journal, 'L1', 1), root(2));
    // a caller that changes its copy of a digest changes no one else's
    (await digest()).fill(0);
    assert.deepEqual(await digest(), root(4));
    (await digest()).fill(0);
    assert.deepEqual(await digest(), root(4));

    assert.throws(() =>
      db.transaction(() => {
        store.appendBlock('L1', nextBlock(b3, Date.UTC(2024, 0, 3)), 'T000000000000000000004');
        assert.equal(store.strand('L1')!.tipSequenceNo, 4);
        throw new Error('roll back');
      })(),
    );
    assert.equal(store.strand('L1')!.tipSequenceNo, 3);
    assert.deepEqual(await digest(), root(4));
    // the block that does get committed at 4 is another one
    const b4 = nextBlock(b3, Date.UTC(2024, 0, 4), 2);
    store.appendBlock('L1', b4, 'T000000000000000000004');
    blocks.push(b4);
    assert.deepEqual(store.strand('L1')!.tipBlockHash, b4.blockHash);
    assert.deepEqual(await digest(), root(5));
    assert.throws(() => ((store.strand('L1') as { tipSequenceNo: number }).tipSequenceNo = 9), TypeError);

    store.dropLedger('L1');
    assert.equal(other.strand('L1'), undefined);
  } finally {
    close();
  }
});
