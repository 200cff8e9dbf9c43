/** What a client was told survives a restart of the server, a clean one or a kill -9. */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateLedgerCommand,
  DescribeLedgerCommand,
  ListTagsForResourceCommand,
  QLDBClient,
  TagResourceCommand,
  ListLedgersCommand,
} from '@aws-sdk/client-qldb';
import { startServer, testCredentials, type TestServer } from '../helpers/server';

describe('ledgers and tags persist across restarts', () => {
  let server: TestServer;
  const client = () => new QLDBClient({ endpoint: server.endpoint, region: 'us-east-1', credentials: testCredentials, maxAttempts: 1 });
  before(async () => {
    server = await startServer();
  });
  after(() => server.dispose());

  it('keeps ledgers and tags after a clean stop and after kill -9', async () => {
    let qldb = client();
    const created = await qldb.send(new CreateLedgerCommand({ Name: 'durable', PermissionsMode: 'STANDARD', DeletionProtection: false, Tags: { a: '1' } }));
    await qldb.send(new TagResourceCommand({ ResourceArn: created.Arn, Tags: { b: '2' } }));
    const page = await qldb.send(new ListLedgersCommand({ MaxResults: 1 }));
    qldb.destroy();

    await server.restart();
    qldb = client();
    let d = await qldb.send(new DescribeLedgerCommand({ Name: 'durable' }));
    assert.equal(d.PermissionsMode, 'STANDARD');
    assert.equal(d.DeletionProtection, false);
    assert.deepEqual(d.CreationDateTime, created.CreationDateTime);
    assert.deepEqual((await qldb.send(new ListTagsForResourceCommand({ ResourceArn: created.Arn }))).Tags, { a: '1', b: '2' });
    assert.equal(page.NextToken, undefined);

    await qldb.send(new CreateLedgerCommand({ Name: 'second', PermissionsMode: 'ALLOW_ALL' }));
    qldb.destroy();
    await server.kill9();
    await server.restart();
    qldb = client();
    d = await qldb.send(new DescribeLedgerCommand({ Name: 'second' }));
    assert.equal(d.State, 'ACTIVE');
    const first = await qldb.send(new ListLedgersCommand({ MaxResults: 1 }));
    assert.ok(first.NextToken);
    // a page token issued before a restart still resumes after it
    await server.restart();
    qldb.destroy();
    qldb = client();
    const rest = await qldb.send(new ListLedgersCommand({ MaxResults: 1, NextToken: first.NextToken }));
    assert.deepEqual(rest.Ledgers!.map((l) => l.Name), ['second']);
    qldb.destroy();
  });
});

// Long enough that a busy CI machine still sees CREATING right after the create.
const STATE_DELAY_MS = 1500;

describe('ledger states', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer(['--ledger-state-delay', `${STATE_DELAY_MS}ms`]);
  });
  after(() => server.dispose());

  it('goes CREATING → ACTIVE, then DELETING → gone', async () => {
    const qldb = new QLDBClient({ endpoint: server.endpoint, region: 'us-east-1', credentials: testCredentials, maxAttempts: 1 });
    const c = await qldb.send(new CreateLedgerCommand({ Name: 'slow', PermissionsMode: 'ALLOW_ALL', DeletionProtection: false }));
    assert.equal(c.State, 'CREATING');
    assert.equal((await qldb.send(new DescribeLedgerCommand({ Name: 'slow' }))).State, 'CREATING');
    await assert.rejects(
      qldb.send(new (await import('@aws-sdk/client-qldb')).DeleteLedgerCommand({ Name: 'slow' })),
      (e: any) => e.name === 'ResourcePreconditionNotMetException',
    );
    await new Promise((r) => setTimeout(r, STATE_DELAY_MS + 100));
    assert.equal((await qldb.send(new DescribeLedgerCommand({ Name: 'slow' }))).State, 'ACTIVE');
    await qldb.send(new (await import('@aws-sdk/client-qldb')).DeleteLedgerCommand({ Name: 'slow' }));
    assert.equal((await qldb.send(new DescribeLedgerCommand({ Name: 'slow' }))).State, 'DELETING');
    const listed = await qldb.send(new ListLedgersCommand({}));
    assert.deepEqual(listed.Ledgers!.map((l) => [l.Name, l.State]), [['slow', 'DELETING']]);
    await new Promise((r) => setTimeout(r, STATE_DELAY_MS + 100));
    await assert.rejects(qldb.send(new DescribeLedgerCommand({ Name: 'slow' })), (e: any) => e.name === 'ResourceNotFoundException');
    qldb.destroy();
  });
});
