import { test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../../src/storage/sqlite/db';
import { synced, walSyncFor, writeUnsynced } from '../../../src/storage/sqlite/walSync';

test('a data directory (WAL, synchronous=FULL) commits unsynced then fsyncs its WAL; the connection keeps FULL', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'walsync-'));
  const db = openDatabase(dir);
  try {
    const wal = walSyncFor(db);
    assert.ok(wal, 'the WAL is fsync\'d off the main thread');
    db.exec('CREATE TABLE t (x)');
    const seen = writeUnsynced(db, wal, () => {
      db.prepare('INSERT INTO t VALUES (1)').run();
      return db.pragma('synchronous', { simple: true });
    });
    assert.equal(seen, 1, 'NORMAL inside the write');
    assert.equal(db.pragma('synchronous', { simple: true }), 2, 'FULL again after it');
    await synced(wal);
    assert.throws(() => writeUnsynced(db, wal, () => { throw new Error('no'); }), /no/);
    assert.equal(db.pragma('synchronous', { simple: true }), 2, 'FULL again after a failed write');
    wal!.close();
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an in-memory database, or one below synchronous=FULL, commits plainly', async () => {
  const memory = new Database(':memory:');
  assert.equal(walSyncFor(memory), null);
  memory.close();
  const dir = mkdtempSync(join(tmpdir(), 'walsync-'));
  const db = openDatabase(dir);
  db.pragma('synchronous = NORMAL');
  assert.equal(walSyncFor(db), null);
  await synced(null);
  db.close();
  rmSync(dir, { recursive: true, force: true });
});
