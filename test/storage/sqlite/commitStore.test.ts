/**
 * A failed fsync of the WAL on SQLite (storage/sqlite/commitStore.ts): the kernel may drop the
 * pages it could not write, so nothing committed after it can be vouched for. Disks that fail
 * on demand do not exist; the fsync here is the real one's stand-in that fails as a disk would
 * report it (EIO), around real SQLite commits.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../../src/storage/sqlite/db';
import { DocumentStore } from '../../../src/storage/sqlite/documentStore';
import { journalStoreOf } from '../../../src/storage/sqlite/journalStore';
import { SqliteCommitStore } from '../../../src/storage/sqlite/commitStore';
import { sqliteStore } from '../../../src/storage/sqlite/store';
import { WalSync } from '../../../src/storage/sqlite/walSync';
import { T0, commitBlocks, newStrand } from '../conformance/fixtures';

/** The WAL's fsync, answering each call after `delays[i]` ms with EIO where `fails[i]`. */
class ScriptedWalSync extends WalSync {
  private call = 0;
  constructor(
    path: string,
    private readonly script: { delayMs: number; fail: boolean }[],
  ) {
    super(path, 2);
  }
  override sync(done: (err: NodeJS.ErrnoException | null) => void): void {
    const step = this.script[this.call++] ?? { delayMs: 0, fail: false };
    const eio = Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' });
    setTimeout(() => done(step.fail ? eio : null), step.delayMs);
  }
}

async function withStore(script: { delayMs: number; fail: boolean }[], body: (s: ReturnType<typeof setup>) => Promise<void>) {
  const dir = mkdtempSync(join(tmpdir(), 'fsync-failure-'));
  const db = openDatabase(dir);
  try {
    await body(setup(db, join(dir, 'openqldb.sqlite-wal'), script));
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function setup(db: ReturnType<typeof openDatabase>, walPath: string, script: { delayMs: number; fail: boolean }[]) {
  const store = sqliteStore(db);
  const commits = new SqliteCommitStore(db, journalStoreOf(db), new DocumentStore(db), new ScriptedWalSync(walPath, script));
  return { store, scripted: { ...store, commits, ping: async () => commits.refuseAfterFsyncFailure() } };
}

test('a failed fsync fails its batch, refuses every later commit, and the store stops answering ping', async () => {
  await withStore([{ delayMs: 0, fail: true }], async ({ store, scripted }) => {
    await newStrand(store, 'L1');
    await assert.rejects(commitBlocks(scripted, 'L1', [{ ts: T0 + 1 }]), /EIO/);
    await assert.rejects(commitBlocks(scripted, 'L1', [{ ts: T0 + 2 }], undefined, 1), /an fsync of the SQLite WAL failed \(EIO.*until the server restarts/);
    await assert.rejects(scripted.ping(), /fsync of the SQLite WAL failed/);
  });
});

test('a batch whose fsync succeeds after another batch\'s failed is not acknowledged either', async () => {
  // batch 1's fsync fails after 30 ms; batch 2, written after it, syncs fine after 60 ms
  await withStore([{ delayMs: 30, fail: true }, { delayMs: 60, fail: false }], async ({ store, scripted }) => {
    await newStrand(store, 'L1');
    const first = commitBlocks(scripted, 'L1', [{ ts: T0 + 1 }], undefined, 0);
    const second = commitBlocks(scripted, 'L1', [{ ts: T0 + 2 }], undefined, 1);
    await assert.rejects(first, /EIO/);
    await assert.rejects(second, /an fsync of the SQLite WAL failed/);
  });
});

test('without a failure, commits are acknowledged once their fsync is done', async () => {
  await withStore([{ delayMs: 10, fail: false }], async ({ store, scripted }) => {
    await newStrand(store, 'L1');
    const { built } = await commitBlocks(scripted, 'L1', [{ ts: T0 + 1 }]);
    assert.equal(built.length, 1);
    assert.equal((await store.journal.strand('L1'))!.tipSequenceNo, 1);
    await scripted.ping();
  });
});

test("a job's progress and an export's objects are acknowledged once the WAL is fsync'd, and refused after a failed fsync", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fsync-progress-'));
  const db = openDatabase(dir);
  try {
    // the progress save's fsync answers after 60 ms; the next fsync (a commit's) fails
    const store = sqliteStore(db, undefined, new ScriptedWalSync(join(dir, 'openqldb.sqlite-wal'), [{ delayMs: 60, fail: false }, { delayMs: 0, fail: true }]));
    const job = {
      kind: 'import' as const,
      id: 'I1',
      accountId: '000000000000',
      region: 'us-east-1',
      ledgerId: 'L1',
      ledgerName: 'ledger-L1',
      createdMs: T0,
      status: 'IN_PROGRESS',
      active: true,
      spec: '{}',
      progress: '{}',
    };
    assert.equal(await store.jobs.insert(job, 2), true);
    assert.ok(await store.jobs.claim('import', 'node-a', Date.now() + 60_000, Date.now()));
    let acknowledged = false;
    const saved = store.jobs.update('I1', 'node-a', 'IN_PROGRESS', '{"tip":499}').then((ok) => {
      acknowledged = true;
      return ok;
    });
    await new Promise((r) => setTimeout(r, 30));
    assert.equal(acknowledged, false, 'answered before its fsync');
    assert.equal(await saved, true);
    assert.equal((await store.jobs.get('import', 'I1'))!.progress, '{"tip":499}');

    await newStrand(store, 'L1');
    await assert.rejects(commitBlocks(store, 'L1', [{ ts: T0 + 1 }]), /EIO/);
    await assert.rejects(store.jobs.update('I1', 'node-a', 'IN_PROGRESS', '{"tip":999}'), /an fsync of the SQLite WAL failed/);
    await assert.rejects(
      store.exports.addObject('E1', 'node-a', { key: 'k', firstSeq: 0, lastSeq: 0, bytes: 1 } as never, 1),
      /an fsync of the SQLite WAL failed/,
    );
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
