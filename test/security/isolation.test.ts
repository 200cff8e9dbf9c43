/**
 * Account (and region) isolation under `--auth strict`: two accounts in one credentials file.
 * Whatever one account owns is, to the other, exactly as absent as a ledger that never existed —
 * same error type, status and message — and nothing the other does touches it.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateLedgerCommand,
  DeleteLedgerCommand,
  DescribeJournalS3ExportCommand,
  DescribeLedgerCommand,
  ExportJournalToS3Command,
  ListJournalS3ExportsCommand,
  ListJournalS3ExportsForLedgerCommand,
  GetBlockCommand,
  GetDigestCommand,
  GetRevisionCommand,
  ListJournalKinesisStreamsForLedgerCommand,
  ListLedgersCommand,
  ListTagsForResourceCommand,
  QLDBClient,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateLedgerCommand,
  UpdateLedgerPermissionsModeCommand,
} from '@aws-sdk/client-qldb';
import { QLDBSessionClient, SendCommandCommand, type SendCommandCommandInput } from '@aws-sdk/client-qldb-session';
import { QldbDriver, RetryConfig } from 'amazon-qldb-driver-nodejs';
import { startServer, type TestServer } from '../helpers/server';

const ALICE = { accessKeyId: 'AKIDALICE0000001', secretAccessKey: 'alice-secret', accountId: '111111111111' };
const BOB = { accessKeyId: 'AKIDBOB000000001', secretAccessKey: 'bob-secret', accountId: '222222222222' };
const arn = (account: string, name: string, region = 'us-east-1') => `arn:aws:qldb:${region}:${account}:ledger/${name}`;

/** The error a promise rejects with, as the SDK names it. */
async function failure(p: Promise<unknown>): Promise<{ name: string; status: number; message: string; fields: Record<string, unknown> }> {
  try {
    await p;
  } catch (e: any) {
    const { name, message, $metadata, $fault, $response, $retryable, ...fields } = e;
    return { name: e.name, status: $metadata?.httpStatusCode, message: e.message, fields };
  }
  assert.fail('expected the call to fail');
}

/** Asserts that `probe(name)` fails for the other account's ledger exactly as for a ledger that does not exist. */
async function sameAsMissing(probe: (name: string) => Promise<unknown>, foreignName: string, expectedName: string): Promise<void> {
  const foreign = await failure(probe(foreignName));
  const missing = await failure(probe('no-such-ledger'));
  assert.equal(foreign.name, expectedName, foreign.message);
  assert.equal(foreign.name, missing.name);
  assert.equal(foreign.status, missing.status);
  assert.equal(foreign.message.replaceAll(foreignName, '<name>'), missing.message.replaceAll('no-such-ledger', '<name>'));
  // and the shape's members (ResourceType, ResourceName, …) give nothing away either
  assert.equal(JSON.stringify(foreign.fields).replaceAll(foreignName, '<name>'), JSON.stringify(missing.fields).replaceAll('no-such-ledger', '<name>'));
}

describe('account isolation under --auth strict', () => {
  let server: TestServer;
  let alice: QLDBClient;
  let bob: QLDBClient;
  let aliceEu: QLDBClient;
  const sessionClients: QLDBSessionClient[] = [];
  /** The session API as one account sees it. */
  const session = (k: typeof ALICE, region = 'us-east-1') => {
    const c = new QLDBSessionClient({
      endpoint: server.endpoint,
      region,
      credentials: { accessKeyId: k.accessKeyId, secretAccessKey: k.secretAccessKey },
      maxAttempts: 1,
    });
    sessionClients.push(c);
    return (input: SendCommandCommandInput) => c.send(new SendCommandCommand(input));
  };

  before(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'openqldb-iso-'));
    const file = join(dir, 'credentials.json');
    writeFileSync(file, JSON.stringify({ credentials: [ALICE, BOB], regions: ['eu-west-1'] }));
    server = await startServer(['--auth', 'strict', '--credentials-file', file, '--max-ledgers', '3']);
    const client = (k: typeof ALICE, region = 'us-east-1') =>
      new QLDBClient({ endpoint: server.endpoint, region, credentials: { accessKeyId: k.accessKeyId, secretAccessKey: k.secretAccessKey }, maxAttempts: 1 });
    alice = client(ALICE);
    bob = client(BOB);
    aliceEu = client(ALICE, 'eu-west-1');
    for (const name of ['alice-books', 'alice-archive', 'shared-name']) {
      await alice.send(new CreateLedgerCommand({ Name: name, PermissionsMode: 'STANDARD', DeletionProtection: false, Tags: { owner: 'alice' } }));
    }
  });
  after(async () => {
    for (const c of [alice, bob, aliceEu, ...sessionClients]) c.destroy();
    await server.dispose();
  });

  it('lists only the caller’s own ledgers', async () => {
    assert.deepEqual((await bob.send(new ListLedgersCommand({}))).Ledgers, []);
    const mine = (await alice.send(new ListLedgersCommand({}))).Ledgers?.map((l) => l.Name);
    assert.deepEqual(mine, ['alice-archive', 'alice-books', 'shared-name']);
  });

  it('describe, update, permissions-mode change and delete of another account’s ledger look like a missing ledger', async () => {
    await sameAsMissing((n) => bob.send(new DescribeLedgerCommand({ Name: n })), 'alice-books', 'ResourceNotFoundException');
    await sameAsMissing((n) => bob.send(new UpdateLedgerCommand({ Name: n, DeletionProtection: true })), 'alice-books', 'ResourceNotFoundException');
    await sameAsMissing(
      (n) => bob.send(new UpdateLedgerPermissionsModeCommand({ Name: n, PermissionsMode: 'ALLOW_ALL' })),
      'alice-books',
      'ResourceNotFoundException',
    );
    await sameAsMissing((n) => bob.send(new DeleteLedgerCommand({ Name: n })), 'alice-archive', 'ResourceNotFoundException');
    await sameAsMissing((n) => bob.send(new ListJournalKinesisStreamsForLedgerCommand({ LedgerName: n })), 'alice-books', 'ResourceNotFoundException');

    // and none of it reached Alice's ledgers
    const books = await alice.send(new DescribeLedgerCommand({ Name: 'alice-books' }));
    assert.equal(books.DeletionProtection, false);
    assert.equal(books.PermissionsMode, 'STANDARD');
    assert.equal((await alice.send(new DescribeLedgerCommand({ Name: 'alice-archive' }))).State, 'ACTIVE');
  });

  it('tagging by ARN cannot read, add or remove another account’s tags', async () => {
    const target = arn(ALICE.accountId, 'alice-books');
    const missingArn = arn(BOB.accountId, 'no-such-ledger');
    for (const probe of [
      (a: string) => bob.send(new ListTagsForResourceCommand({ ResourceArn: a })),
      (a: string) => bob.send(new TagResourceCommand({ ResourceArn: a, Tags: { owner: 'bob' } })),
      (a: string) => bob.send(new UntagResourceCommand({ ResourceArn: a, TagKeys: ['owner'] })),
    ]) {
      const foreign = await failure(probe(target));
      const missing = await failure(probe(missingArn));
      assert.equal(foreign.name, 'ResourceNotFoundException', foreign.message);
      assert.equal(foreign.status, missing.status);
      assert.equal(foreign.message.replace(target, '<arn>'), missing.message.replace(missingArn, '<arn>'));
    }
    assert.deepEqual((await alice.send(new ListTagsForResourceCommand({ ResourceArn: target }))).Tags, { owner: 'alice' });
  });

  it('the same ledger name in two accounts is two ledgers', async () => {
    const bobs = await bob.send(new CreateLedgerCommand({ Name: 'shared-name', PermissionsMode: 'ALLOW_ALL', DeletionProtection: false }));
    assert.equal(bobs.Arn, arn(BOB.accountId, 'shared-name'));
    assert.equal((await alice.send(new DescribeLedgerCommand({ Name: 'shared-name' }))).PermissionsMode, 'STANDARD');
    await bob.send(new TagResourceCommand({ ResourceArn: bobs.Arn, Tags: { owner: 'bob' } }));
    assert.deepEqual((await alice.send(new ListTagsForResourceCommand({ ResourceArn: arn(ALICE.accountId, 'shared-name') }))).Tags, { owner: 'alice' });
    await bob.send(new DeleteLedgerCommand({ Name: 'shared-name' }));
    assert.equal((await alice.send(new DescribeLedgerCommand({ Name: 'shared-name' }))).State, 'ACTIVE');
    assert.deepEqual((await alice.send(new ListTagsForResourceCommand({ ResourceArn: arn(ALICE.accountId, 'shared-name') }))).Tags, { owner: 'alice' });
  });

  it('the ledger quota is counted per account', async () => {
    // Alice is at the quota of 3; Bob can still create his own.
    const full = await failure(alice.send(new CreateLedgerCommand({ Name: 'alice-fourth', PermissionsMode: 'STANDARD' })));
    assert.equal(full.name, 'LimitExceededException');
    await bob.send(new CreateLedgerCommand({ Name: 'bob-first', PermissionsMode: 'STANDARD', DeletionProtection: false }));
    assert.deepEqual((await bob.send(new ListLedgersCommand({}))).Ledgers?.map((l) => l.Name), ['bob-first']);
  });

  it('a ListLedgers NextToken issued to one account is refused for the other', async () => {
    const page = await alice.send(new ListLedgersCommand({ MaxResults: 1 }));
    assert.ok(page.NextToken, 'Alice has more than one ledger, so the first page carries a token');
    const stolen = await failure(bob.send(new ListLedgersCommand({ MaxResults: 1, NextToken: page.NextToken })));
    assert.equal(stolen.name, 'InvalidParameterException', stolen.message);
    assert.equal(stolen.status, 400);
    // the token is still good for Alice
    const next = await alice.send(new ListLedgersCommand({ MaxResults: 1, NextToken: page.NextToken }));
    assert.equal(next.Ledgers?.length, 1);
  });

  it('the same account in another region sees none of its ledgers there', async () => {
    assert.deepEqual((await aliceEu.send(new ListLedgersCommand({}))).Ledgers, []);
    await sameAsMissing((n) => aliceEu.send(new DescribeLedgerCommand({ Name: n })), 'alice-books', 'ResourceNotFoundException');
    const euArn = await failure(aliceEu.send(new ListTagsForResourceCommand({ ResourceArn: arn(ALICE.accountId, 'alice-books') })));
    assert.equal(euArn.name, 'ResourceNotFoundException');
    const created = await aliceEu.send(new CreateLedgerCommand({ Name: 'alice-books', PermissionsMode: 'ALLOW_ALL', DeletionProtection: false }));
    assert.equal(created.Arn, arn(ALICE.accountId, 'alice-books', 'eu-west-1'));
    assert.equal((await alice.send(new DescribeLedgerCommand({ Name: 'alice-books' }))).PermissionsMode, 'STANDARD');
  });
  it('StartSession on another account’s ledger is refused exactly as for a missing ledger', async () => {
    const bobSession = session(BOB);
    await sameAsMissing((n) => bobSession({ StartSession: { LedgerName: n } }), 'alice-books', 'BadRequestException');
    const started = await session(ALICE)({ StartSession: { LedgerName: 'alice-books' } });
    assert.ok(started.StartSession?.SessionToken);
  });

  it('a session token is only good for the account that started it', async () => {
    const aliceSession = session(ALICE);
    const token = (await aliceSession({ StartSession: { LedgerName: 'alice-books' } })).StartSession!.SessionToken!;
    const bobSession = session(BOB);
    for (const command of [{ StartTransaction: {} }, { EndSession: {} }, { AbortTransaction: {} }]) {
      const stolen = await failure(bobSession({ SessionToken: token, ...command }));
      assert.equal(stolen.name, 'InvalidSessionException', stolen.message);
      assert.equal(stolen.status, 400);
    }
    // Bob's EndSession did not end Alice's session
    const tx = await aliceSession({ SessionToken: token, StartTransaction: {} });
    assert.equal(tx.StartTransaction?.TransactionId?.length, 22);
  });

  it('a session token is only good in the region where it was started', async () => {
    const token = (await session(ALICE)({ StartSession: { LedgerName: 'alice-books' } })).StartSession!.SessionToken!;
    const elsewhere = await failure(session(ALICE, 'eu-west-1')({ SessionToken: token, StartTransaction: {} }));
    assert.equal(elsewhere.name, 'InvalidSessionException', elsewhere.message);
  });
  it('digests, blocks and revisions of another account’s ledger are out of reach, by name and by strand', async () => {
    // Alice writes a document, so her journal has a block with a revision in it
    const creds = { accessKeyId: ALICE.accessKeyId, secretAccessKey: ALICE.secretAccessKey };
    const driver = new QldbDriver('alice-archive', { endpoint: server.endpoint, region: 'us-east-1', credentials: creds, maxAttempts: 1 }, {}, 1, new RetryConfig(0));
    await driver.executeLambda(async (tx) => {
      await tx.execute('CREATE TABLE Secrets');
      await tx.execute('INSERT INTO Secrets ?', { owner: 'alice', secret: 42 });
    });
    const rows = await driver.executeLambda(async (tx) => (await tx.execute('SELECT * FROM _ql_committed_Secrets')).getResultList());
    driver.close();
    assert.equal(rows.length, 1);
    const address = rows[0].get('blockAddress')!;
    const blockAddress = { IonText: `{strandId:"${address.get('strandId')!.stringValue()}",sequenceNo:${address.get('sequenceNo')!.numberValue()}}` };
    const documentId = rows[0].get('metadata')!.get('id')!.stringValue()!;
    const digest = await alice.send(new GetDigestCommand({ Name: 'alice-archive' }));
    assert.ok(digest.Digest && digest.DigestTipAddress?.IonText);
    const tip = digest.DigestTipAddress;
    assert.ok((await alice.send(new GetBlockCommand({ Name: 'alice-archive', BlockAddress: blockAddress }))).Block?.IonText?.includes('secret'));

    // by Alice's ledger name: Bob sees no such ledger
    await sameAsMissing((n) => bob.send(new GetDigestCommand({ Name: n })), 'alice-archive', 'ResourceNotFoundException');
    await sameAsMissing((n) => bob.send(new GetBlockCommand({ Name: n, BlockAddress: blockAddress, DigestTipAddress: tip })), 'alice-archive', 'ResourceNotFoundException');
    await sameAsMissing(
      (n) => bob.send(new GetRevisionCommand({ Name: n, BlockAddress: blockAddress, DocumentId: documentId, DigestTipAddress: tip })),
      'alice-archive',
      'ResourceNotFoundException',
    );

    // by Alice's strand through Bob's own ledger: the strand is not his
    await bob.send(new CreateLedgerCommand({ Name: 'bob-journal', PermissionsMode: 'ALLOW_ALL', DeletionProtection: false }));
    const viaOwn = await failure(bob.send(new GetBlockCommand({ Name: 'bob-journal', BlockAddress: blockAddress })));
    assert.equal(viaOwn.name, 'InvalidParameterException', viaOwn.message);
    assert.ok(!JSON.stringify(viaOwn).includes('secret'));
    const revisionViaOwn = await failure(bob.send(new GetRevisionCommand({ Name: 'bob-journal', BlockAddress: blockAddress, DocumentId: documentId, DigestTipAddress: tip })));
    assert.equal(revisionViaOwn.name, 'InvalidParameterException', revisionViaOwn.message);
    const bobDigest = await bob.send(new GetDigestCommand({ Name: 'bob-journal' }));
    assert.notDeepEqual(bobDigest.Digest, digest.Digest);
  });
  it('journal exports: another account can neither start, describe nor list them, nor page with their tokens', async () => {
    const exportTo = (client: QLDBClient, name: string, account: string) =>
      client.send(
        new ExportJournalToS3Command({
          Name: name,
          InclusiveStartTime: new Date(Date.now() - 3600_000),
          ExclusiveEndTime: new Date(Date.now() - 1000),
          RoleArn: `arn:aws:iam::${account}:role/qldb-export`,
          S3ExportConfiguration: { Bucket: `bucket-${account}`, Prefix: 'exports/', EncryptionConfiguration: { ObjectEncryptionType: 'SSE_S3' } },
        }),
      );
    // an export range must end after its ledger was created, and these ledgers are new
    await new Promise((r) => setTimeout(r, 1100));
    const first = (await exportTo(alice, 'alice-archive', ALICE.accountId)).ExportId!;
    const second = (await exportTo(alice, 'alice-books', ALICE.accountId)).ExportId!;
    assert.equal((await alice.send(new DescribeJournalS3ExportCommand({ Name: 'alice-archive', ExportId: first }))).ExportDescription?.ExportId, first);

    await sameAsMissing((n) => exportTo(bob, n, BOB.accountId), 'alice-archive', 'ResourceNotFoundException');
    await sameAsMissing((n) => bob.send(new DescribeJournalS3ExportCommand({ Name: n, ExportId: first })), 'alice-archive', 'ResourceNotFoundException');
    await sameAsMissing((n) => bob.send(new ListJournalS3ExportsForLedgerCommand({ Name: n })), 'alice-archive', 'ResourceNotFoundException');

    // Alice's export id through a ledger of Bob's own is no export of his
    const viaOwn = await failure(bob.send(new DescribeJournalS3ExportCommand({ Name: 'bob-first', ExportId: first })));
    const madeUp = await failure(bob.send(new DescribeJournalS3ExportCommand({ Name: 'bob-first', ExportId: 'A'.repeat(22) })));
    assert.equal(viaOwn.name, 'ResourceNotFoundException', viaOwn.message);
    assert.equal(viaOwn.message.replace(first, '<id>'), madeUp.message.replace('A'.repeat(22), '<id>'));

    assert.deepEqual((await bob.send(new ListJournalS3ExportsCommand({}))).JournalS3Exports ?? [], []);
    const page = await alice.send(new ListJournalS3ExportsCommand({ MaxResults: 1 }));
    assert.equal(page.JournalS3Exports?.length, 1);
    assert.ok(page.NextToken);
    const stolen = await failure(bob.send(new ListJournalS3ExportsCommand({ MaxResults: 1, NextToken: page.NextToken })));
    assert.equal(stolen.name, 'InvalidParameterException', stolen.message);
    const rest = await alice.send(new ListJournalS3ExportsCommand({ MaxResults: 1, NextToken: page.NextToken }));
    assert.deepEqual([page.JournalS3Exports![0].ExportId, rest.JournalS3Exports![0].ExportId].sort(), [first, second].sort());
  });
});
