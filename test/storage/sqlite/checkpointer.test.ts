import { test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WalCheckpointer } from '../../../src/storage/sqlite/checkpointer';
import { openDatabase, type Db } from '../../../src/storage/sqlite/db';

test('the serving connection no longer checkpoints; the checkpoint thread keeps the WAL small and every row reaches the database file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'checkpointer-'));
  const db = openDatabase(dir);
  try {
    const checkpointer = new WalCheckpointer(db);
    assert.equal(db.pragma('wal_autocheckpoint', { simple: true }), 0);
    db.exec('CREATE TABLE t (n INTEGER, x BLOB)');
    const insert = db.prepare('INSERT INTO t VALUES (?, ?)');
    // 40 transactions of 100 rows of 4,000 bytes: about 4,000 pages, 16 MB, through the WAL
    let largestWal = 0;
    for (let batch = 0; batch < 40; batch++) {
      db.transaction(() => {
        for (let i = 0; i < 100; i++) insert.run(batch * 100 + i, randomBytes(4000));
      })();
      checkpointer.committed(100);
      await checkpointer.settled();
      largestWal = Math.max(largestWal, statSync(join(dir, 'openqldb.sqlite-wal')).size);
    }
    assert.ok(checkpointer.stats.checkpoints >= 10, `${checkpointer.stats.checkpoints} checkpoints`);
    assert.equal(checkpointer.stats.backfilled, checkpointer.stats.walFrames, 'the last checkpoint copied every frame');
    assert.ok(largestWal < 4 * 1024 * 1024, `the WAL reached ${largestWal} bytes of the 16 MB written through it`);
    assert.equal(checkpointer.lastError, undefined);
    await checkpointer.close();
    assert.equal(db.pragma('wal_autocheckpoint', { simple: true }), 1000, 'SQLite checkpoints on its own again');
  } finally {
    db.close();
  }
  const reopened = new Database(join(dir, 'openqldb.sqlite'), { readonly: true });
  try {
    assert.deepEqual(reopened.prepare('SELECT count(*) AS rows, sum(length(x)) AS bytes, sum(n) AS total FROM t').get(), {
      rows: 4000,
      bytes: 16_000_000,
      total: (3999 * 4000) / 2,
    });
  } finally {
    reopened.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

/** A fresh data directory's database with a checkpointer (`idleMs` apart), closed and removed after `body`. */
async function withCheckpointer(idleMs: number, body: (db: Db, checkpointer: WalCheckpointer) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'checkpointer-'));
  const db = openDatabase(dir);
  const checkpointer = new WalCheckpointer(db, idleMs);
  try {
    await body(db, checkpointer);
  } finally {
    await checkpointer.close();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Waits until `done()` holds, or `ms` have passed. */
async function until(done: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!done() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
}

test('writes that never wait for the checkpoints (steady commits, an import) still let the WAL start over once it is long', () =>
  withCheckpointer(60_000, async (db, checkpointer) => {
    db.exec('CREATE TABLE t (n INTEGER, x BLOB)');
    const insert = db.prepare('INSERT INTO t VALUES (?, ?)');
    // 120 transactions of 100 rows of 4,000 bytes (48 MB), each written as soon as the last is,
    // so a checkpoint is mostly running when one starts; the WAL may start over past 500 frames
    let largestWal = 0;
    for (let batch = 0; batch < 120; batch++) {
      checkpointer.restartIfLong(500);
      db.transaction(() => {
        for (let i = 0; i < 100; i++) insert.run(batch * 100 + i, randomBytes(4000));
      })();
      checkpointer.committed(100);
      largestWal = Math.max(largestWal, statSync(`${db.name}-wal`).size);
      await new Promise((r) => setImmediate(r)); // the thread's answers come in meanwhile
    }
    assert.ok(largestWal < 16 * 1024 * 1024, `the WAL reached ${largestWal} bytes of the 48 MB written through it`);
    assert.equal(checkpointer.lastError, undefined);
    assert.equal((db.prepare('SELECT count(*) AS n FROM t').get() as { n: number }).n, 12000);
  }));

test('a WAL found short again after a wait for a write to start it over lets the thread checkpoint as before', () =>
  withCheckpointer(60_000, async (db, checkpointer) => {
    db.exec('CREATE TABLE t (n INTEGER)');
    db.prepare('INSERT INTO t VALUES (1)').run();
    checkpointer.committed(256); // a checkpoint runs
    // the WAL as the thread last saw it is long: the next write must find no checkpoint running
    checkpointer.stats.walFrames = 100_000;
    checkpointer.restartIfLong(500);
    await checkpointer.settled();
    const before = checkpointer.stats.checkpoints;
    assert.ok(checkpointer.stats.walFrames <= 500, `${checkpointer.stats.walFrames} frames`);
    checkpointer.restartIfLong(500); // short again: nothing is awaited any more
    db.prepare('INSERT INTO t VALUES (2)').run();
    checkpointer.committed(256);
    await checkpointer.settled();
    assert.equal(checkpointer.stats.checkpoints, before + 1, 'the thread checkpointed again');
  }));

test('checkpoints wait for enough commits: a quiet server does not fsync twice more per commit', () =>
  withCheckpointer(60_000, async (db, checkpointer) => {
    db.exec('CREATE TABLE t (n INTEGER)');
    for (let i = 0; i < 255; i++) {
      db.prepare('INSERT INTO t VALUES (?)').run(i);
      checkpointer.committed(1);
    }
    await checkpointer.settled();
    assert.equal(checkpointer.stats.checkpoints, 0);
    checkpointer.committed(1);
    await checkpointer.settled();
    assert.equal(checkpointer.stats.checkpoints, 1);
  }));

test('writes outside commits (a ledger deleted with its rows) are checkpointed within the idle interval', () =>
  withCheckpointer(50, async (db, checkpointer) => {
    db.exec('CREATE TABLE t (x BLOB)');
    db.transaction(() => {
      for (let i = 0; i < 200; i++) db.prepare('INSERT INTO t VALUES (?)').run(randomBytes(4000));
    })();
    await until(() => checkpointer.stats.backfilled >= 200, 5_000);
    assert.ok(checkpointer.stats.backfilled >= 200, `${checkpointer.stats.backfilled} frames checkpointed without a commit`);
  }));

test('a process whose store is never closed still exits: the thread does not hold it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'checkpointer-'));
  try {
    const script =
      `const { openDatabase } = require(${JSON.stringify(require.resolve('../../../src/storage/sqlite/db'))});` +
      `const { WalCheckpointer } = require(${JSON.stringify(require.resolve('../../../src/storage/sqlite/checkpointer'))});` +
      `const c = new WalCheckpointer(openDatabase(${JSON.stringify(dir)}));` +
      'c.committed(1000);';
    const run = spawnSync(process.execPath, ['-e', script], { timeout: 20_000 });
    assert.equal(run.signal, null, 'it had to be killed');
    assert.equal(run.status, 0, run.stderr.toString());
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a thread that cannot check the database gives the checkpoints back to SQLite and says so', async () => {
  // a database the worker cannot open: its thread ends with an error
  const pragmas: string[] = [];
  const db = { name: join(tmpdir(), 'no-such-directory-' + process.pid, 'openqldb.sqlite'), open: true, pragma: (p: string) => void pragmas.push(p) };
  const told: [string, boolean][] = [];
  const checkpointer = new WalCheckpointer(db, 60_000, (message, fallback) => told.push([message, fallback]));
  await until(() => told.length > 0, 10_000);
  assert.equal(told.length, 1);
  assert.match(told[0][0], /directory|open/i);
  assert.equal(told[0][1], true, 'SQLite checkpoints on its own again');
  assert.deepEqual(pragmas, ['wal_autocheckpoint = 0', 'wal_autocheckpoint = 1000']);
  checkpointer.committed(1000); // asks nothing of a thread that is gone
  await checkpointer.close();
});
