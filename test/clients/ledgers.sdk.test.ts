/**
 * Ledger and tag operations through @aws-sdk/client-qldb 3.918.0 against a live server, plus the
 * constraint violations a client would refuse to send, sent raw.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateLedgerCommand,
  DeleteLedgerCommand,
  DescribeLedgerCommand,
  ListLedgersCommand,
  ListTagsForResourceCommand,
  QLDBClient,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateLedgerCommand,
  UpdateLedgerPermissionsModeCommand,
  ListJournalKinesisStreamsForLedgerCommand,
  DescribeJournalKinesisStreamCommand,
} from '@aws-sdk/client-qldb';
import { startServer, testCredentials, type TestServer } from '../helpers/server';
import { raw } from '../helpers/raw';
import { rejectsWith } from '../helpers/sdkErrors';

const ACCOUNT = '000000000000';
const arnOf = (name: string) => `arn:aws:qldb:us-east-1:${ACCOUNT}:ledger/${name}`;


describe('ledgers and tags via @aws-sdk/client-qldb', () => {
  let server: TestServer;
  let qldb: QLDBClient;
  before(async () => {
    server = await startServer(['--max-ledgers', '6']);
    qldb = new QLDBClient({ endpoint: server.endpoint, region: 'us-east-1', credentials: testCredentials, maxAttempts: 1 });
  });
  after(async () => {
    qldb.destroy();
    await server.dispose();
  });

  it('creates a ledger and describes it with every field AWS returns', async () => {
    const created = await qldb.send(new CreateLedgerCommand({ Name: 'vehicle-registration', PermissionsMode: 'STANDARD' }));
    assert.equal(created.Name, 'vehicle-registration');
    assert.equal(created.Arn, arnOf('vehicle-registration'));
    assert.equal(created.PermissionsMode, 'STANDARD');
    assert.equal(created.DeletionProtection, true, 'deletion protection defaults to true');
    assert.ok(created.CreationDateTime instanceof Date);
    assert.ok(Math.abs(created.CreationDateTime!.getTime() - Date.now()) < 60_000);
    assert.equal(created.KmsKeyArn, undefined);
    const d = await qldb.send(new DescribeLedgerCommand({ Name: 'vehicle-registration' }));
    assert.equal(d.State, 'ACTIVE');
    assert.equal(d.Arn, created.Arn);
    assert.deepEqual(d.CreationDateTime, created.CreationDateTime);
    assert.deepEqual(d.EncryptionDescription, { KmsKeyArn: 'AWS_OWNED_KMS_KEY', EncryptionStatus: 'ENABLED' });
  });

  it('records a customer KMS key and refuses a malformed one', async () => {
    const key = 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    const c = await qldb.send(new CreateLedgerCommand({ Name: 'kms-ledger', PermissionsMode: 'ALLOW_ALL', KmsKey: key }));
    assert.equal(c.KmsKeyArn, key);
    const d = await qldb.send(new DescribeLedgerCommand({ Name: 'kms-ledger' }));
    assert.equal(d.EncryptionDescription?.KmsKeyArn, key);
    const u = await qldb.send(new UpdateLedgerCommand({ Name: 'kms-ledger', KmsKey: 'AWS_OWNED_KMS_KEY' }));
    assert.equal(u.EncryptionDescription?.KmsKeyArn, 'AWS_OWNED_KMS_KEY');
    await rejectsWith(
      qldb.send(new CreateLedgerCommand({ Name: 'bad-kms', PermissionsMode: 'ALLOW_ALL', KmsKey: 'not-a-key' })),
      'InvalidParameterException',
      400,
      { ParameterName: 'KmsKey' },
    );
  });

  it('accepts every KmsKey form QLDB did: a key ID becomes a key ARN of the account and region, an alias stays as given', async () => {
    const keyId = '1234abcd-12ab-34cd-56ef-1234567890ab';
    const keyArn = (id: string) => `arn:aws:kms:us-east-1:${ACCOUNT}:key/${id}`;
    const c = await qldb.send(new CreateLedgerCommand({ Name: 'kms-forms', PermissionsMode: 'STANDARD', KmsKey: keyId }));
    assert.equal(c.KmsKeyArn, keyArn(keyId));
    let d = await qldb.send(new DescribeLedgerCommand({ Name: 'kms-forms' }));
    assert.deepEqual(d.EncryptionDescription, { KmsKeyArn: keyArn(keyId), EncryptionStatus: 'ENABLED' });

    const alias = await qldb.send(new CreateLedgerCommand({ Name: 'kms-alias', PermissionsMode: 'ALLOW_ALL', KmsKey: 'alias/my-key' }));
    assert.equal(alias.KmsKeyArn, 'alias/my-key');
    d = await qldb.send(new DescribeLedgerCommand({ Name: 'kms-alias' }));
    assert.equal(d.EncryptionDescription?.KmsKeyArn, 'alias/my-key');

    const forms: [string, string][] = [
      ['alias/team/ledger_key-2', 'alias/team/ledger_key-2'],
      ['arn:aws:kms:eu-west-1:111122223333:alias/ExampleAlias', 'arn:aws:kms:eu-west-1:111122223333:alias/ExampleAlias'],
      ['arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab', 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab'],
      ['mrk-1234abcd12ab34cd56ef1234567890ab', keyArn('mrk-1234abcd12ab34cd56ef1234567890ab')],
      ['AWS_OWNED_KMS_KEY', 'AWS_OWNED_KMS_KEY'],
      [keyId, keyArn(keyId)],
    ];
    for (const [given, reported] of forms) {
      const u = await qldb.send(new UpdateLedgerCommand({ Name: 'kms-forms', KmsKey: given }));
      assert.equal(u.EncryptionDescription?.KmsKeyArn, reported, given);
      d = await qldb.send(new DescribeLedgerCommand({ Name: 'kms-forms' }));
      assert.equal(d.EncryptionDescription?.KmsKeyArn, reported, given);
    }
  });

  it('refuses a KmsKey of no KMS form in AWS validation form, on create and update, changing nothing', async () => {
    const garbage = [
      'not-a-key', 'alias/', 'alias/has space', 'aws_owned_kms_key', '1234abcd-12ab-34cd-56ef-1234567890a',
      '1234abcd12ab34cd56ef1234567890ab', 'mrk-123', 'arn:aws:kms:us-east-1:1234:key/abc', 'arn:aws:s3:::bucket/key',
      'key/1234abcd-12ab-34cd-56ef-1234567890ab',
    ];
    const form = (v: string) =>
      new RegExp(`^1 validation error detected: Value '${v.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}' at 'kmsKey' failed to satisfy constraint: Member must satisfy regular expression pattern: `);
    for (const v of garbage) {
      await rejectsWith(
        qldb.send(new CreateLedgerCommand({ Name: 'bad-kms', PermissionsMode: 'ALLOW_ALL', KmsKey: v })),
        'InvalidParameterException', 400, { ParameterName: 'KmsKey' }, form(v),
      );
      await rejectsWith(
        qldb.send(new UpdateLedgerCommand({ Name: 'kms-forms', KmsKey: v, DeletionProtection: false })),
        'InvalidParameterException', 400, { ParameterName: 'KmsKey' }, form(v),
      );
    }
    await rejectsWith(qldb.send(new DescribeLedgerCommand({ Name: 'bad-kms' })), 'ResourceNotFoundException', 404);
    const d = await qldb.send(new DescribeLedgerCommand({ Name: 'kms-forms' }));
    assert.equal(d.DeletionProtection, true);
    assert.equal(d.EncryptionDescription?.KmsKeyArn, `arn:aws:kms:us-east-1:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`);
  });

  it('refuses a duplicate name with ResourceAlreadyExistsException', async () => {
    const e = await rejectsWith(
      qldb.send(new CreateLedgerCommand({ Name: 'vehicle-registration', PermissionsMode: 'ALLOW_ALL' })),
      'ResourceAlreadyExistsException',
      409,
      { ResourceType: 'LEDGER', ResourceName: 'vehicle-registration' },
    );
    assert.equal(e.message, 'Ledger with name vehicle-registration already exists');
  });

  it('answers ResourceNotFoundException for a ledger that does not exist', async () => {
    const e = await rejectsWith(qldb.send(new DescribeLedgerCommand({ Name: 'nope' })), 'ResourceNotFoundException', 404, {
      ResourceType: 'LEDGER',
      ResourceName: 'nope',
    });
    assert.equal(e.message, 'The ledger nope does not exist');
    await rejectsWith(qldb.send(new UpdateLedgerCommand({ Name: 'nope', DeletionProtection: false })), 'ResourceNotFoundException', 404);
    await rejectsWith(
      qldb.send(new UpdateLedgerPermissionsModeCommand({ Name: 'nope', PermissionsMode: 'STANDARD' })),
      'ResourceNotFoundException',
      404,
    );
    await rejectsWith(qldb.send(new DeleteLedgerCommand({ Name: 'nope' })), 'ResourceNotFoundException', 404);
  });

  it('updates deletion protection and permissions mode', async () => {
    await qldb.send(new CreateLedgerCommand({ Name: 'upd', PermissionsMode: 'ALLOW_ALL', DeletionProtection: true }));
    const u = await qldb.send(new UpdateLedgerCommand({ Name: 'upd', DeletionProtection: false }));
    assert.equal(u.DeletionProtection, false);
    assert.equal(u.Name, 'upd');
    assert.equal(u.State, 'ACTIVE');
    assert.ok(u.CreationDateTime instanceof Date);
    assert.equal((u as any).PermissionsMode, undefined, 'UpdateLedger does not return PermissionsMode');
    const p = await qldb.send(new UpdateLedgerPermissionsModeCommand({ Name: 'upd', PermissionsMode: 'STANDARD' }));
    assert.deepEqual({ Name: p.Name, Arn: p.Arn, PermissionsMode: p.PermissionsMode }, {
      Name: 'upd',
      Arn: arnOf('upd'),
      PermissionsMode: 'STANDARD',
    });
    assert.equal((await qldb.send(new DescribeLedgerCommand({ Name: 'upd' }))).PermissionsMode, 'STANDARD');
  });

  it('enforces deletion protection, then deletes and lets the name be reused', async () => {
    await qldb.send(new CreateLedgerCommand({ Name: 'doomed', PermissionsMode: 'ALLOW_ALL', Tags: { team: 'a' } }));
    const e = await rejectsWith(qldb.send(new DeleteLedgerCommand({ Name: 'doomed' })), 'ResourcePreconditionNotMetException', 412, {
      ResourceType: 'LEDGER',
      ResourceName: 'doomed',
    });
    assert.match(e.message, /deletion protection is enabled/);
    await qldb.send(new UpdateLedgerCommand({ Name: 'doomed', DeletionProtection: false }));
    await qldb.send(new DeleteLedgerCommand({ Name: 'doomed' }));
    await rejectsWith(qldb.send(new DescribeLedgerCommand({ Name: 'doomed' })), 'ResourceNotFoundException', 404);
    const again = await qldb.send(new CreateLedgerCommand({ Name: 'doomed', PermissionsMode: 'ALLOW_ALL' }));
    assert.equal(again.State, 'ACTIVE');
    const tags = await qldb.send(new ListTagsForResourceCommand({ ResourceArn: arnOf('doomed') }));
    assert.deepEqual(tags.Tags, {}, 'tags vanish with their ledger');
    await qldb.send(new UpdateLedgerCommand({ Name: 'doomed', DeletionProtection: false }));
    await qldb.send(new DeleteLedgerCommand({ Name: 'doomed' }));
  });

  it('enforces the ledger quota with LimitExceededException', async () => {
    const existing = (await qldb.send(new ListLedgersCommand({}))).Ledgers!.length;
    const made: string[] = [];
    for (let i = existing; i < 6; i++) {
      await qldb.send(new CreateLedgerCommand({ Name: `quota-${i}`, PermissionsMode: 'ALLOW_ALL', DeletionProtection: false }));
      made.push(`quota-${i}`);
    }
    await rejectsWith(qldb.send(new CreateLedgerCommand({ Name: 'one-too-many', PermissionsMode: 'ALLOW_ALL' })), 'LimitExceededException', 400, {
      ResourceType: 'LEDGER',
    });
    for (const name of made) await qldb.send(new DeleteLedgerCommand({ Name: name }));
  });

  it('pages ListLedgers in name order with opaque tokens', async () => {
    const all = (await qldb.send(new ListLedgersCommand({}))).Ledgers!.map((l) => l.Name);
    assert.deepEqual(all, [...all].sort());
    assert.ok(all.length >= 3);
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await qldb.send(new ListLedgersCommand({ MaxResults: 1, NextToken: token }));
      assert.ok(page.Ledgers!.length <= 1);
      for (const l of page.Ledgers!) {
        seen.push(l.Name!);
        assert.ok(['CREATING', 'ACTIVE', 'DELETING'].includes(l.State!));
        assert.ok(l.CreationDateTime instanceof Date);
      }
      token = page.NextToken;
      pages++;
    } while (token);
    assert.deepEqual(seen, all);
    assert.equal(pages, all.length);
    await rejectsWith(qldb.send(new ListLedgersCommand({ NextToken: 'Zm9yZ2VkdG9rZW4=' })), 'InvalidParameterException', 400, {
      ParameterName: 'NextToken',
    });
  });

  it('tags, lists and untags a ledger with AWS tagging rules', async () => {
    const arn = arnOf('vehicle-registration');
    await qldb.send(new TagResourceCommand({ ResourceArn: arn, Tags: { env: 'prod', owner: 'dmv' } }));
    await qldb.send(new TagResourceCommand({ ResourceArn: arn, Tags: { env: 'test' } }));
    assert.deepEqual((await qldb.send(new ListTagsForResourceCommand({ ResourceArn: arn }))).Tags, { env: 'test', owner: 'dmv' });
    await qldb.send(new UntagResourceCommand({ ResourceArn: arn, TagKeys: ['owner', 'never-there'] }));
    assert.deepEqual((await qldb.send(new ListTagsForResourceCommand({ ResourceArn: arn }))).Tags, { env: 'test' });
    await rejectsWith(qldb.send(new TagResourceCommand({ ResourceArn: arn, Tags: { 'aws:x': '1' } })), 'InvalidParameterException', 400, {
      ParameterName: 'Tags',
    });
    const many = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, 'v']));
    await rejectsWith(qldb.send(new TagResourceCommand({ ResourceArn: arn, Tags: many })), 'InvalidParameterException', 400, {
      ParameterName: 'Tags',
    });
    await rejectsWith(qldb.send(new ListTagsForResourceCommand({ ResourceArn: 'arn:aws:s3:::some-bucket-name' })), 'InvalidParameterException', 400, {
      ParameterName: 'ResourceArn',
    });
    await rejectsWith(qldb.send(new ListTagsForResourceCommand({ ResourceArn: arnOf('ghost') })), 'ResourceNotFoundException', 404);
    await rejectsWith(
      qldb.send(new ListTagsForResourceCommand({ ResourceArn: 'arn:aws:qldb:us-east-1:123456789012:ledger/vehicle-registration' })),
      'ResourceNotFoundException',
      404,
    );
    await rejectsWith(
      qldb.send(new ListTagsForResourceCommand({ ResourceArn: 'arn:aws:qldb:eu-west-1:000000000000:ledger/vehicle-registration' })),
      'ResourceNotFoundException',
      404,
    );
  });

  it('holds the 50-tag limit against concurrent TagResource calls: of two that each fit alone, one is refused', async () => {
    const arn = arnOf('vehicle-registration');
    const before = Object.keys((await qldb.send(new ListTagsForResourceCommand({ ResourceArn: arn }))).Tags ?? {}).length;
    const batch = (prefix: string) => Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`${prefix}${i}`, 'v']));
    const outcomes = await Promise.allSettled([
      qldb.send(new TagResourceCommand({ ResourceArn: arn, Tags: batch('a') })),
      qldb.send(new TagResourceCommand({ ResourceArn: arn, Tags: batch('b') })),
    ]);
    assert.deepEqual(outcomes.map((o) => o.status).sort(), ['fulfilled', 'rejected']);
    const refused = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected')!.reason;
    assert.equal(refused.name, 'InvalidParameterException');
    assert.equal(refused.ParameterName, 'Tags');
    const after = Object.keys((await qldb.send(new ListTagsForResourceCommand({ ResourceArn: arn }))).Tags ?? {});
    assert.equal(after.length, before + 30);
    await qldb.send(new UntagResourceCommand({ ResourceArn: arn, TagKeys: after.filter((k) => /^[ab]\d+$/.test(k)) }));
  });

  it('answers the journal-stream operations honestly', async () => {
    const list = await qldb.send(new ListJournalKinesisStreamsForLedgerCommand({ LedgerName: 'vehicle-registration' }));
    assert.deepEqual(list.Streams, []);
    await rejectsWith(
      qldb.send(new DescribeJournalKinesisStreamCommand({ LedgerName: 'vehicle-registration', StreamId: 'a'.repeat(22) })),
      'ResourceNotFoundException',
      404,
      { ResourceType: 'JOURNAL_KINESIS_STREAM' },
    );
    await rejectsWith(
      qldb.send(new ListJournalKinesisStreamsForLedgerCommand({ LedgerName: 'nope' })),
      'ResourceNotFoundException',
      404,
    );
  });
});

describe('constraint violations sent raw (bypassing client-side checks)', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
  });
  after(() => server.dispose());

  const invalid = async (method: string, path: string, body: unknown, parameterName: string, message?: RegExp) => {
    const r = await raw(server.endpoint, method, path, body);
    assert.equal(r.status, 400, r.body);
    assert.equal(r.errorType, 'InvalidParameterException', r.body);
    assert.equal(r.json.ParameterName, parameterName, r.body);
    assert.match(r.json.Message, /^\d+ validation errors? detected: Value /);
    if (message) assert.match(r.json.Message, message);
  };

  it('checks ledger names against the model pattern and lengths', async () => {
    for (const name of ['-lead', 'trail-', 'dou--ble', '12345', 'x'.repeat(33), 'bad_char']) {
      await invalid('POST', '/ledgers', { Name: name, PermissionsMode: 'ALLOW_ALL' }, 'Name');
    }
    await invalid('POST', '/ledgers', { Name: 'x'.repeat(33), PermissionsMode: 'ALLOW_ALL' }, 'Name', /Member must have length less than or equal to 32/);
    await invalid('GET', '/ledgers/' + 'x'.repeat(33), undefined, 'Name');
    await invalid('POST', '/ledgers', { Name: '', PermissionsMode: 'ALLOW_ALL' }, 'Name', /greater than or equal to 1/);
  });

  it('checks required members and enums', async () => {
    await invalid('POST', '/ledgers', { Name: 'ok' }, 'PermissionsMode', /Value null at 'permissionsMode' failed to satisfy constraint: Member must not be null/);
    await invalid('POST', '/ledgers', { Name: 'ok', PermissionsMode: 'OPEN' }, 'PermissionsMode', /enum value set: \[ALLOW_ALL, STANDARD\]/);
    await invalid('PATCH', '/ledgers/ok/permissions-mode', {}, 'PermissionsMode');
    await invalid('POST', '/tags/' + encodeURIComponent('arn:aws:qldb:us-east-1:000000000000:ledger/ok'), {}, 'Tags');
    await invalid('POST', '/ledgers', { Name: 'ok', PermissionsMode: 'ALLOW_ALL', KmsKey: 'k'.repeat(1601) }, 'KmsKey');
    await invalid('GET', '/tags/short', undefined, 'ResourceArn', /greater than or equal to 20/);
    const r = await raw(server.endpoint, 'POST', '/ledgers', { Name: '-x', PermissionsMode: 'NOPE' });
    assert.match(r.json.Message, /^2 validation errors detected: /, 'every violated member is named');
  });

  it('checks map sizes, tag key lengths and query ranges', async () => {
    const tags = Object.fromEntries(Array.from({ length: 201 }, (_, i) => [`k${i}`, 'v']));
    await invalid('POST', '/ledgers', { Name: 'ok', PermissionsMode: 'ALLOW_ALL', Tags: tags }, 'Tags');
    await invalid('POST', '/ledgers', { Name: 'ok', PermissionsMode: 'ALLOW_ALL', Tags: { ['k'.repeat(129)]: 'v' } }, 'Tags');
    await invalid('POST', '/ledgers', { Name: 'ok', PermissionsMode: 'ALLOW_ALL', Tags: { k: 'v'.repeat(257) } }, 'Tags');
    await invalid('GET', '/ledgers?max_results=0', undefined, 'MaxResults', /greater than or equal to 1/);
    await invalid('GET', '/ledgers?max_results=101', undefined, 'MaxResults', /less than or equal to 100/);
    await invalid('GET', '/ledgers?next_token=abc', undefined, 'NextToken');
    await invalid('GET', '/ledgers?next_token=' + encodeURIComponent('has spaces!'), undefined, 'NextToken');
    await invalid('DELETE', '/tags/' + encodeURIComponent('arn:aws:qldb:us-east-1:000000000000:ledger/ok'), undefined, 'TagKeys');
  });

  it('answers wire-level mistakes with AWS-shaped errors, never a 500', async () => {
    let r = await raw(server.endpoint, 'POST', '/ledgers', '{"Name": ');
    assert.equal(r.status, 400);
    assert.equal(r.errorType, 'SerializationException');
    r = await raw(server.endpoint, 'POST', '/ledgers', { Name: 42, PermissionsMode: 'ALLOW_ALL' });
    assert.equal(r.errorType, 'SerializationException');
    r = await raw(server.endpoint, 'POST', '/ledgers', { Name: 'ok', PermissionsMode: 'ALLOW_ALL', DeletionProtection: 'yes' });
    assert.equal(r.errorType, 'SerializationException');
    r = await raw(server.endpoint, 'POST', '/ledgers', [1, 2]);
    assert.equal(r.errorType, 'SerializationException');
    r = await raw(server.endpoint, 'GET', '/ledgers?max_results=ten');
    assert.equal(r.errorType, 'SerializationException');
    r = await raw(server.endpoint, 'GET', '/no/such/route');
    assert.equal(r.status, 404);
    assert.equal(r.errorType, 'UnknownOperationException');
    r = await raw(server.endpoint, 'PUT', '/ledgers');
    assert.equal(r.errorType, 'UnknownOperationException');
    r = await raw(server.endpoint, 'GET', '/ledgers/%E0%A4%A');
    assert.equal(r.status, 400);
    r = await raw(server.endpoint, 'POST', '/ledgers', Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]));
    assert.equal(r.errorType, 'SerializationException');
    r = await raw(server.endpoint, 'POST', '/ledgers', 'x'.repeat(9 * 1024 * 1024));
    assert.equal(r.status, 413);
    assert.equal(r.errorType, 'RequestEntityTooLargeException');
    for (const res of [r]) assert.ok(res.headers.get('x-amzn-requestid'));
    // and the server still answers normally afterwards
    r = await raw(server.endpoint, 'GET', '/ledgers');
    assert.equal(r.status, 200);
    assert.deepEqual(r.json, { Ledgers: [] });
  });
});
