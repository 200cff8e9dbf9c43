/**
 * Segments read from a real SQLite journal: the worker-thread encoder (the server's default) and
 * the in-process one produce the same bytes and block ends; the workers read through the exports'
 * own query (storage/sqlite/exportJournal.ts), the in-process one through the store.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ion from 'ion-js';
import { openDatabase } from '../../src/storage/sqlite/db';
import { JournalStore } from '../../src/storage/sqlite/journalStore';
import { sqliteExportJournal } from '../../src/storage/sqlite/exportJournal';
import { sqliteStore } from '../../src/storage/sqlite/store';
import { storeBlocks } from '../../src/exports/journalSource';
import { buildBlock, genesisBlock } from '../../src/journal/block';
import { InProcessSegmentEncoder, SharedSegmentEncoder, WorkerSegmentEncoder } from '../../src/exports/segments';

const LEDGER = 'L000000000000000000001';
const STRAND = 'S000000000000000000001';
const T0 = Date.UTC(2024, 0, 1);

function journalDb(n: number) {
  const dir = mkdtempSync(join(tmpdir(), 'segments-'));
  const db = openDatabase(dir);
  const store = new JournalStore(db);
  const g = genesisBlock(STRAND, new Date(T0), 'G000000000000000000000');
  store.createStrand(LEDGER, STRAND, g);
  let prev = g.blockHash;
  const stored: Buffer[] = [Buffer.from(g.ion)];
  db.transaction(() => {
    for (let seq = 1; seq < n; seq++) {
      const ts = new Date(T0 + seq * 1000);
      const tx = 'T' + String(seq).padStart(21, '0');
      const id = 'D' + String(seq).padStart(21, '0');
      const b = buildBlock({
        strandId: STRAND,
        sequenceNo: seq,
        transactionId: tx,
        blockTimestamp: ts,
        previousBlockHash: prev,
        statements: [{ statement: 'INSERT INTO T ?', startTime: ts, statementDigest: Buffer.alloc(32, seq) }],
        documents: { [id]: { tableName: 'T', tableId: 'X'.repeat(22), statements: [0] } },
        revisions: [{ data: ion.dumpBinary(ion.load(`{n:${seq}, d:${seq}.50, s:"é${seq}"}`)!), metadata: { id, version: 0, txTime: ts, txId: tx } }],
      });
      store.appendBlock(LEDGER, b, tx);
      stored.push(Buffer.from(b.ion));
      prev = b.blockHash;
    }
  })();
  return { db, stored };
}

test('the read paths: the workers\' query and the store\'s bounded batches give the same block bytes', async () => {
  const { db, stored } = journalDb(20);
  const j = sqliteExportJournal(db);
  assert.ok(j.dbPath?.endsWith('openqldb.sqlite'));
  const got = j.readBlocks(LEDGER, 5, 19, 4);
  assert.equal(got.length, 4);
  got.forEach((b, i) => assert.ok(b.equals(stored[5 + i])));
  const read = storeBlocks(sqliteStore(db).journal);
  const viaStore = await read(LEDGER, 3, 19);
  assert.equal(viaStore.length, 17);
  viaStore.forEach((b, i) => assert.ok(b.equals(stored[3 + i])));
  assert.deepEqual(await read(LEDGER, 7, 6), []);
  db.close();
});

test('worker threads and the in-process encoder give the same segments, in every format', async () => {
  const { db, stored } = journalDb(40);
  const inProcess = new InProcessSegmentEncoder(storeBlocks(sqliteStore(db).journal));
  const workers = new WorkerSegmentEncoder(sqliteExportJournal(db).dbPath!, 2);
  try {
    for (const format of ['ION_BINARY', 'ION_TEXT', 'JSON'] as const) {
      const parts = await Promise.all([workers.encode(LEDGER, 0, 19, format), workers.encode(LEDGER, 20, 39, format)]);
      const whole = await inProcess.encode(LEDGER, 0, 39, format);
      const joined = Buffer.concat(parts.map((p) => Buffer.from(p.bytes)));
      assert.ok(joined.equals(Buffer.from(whole.bytes)), format);
      const ends = [...parts[0].ends, ...[...parts[1].ends].map((e) => e + parts[0].bytes.length)];
      assert.deepEqual(ends, [...whole.ends]);
      if (format === 'ION_BINARY') assert.ok(joined.equals(Buffer.concat(stored)));
    }
    await assert.rejects(workers.encode(LEDGER, 30, 45, 'JSON'), /missing/);
    // the server's default: a worker and the server's own thread taking segments in turn
    const shared = new SharedSegmentEncoder(new WorkerSegmentEncoder(sqliteExportJournal(db).dbPath!, 1), inProcess);
    const turns = await Promise.all([0, 10, 20, 30].map((from) => shared.encode(LEDGER, from, from + 9, 'ION_TEXT')));
    const all = await inProcess.encode(LEDGER, 0, 39, 'ION_TEXT');
    assert.ok(Buffer.concat(turns.map((t) => Buffer.from(t.bytes))).equals(Buffer.from(all.bytes)));
    await shared.close();
  } finally {
    await workers.close();
    db.close();
  }
});
