/**
 * Describe and List answer from cached results: every write must show at once, expiry must show
 * as the retention horizon passes, and nothing a rolled-back transaction wrote may stay visible.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrate } from '../../../src/storage/sqlite/db';
import { exportSchema } from '../../../src/storage/sqlite/schema/exports';
import { SqliteExportStore } from '../../../src/storage/sqlite/exportStore';
import type { ExportJob } from '../../../src/exports/types';

function open() {
  const dir = mkdtempSync(join(tmpdir(), 'exports-'));
  const db = new Database(join(dir, 'e.sqlite'));
  db.pragma('journal_mode = WAL');
  migrate(db, [exportSchema]);
  return { db, store: new SqliteExportStore(db), close: () => (db.close(), rmSync(dir, { recursive: true, force: true })) };
}

const job = (exportId: string, createdMs: number, ledgerId = 'L1'): ExportJob => ({
  exportId,
  accountId: '000000000000',
  region: 'us-east-1',
  ledgerId,
  ledgerName: 'books',
  createdMs,
  status: 'IN_PROGRESS',
  startMs: 0,
  endMs: 10,
  bucket: 'bucket',
  prefix: 'p/',
  encryptionType: 'SSE_S3',
  roleArn: 'arn:aws:iam::000000000000:role/r',
  strandId: 'S',
  firstSeq: 0,
  lastSeq: 0,
  maxObjectBytes: 1,
  maxObjectBlocks: 1,
});

const start = { ms: -1, id: '' };
const ids = (jobs: readonly ExportJob[]) => jobs.map((j) => j.exportId);

test('a finished job is visible until the horizon reaches its finish time, then gone, read after read', () => {
  const { store, close } = open();
  try {
    store.insert(job('A', 1));
    assert.equal(store.visible('A', 500)?.status, 'IN_PROGRESS');
    store.finish('A', 'COMPLETED', 1000);
    // the write shows at once, though the same question was just answered
    assert.equal(store.visible('A', 500)?.status, 'COMPLETED');
    assert.equal(store.visible('A', 999)?.status, 'COMPLETED');
    assert.equal(store.visible('A', 1000), undefined);
    assert.equal(store.visible('A', 5000), undefined);
    // a clock stepped back sees it again, as SQLite would answer
    assert.equal(store.visible('A', 999)?.status, 'COMPLETED');
    assert.equal(store.visible('missing', 0), undefined);
    store.insert({ ...job('missing', 2) });
    assert.equal(store.visible('missing', 0)?.status, 'IN_PROGRESS');
  } finally {
    close();
  }
});

test('a page moves on when a job in it expires, and shows jobs inserted or finished since', () => {
  const { store, close } = open();
  try {
    store.insert(job('A', 1));
    store.insert(job('B', 2));
    store.insert(job('C', 3, 'L2'));
    assert.deepEqual(ids(store.listByLedger('L1', start, 1, 0)), ['A']);
    store.finish('A', 'CANCELLED', 100, 'because');
    assert.equal(store.listByLedger('L1', start, 1, 0)[0].status, 'CANCELLED');
    assert.deepEqual(ids(store.listByLedger('L1', start, 1, 99)), ['A']);
    // A expires and B, beyond the page so far, takes its place
    assert.deepEqual(ids(store.listByLedger('L1', start, 1, 100)), ['B']);
    assert.deepEqual(ids(store.listByAccount('000000000000', 'us-east-1', start, 10, 100)), ['B', 'C']);
    store.insert(job('D', 4));
    assert.deepEqual(ids(store.listByLedger('L1', start, 10, 100)), ['B', 'D']);
    assert.deepEqual(ids(store.listByAccount('000000000000', 'us-east-1', start, 10, 100)), ['B', 'C', 'D']);
    assert.deepEqual(ids(store.listByLedger('L1', { ms: 2, id: 'B' }, 10, 100)), ['D']);
    store.finish('B', 'COMPLETED', 200);
    store.finish('D', 'COMPLETED', 300);
    assert.deepEqual(ids(store.listByLedger('L1', start, 10, 250)), ['D']);
    assert.equal(store.purge(250), 2);
    assert.deepEqual(ids(store.listByLedger('L1', start, 10, 0)), ['D']);
  } finally {
    close();
  }
});

test('nothing a rolled-back transaction wrote or read stays visible', () => {
  const { db, store, close } = open();
  try {
    store.insert(job('A', 1));
    assert.deepEqual(ids(store.listByLedger('L1', start, 10, 0)), ['A']);
    assert.throws(() =>
      db.transaction(() => {
        store.insert(job('B', 2));
        store.finish('A', 'COMPLETED', 5);
        assert.deepEqual(ids(store.listByLedger('L1', start, 10, 0)), ['A', 'B']);
        assert.equal(store.visible('A', 0)?.status, 'COMPLETED');
        throw new Error('roll back');
      })(),
    );
    assert.deepEqual(ids(store.listByLedger('L1', start, 10, 0)), ['A']);
    assert.equal(store.visible('A', 0)?.status, 'IN_PROGRESS');
    assert.equal(store.visible('B', 0), undefined);
  } finally {
    close();
  }
});

test('answers shared between callers cannot be changed by one of them', () => {
  const { store, close } = open();
  try {
    store.insert(job('A', 1));
    const seen = store.visible('A', 0)!;
    assert.throws(() => ((seen as ExportJob).status = 'COMPLETED'), TypeError);
    assert.equal(store.visible('A', 0)?.status, 'IN_PROGRESS');
  } finally {
    close();
  }
});
