/**
 * A journal import survives its server: killed with SIGKILL in the middle of writing a ledger,
 * the restarted server resumes the job from its recorded progress (or starts it again on an
 * emptied ledger) and completes it with the digest the export folds to; the ledger is never
 * ACTIVE half-written. And under --auth strict an import is its account's alone.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeLedgerCommand, GetDigestCommand, ListLedgersCommand, QLDBClient } from '@aws-sdk/client-qldb';
import { startServer, type TestServer } from '../helpers/server';
import { control, until } from './clusterHelpers';
import { IMPORT_BUCKET, importClient, importInput, waitImported } from './importHelpers';
import { STRAND, writeExport } from '../cli/exportFixture';

describe('journal import across a kill -9', () => {
  let server: TestServer;
  let root: string;

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'openqldb-import-kill-'));
    server = await startServer(['--s3-local-dir', root]);
  });
  after(async () => {
    await server.dispose();
    rmSync(root, { recursive: true, force: true });
  });

  it('resumes after the server is killed mid-import, and the ledger is ACTIVE only once complete', async () => {
    const e = writeExport(root, IMPORT_BUCKET, 'big/', 24_000, 'ION_BINARY', 3_000);
    const imports = importClient(server.endpoint);
    const { ImportId } = await imports.importJournal(
      importInput('survivor', 'big/', { Digest: e.digest.toString('base64'), DigestTipAddress: { IonText: `{strandId:"${STRAND}",sequenceNo:${e.tip}}` } }),
    );
    // some batches are written, not all
    let written = 0;
    await until('the import is under way', async () => {
      const d = await imports.describe(ImportId);
      assert.equal(d.Status, 'IN_PROGRESS', d.ErrorMessage);
      written = d.BlocksWritten;
      return written > 0;
    }, 60_000);
    const qldb = control(server.endpoint);
    assert.equal((await qldb.send(new DescribeLedgerCommand({ Name: 'survivor' }))).State, 'CREATING');
    qldb.destroy();
    await server.kill9();
    await server.restart();
    const again = importClient(server.endpoint);
    const c = control(server.endpoint);
    try {
      // right after the restart the ledger is still being imported, not ACTIVE with part of its journal
      const d0 = await again.describe(ImportId);
      if (d0.Status === 'IN_PROGRESS') assert.equal((await c.send(new DescribeLedgerCommand({ Name: 'survivor' }))).State, 'CREATING');
      const d = await waitImported(again, ImportId, 120_000);
      assert.equal(d.Status, 'COMPLETED', d.ErrorMessage);
      assert.equal(d.BlocksWritten >= 24_000 - written, true);
      // the restarted server went on from the recorded progress, or (killed between a batch and its
      // record) emptied the ledger and started again; either way from what it had made durable
      const planned = server.output().split('\n').filter((l) => l.includes('"event":"import.planned"')).map((l) => JSON.parse(l) as { resumeAfter: number });
      assert.ok(planned.some((p) => p.resumeAfter >= 0) || server.output().includes('"event":"import.restarted"'), server.output());
      const got = await c.send(new GetDigestCommand({ Name: 'survivor' }));
      assert.deepEqual(Buffer.from(got.Digest!), e.digest);
      assert.equal(got.DigestTipAddress!.IonText, `{strandId:"${STRAND}",sequenceNo:${e.tip}}`);
      assert.equal((await c.send(new DescribeLedgerCommand({ Name: 'survivor' }))).State, 'ACTIVE');
    } finally {
      c.destroy();
    }
  });
});

describe('journal imports under --auth strict', () => {
  const ALICE = { accessKeyId: 'AKIDALICE0000001', secretAccessKey: 'alice-secret', accountId: '111111111111' };
  const BOB = { accessKeyId: 'AKIDBOB000000001', secretAccessKey: 'bob-secret', accountId: '222222222222' };
  let server: TestServer;
  let root: string;

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'openqldb-import-strict-'));
    const file = join(root, 'credentials.json');
    writeFileSync(file, JSON.stringify({ credentials: [ALICE, BOB] }));
    server = await startServer(['--auth', 'strict', '--credentials-file', file, '--s3-local-dir', root]);
  });
  after(async () => {
    await server.dispose();
    rmSync(root, { recursive: true, force: true });
  });

  it("the ledger and the import belong to the caller's account and region; another account sees neither", async () => {
    writeExport(root, IMPORT_BUCKET, 'alice/', 30, 'ION_TEXT', 10);
    const alice = importClient(server.endpoint, 'us-east-1', ALICE);
    const bob = importClient(server.endpoint, 'us-east-1', BOB);
    const { ImportId } = await alice.importJournal(importInput('alices', 'alice/'));
    await assert.rejects(bob.describe(ImportId), { name: 'ResourceNotFoundException' });
    await assert.rejects(importClient(server.endpoint, 'us-east-1', { ...ALICE, secretAccessKey: 'wrong' }).describe(ImportId), (e: Error) => e.name !== 'ResourceNotFoundException' && /Signature|Invalid|Unrecognized|Access/i.test(e.name + e.message));
    const d = await waitImported(alice, ImportId);
    assert.equal(d.Status, 'COMPLETED', d.ErrorMessage);
    assert.deepEqual((await alice.list()).JournalS3Imports.map((i) => i.ImportId), [ImportId]);
    assert.deepEqual((await bob.list()).JournalS3Imports, []);
    const q = (k: typeof ALICE) => new QLDBClient({ endpoint: server.endpoint, region: 'us-east-1', credentials: k, maxAttempts: 1 });
    const [qa, qb] = [q(ALICE), q(BOB)];
    try {
      const described = await qa.send(new DescribeLedgerCommand({ Name: 'alices' }));
      assert.equal(described.Arn, 'arn:aws:qldb:us-east-1:111111111111:ledger/alices');
      assert.deepEqual((await qb.send(new ListLedgersCommand({}))).Ledgers, []);
      await assert.rejects(qb.send(new DescribeLedgerCommand({ Name: 'alices' })), { name: 'ResourceNotFoundException' });
      // Bob may import a ledger of the same name: his own
      const { ImportId: bobs } = await bob.importJournal(importInput('alices', 'alice/'));
      assert.equal((await waitImported(bob, bobs)).Status, 'COMPLETED');
      assert.equal((await qb.send(new DescribeLedgerCommand({ Name: 'alices' }))).Arn, 'arn:aws:qldb:us-east-1:222222222222:ledger/alices');
    } finally {
      qa.destroy();
      qb.destroy();
    }
  });
});
