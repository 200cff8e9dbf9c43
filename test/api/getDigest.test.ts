/**
 * GetDigest answers at once when every written batch is on disk, and otherwise only after the
 * running fsync: a digest an auditor keeps must never cover a block a power loss could take back.
 */
import { walSyncFor, type WalSync } from '../../src/storage/sqlite/walSync';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { quietApp } from '../../src/app';
import { loadConfig } from '../../src/config';
import { controlHandlers } from '../../src/api/control';
import type { OperationContext } from '../../src/api/types';

test('GetDigest covers a new block only once its fsync has answered', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'openqldb-digest-'));
  const app = await quietApp(loadConfig(['--data-dir', dir, '--ledger-state-delay', '0', '--metrics', 'false', '--log-requests', 'false']));
  try {
    const ctx: OperationContext = { app, caller: { accountId: app.config.accountId, region: app.config.region }, requestId: 'r', trace: {} };
    await controlHandlers.CreateLedger({ Name: 'books', PermissionsMode: 'ALLOW_ALL' }, ctx);
    const digest = async () => (await controlHandlers.GetDigest({ Name: 'books' }, ctx)) as { DigestTipAddress: { IonText: string } };
    assert.match((await digest()).DigestTipAddress.IonText, /sequenceNo:0}$/);

    // hold the next fsync of the write-ahead log
    const commits = app.store.commits as unknown as { wal?: WalSync | null };
    const wal = (commits.wal ??= walSyncFor(app.db))!;
    const sync = wal.sync.bind(wal);
    let release: (() => void) | undefined;
    wal.sync = (done) => {
      release = () => sync(done);
    };
    const s = app.txn.sessions.create(app.ledgers.find(ctx.caller, 'books')!.ledgerId, 'test', app.config.accountId, app.config.region);
    const t = await app.txn.startTransaction(s);
    t.beginStatement('CREATE TABLE Books', Buffer.alloc(32));
    t.createTable('Books');
    t.endStatement();
    const committed = app.txn.commit(s, t);
    await new Promise((r) => setImmediate(r));
    assert.ok(release, 'the commit is written and its fsync is running');

    let answered: string | undefined;
    const waiting = digest().then((d) => (answered = d.DigestTipAddress.IonText));
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(answered, undefined, 'GetDigest answered before the fsync did');
    release!();
    await committed;
    await waiting;
    assert.match(answered!, /sequenceNo:1}$/);
  } finally {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
