/**
 * Every refusal of the four stream operations, as each real client sees it: the error type, HTTP
 * status and ParameterName / ResourceType through @aws-sdk/client-qldb, the error code through
 * /usr/bin/aws and boto3 (the same request given as --cli-input-json and as boto3 parameters).
 * Then one stream started, described, listed and canceled through awscli and boto3, their output
 * shapes as QLDB's.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  CancelJournalKinesisStreamCommand,
  DescribeJournalKinesisStreamCommand,
  DeleteLedgerCommand,
  DescribeLedgerCommand,
  ListJournalKinesisStreamsForLedgerCommand,
  ListTagsForResourceCommand,
  StreamJournalToKinesisCommand,
  type QLDBClient,
} from '@aws-sdk/client-qldb';
import { startServer, testCredentials, type TestServer } from '../helpers/server';
import { aws } from '../helpers/awscli';
import { boto } from '../helpers/boto';
import { startKinesis, type TestKinesis } from '../helpers/kinesis';
import { rejectsWith } from '../helpers/sdkErrors';
import { createLedger, newDriver } from './sessionHelpers';
import { until } from './clusterHelpers';
import { ROLE, qldbClient } from './streamHelpers';

type Op = 'StreamJournalToKinesis' | 'DescribeJournalKinesisStream' | 'ListJournalKinesisStreamsForLedger' | 'CancelJournalKinesisStream';
const COMMANDS = {
  StreamJournalToKinesis: StreamJournalToKinesisCommand,
  DescribeJournalKinesisStream: DescribeJournalKinesisStreamCommand,
  ListJournalKinesisStreamsForLedger: ListJournalKinesisStreamsForLedgerCommand,
  CancelJournalKinesisStream: CancelJournalKinesisStreamCommand,
} as const;
const kebab = (op: Op) => op.replace(/[A-Z]/g, (c, i) => (i ? '-' : '') + c.toLowerCase());
const snake = (op: Op) => kebab(op).replace(/-/g, '_');

interface Case {
  title: string;
  op: Op;
  /** the request, with ISO times (awscli and boto3 take them so too) */
  params: Record<string, unknown>;
  code: string;
  status: number;
  fields?: Record<string, string>;
  message?: RegExp;
  /** botocore (awscli, boto3) checks this constraint itself and never sends the request */
  clientValidated?: boolean;
}

const KINESIS = 'arn:aws:kinesis:us-east-1:123456789012:stream/errors';
const hourAgo = () => new Date(Date.now() - 3_600_000).toISOString();
const start = (over: Record<string, unknown> = {}) => ({
  LedgerName: 'errors',
  RoleArn: ROLE,
  InclusiveStartTime: hourAgo(),
  KinesisConfiguration: { StreamArn: KINESIS },
  StreamName: 'feed',
  ...over,
});

function cases(): Case[] {
  const notFound = '0123456789abcdefABCDEF';
  return [
    { title: 'a ledger that does not exist', op: 'StreamJournalToKinesis', params: start({ LedgerName: 'nope' }), code: 'ResourceNotFoundException', status: 404, fields: { ResourceType: 'LEDGER', ResourceName: 'nope' } },
    { title: 'a StreamName that breaks the name pattern', op: 'StreamJournalToKinesis', params: start({ StreamName: 'two--dashes' }), code: 'InvalidParameterException', status: 400, fields: { ParameterName: 'StreamName' } },
    { title: 'a RoleArn shorter than 20', op: 'StreamJournalToKinesis', params: start({ RoleArn: 'arn:aws:iam::1:r' }), code: 'InvalidParameterException', status: 400, fields: { ParameterName: 'RoleArn' }, clientValidated: true },
    { title: 'a RoleArn that is no IAM role', op: 'StreamJournalToKinesis', params: start({ RoleArn: 'arn:aws:s3:::my-bucket-of-things' }), code: 'InvalidParameterException', status: 400, fields: { ParameterName: 'RoleArn' }, message: /not a valid IAM role ARN/ },
    { title: 'a StreamArn that is no Kinesis stream', op: 'StreamJournalToKinesis', params: start({ KinesisConfiguration: { StreamArn: 'arn:aws:sqs:us-east-1:123456789012:queue' } }), code: 'InvalidParameterException', status: 400, fields: { ParameterName: 'KinesisConfiguration' }, message: /not a valid Kinesis Data Streams ARN/ },
    { title: 'an InclusiveStartTime in the future', op: 'StreamJournalToKinesis', params: start({ InclusiveStartTime: new Date(Date.now() + 3_600_000).toISOString() }), code: 'InvalidParameterException', status: 400, fields: { ParameterName: 'InclusiveStartTime' }, message: /cannot be in the future/ },
    { title: 'an ExclusiveEndTime not after the start', op: 'StreamJournalToKinesis', params: start({ InclusiveStartTime: '2026-01-02T00:00:00Z', ExclusiveEndTime: '2026-01-01T00:00:00Z' }), code: 'InvalidParameterException', status: 400, fields: { ParameterName: 'InclusiveStartTime' } },
    { title: "an ExclusiveEndTime before the ledger's creation", op: 'StreamJournalToKinesis', params: start({ InclusiveStartTime: '2000-01-01T00:00:00Z', ExclusiveEndTime: '2000-01-02T00:00:00Z' }), code: 'InvalidParameterException', status: 400, fields: { ParameterName: 'ExclusiveEndTime' } },
    { title: 'a reserved tag key', op: 'StreamJournalToKinesis', params: start({ Tags: { 'aws:owner': 'x' } }), code: 'InvalidParameterException', status: 400, fields: { ParameterName: 'Tags' } },
    { title: 'a StreamId of 21 characters', op: 'DescribeJournalKinesisStream', params: { LedgerName: 'errors', StreamId: notFound.slice(1) }, code: 'InvalidParameterException', status: 400, fields: { ParameterName: 'StreamId' }, clientValidated: true },
    { title: 'a stream that does not exist', op: 'DescribeJournalKinesisStream', params: { LedgerName: 'errors', StreamId: notFound }, code: 'ResourceNotFoundException', status: 404, fields: { ResourceType: 'JOURNAL_KINESIS_STREAM', ResourceName: notFound } },
    { title: 'a stream of a ledger that does not exist', op: 'DescribeJournalKinesisStream', params: { LedgerName: 'nope', StreamId: notFound }, code: 'ResourceNotFoundException', status: 404, fields: { ResourceType: 'LEDGER', ResourceName: 'nope' } },
    // botocore checks a string's minimum length, not its maximum: this one reaches the server from every client
    { title: 'canceling a StreamId of 23 characters', op: 'CancelJournalKinesisStream', params: { LedgerName: 'errors', StreamId: notFound + 'x' }, code: 'InvalidParameterException', status: 400, fields: { ParameterName: 'StreamId' }, message: /length less than or equal to 22/ },
    { title: 'canceling a stream that does not exist', op: 'CancelJournalKinesisStream', params: { LedgerName: 'errors', StreamId: notFound }, code: 'ResourceNotFoundException', status: 404, fields: { ResourceType: 'JOURNAL_KINESIS_STREAM' } },
    { title: 'the streams of a ledger that does not exist', op: 'ListJournalKinesisStreamsForLedger', params: { LedgerName: 'nope' }, code: 'ResourceNotFoundException', status: 404, fields: { ResourceType: 'LEDGER' } },
    { title: 'a forged NextToken', op: 'ListJournalKinesisStreamsForLedger', params: { LedgerName: 'errors', NextToken: 'Zm9yZ2VkLXRva2VuLXRoYXQtaXMtbG9uZw==' }, code: 'InvalidParameterException', status: 400, fields: { ParameterName: 'NextToken' } },
    { title: 'MaxResults 0', op: 'ListJournalKinesisStreamsForLedger', params: { LedgerName: 'errors', MaxResults: 0 }, code: 'InvalidParameterException', status: 400, fields: { ParameterName: 'MaxResults' }, clientValidated: true },
  ];
}

function sdkInput(params: Record<string, unknown>): any {
  const out: Record<string, unknown> = { ...params };
  for (const k of ['InclusiveStartTime', 'ExclusiveEndTime']) if (typeof out[k] === 'string') out[k] = new Date(out[k] as string);
  return out;
}

describe('journal stream errors through the SDK, awscli and boto3', () => {
  let kinesis: TestKinesis;
  let server: TestServer;
  let bare: TestServer;
  let keyless: TestServer;
  let qldb: QLDBClient;

  before(async () => {
    kinesis = await startKinesis();
    [server, bare, keyless] = await Promise.all([
      startServer(['--kinesis-endpoint', kinesis.endpoint, '--kinesis-access-key-id', 'kinesalite', '--kinesis-secret-access-key', 'kinesalite', '--export-retention', '4s']),
      // long enough that awscli, slow to start on a busy machine, still finds the ledger CREATING
      startServer(['--ledger-state-delay', '10s']),
      // no Kinesis credential anywhere: no flag, no AWS_* variable, no file, no instance metadata
      startServer(['--kinesis-endpoint', kinesis.endpoint], {
        env: { AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '', AWS_SESSION_TOKEN: '', AWS_PROFILE: '', AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null', AWS_EC2_METADATA_DISABLED: 'true' },
      }),
    ]);
    qldb = qldbClient(server);
    await createLedger(server.endpoint, 'errors');
    // ACTIVE by the time the tests below use it
    await createLedger(bare.endpoint, 'settled');
  });

  after(async () => {
    qldb?.destroy();
    await Promise.all([server?.dispose(), bare?.dispose(), keyless?.dispose()]);
    await kinesis?.close();
  });

  /** The request is refused as `c` says through the SDK, awscli and boto3 alike. */
  async function refusedByEveryClient(c: Omit<Case, 'title'>): Promise<void> {
    await rejectsWith(qldb.send(new (COMMANDS[c.op] as any)(sdkInput(c.params))), c.code, c.status, c.fields ?? {}, c.message);
    const cli = await aws(server.endpoint, ['qldb', kebab(c.op), '--cli-input-json', JSON.stringify(c.params)]);
    if (c.clientValidated) {
      assert.equal(cli.code, 252, cli.stderr);
      assert.match(cli.stderr, /Parameter validation failed/);
      await assert.rejects(boto({ endpoint: server.endpoint, ...testCredentials, op: snake(c.op), params: c.params }), /Parameter validation failed|ParamValidationError/);
      return;
    }
    assert.equal(cli.errorCode, c.code, cli.stderr);
    assert.equal(cli.code, 254);
    const py = await boto({ endpoint: server.endpoint, ...testCredentials, op: snake(c.op), params: c.params });
    assert.equal(py.ok, false);
    assert.equal(py.code, c.code, py.message);
    assert.equal(py.status, c.status);
    if (c.message) assert.match(py.message!, c.message);
  }

  for (const c of cases()) {
    it(`${c.op}: ${c.title} → ${c.code}`, () => refusedByEveryClient(c));
  }

  it('a ledger still CREATING → ResourcePreconditionNotMetException; a server without --kinesis-endpoint → InvalidParameterException naming the setting', async () => {
    const bareQldb = qldbClient(bare);
    await createLedger(bare.endpoint, 'errors');
    const params = start();
    const settled = start({ LedgerName: 'settled' });
    await rejectsWith(bareQldb.send(new StreamJournalToKinesisCommand(sdkInput(params))), 'ResourcePreconditionNotMetException', 412, { ResourceType: 'LEDGER' });
    assert.equal((await aws(bare.endpoint, ['qldb', 'stream-journal-to-kinesis', '--cli-input-json', JSON.stringify(params)])).errorCode, 'ResourcePreconditionNotMetException');
    await until('the ledger settled is ACTIVE', async () => (await bareQldb.send(new DescribeLedgerCommand({ Name: 'settled' }))).State === 'ACTIVE', 15_000);
    await rejectsWith(bareQldb.send(new StreamJournalToKinesisCommand(sdkInput(settled))), 'InvalidParameterException', 400, { ParameterName: 'KinesisConfiguration' }, /--kinesis-endpoint/);
    const cli = await aws(bare.endpoint, ['qldb', 'stream-journal-to-kinesis', '--cli-input-json', JSON.stringify(settled)]);
    assert.equal(cli.errorCode, 'InvalidParameterException');
    assert.match(cli.stderr, /--kinesis-endpoint/);
    const py = await boto({ endpoint: bare.endpoint, ...testCredentials, op: 'stream_journal_to_kinesis', params: settled });
    assert.equal(py.code, 'InvalidParameterException');
    // nothing was created: no stream is listed
    assert.deepEqual((await bareQldb.send(new ListJournalKinesisStreamsForLedgerCommand({ LedgerName: 'settled' }))).Streams, []);
    bareQldb.destroy();
  });

  it('a second ACTIVE stream of the same name, a sixth ACTIVE stream, and DeleteLedger while streams run are refused, as each client sees it', async () => {
    await createLedger(server.endpoint, 'crowded');
    await until('the ledger crowded is ACTIVE', async () => (await qldb.send(new DescribeLedgerCommand({ Name: 'crowded' }))).State === 'ACTIVE', 15_000);
    const crowdedArn = await kinesis.createStream('crowded');
    const named = (StreamName: string) => start({ LedgerName: 'crowded', StreamName, KinesisConfiguration: { StreamArn: crowdedArn } });
    const viaAll = (op: Op, params: Record<string, unknown>, code: string, status: number, fields: Record<string, string>, message?: RegExp) =>
      refusedByEveryClient({ op, params, code, status, fields, message });

    const ids = [(await qldb.send(new StreamJournalToKinesisCommand(sdkInput(named('s0'))))).StreamId!];
    // the developer guide: a stream name is unique among the ledger's active streams
    await viaAll('StreamJournalToKinesis', named('s0'), 'InvalidParameterException', 400, { ParameterName: 'StreamName' }, /already has an ACTIVE journal stream named s0/);
    for (let i = 1; i < 5; i++) ids.push((await qldb.send(new StreamJournalToKinesisCommand(sdkInput(named(`s${i}`))))).StreamId!);
    await viaAll('StreamJournalToKinesis', named('s5'), 'LimitExceededException', 400, { ResourceType: 'JOURNAL_KINESIS_STREAM' });
    const del = await aws(server.endpoint, ['qldb', 'delete-ledger', '--name', 'crowded']);
    assert.equal(del.errorCode, 'ResourceInUseException', del.stderr);
    const pyDel = await boto({ endpoint: server.endpoint, ...testCredentials, op: 'delete_ledger', params: { Name: 'crowded' } });
    assert.equal(pyDel.code, 'ResourceInUseException', pyDel.message);
    assert.equal(pyDel.status, 409);
    // a stream is found only under its own ledger
    await viaAll('DescribeJournalKinesisStream', { LedgerName: 'errors', StreamId: ids[1] }, 'ResourceNotFoundException', 404, { ResourceType: 'JOURNAL_KINESIS_STREAM', ResourceName: ids[1] });
    await viaAll('CancelJournalKinesisStream', { LedgerName: 'errors', StreamId: ids[1] }, 'ResourceNotFoundException', 404, { ResourceType: 'JOURNAL_KINESIS_STREAM', ResourceName: ids[1] });
    const listed = await qldb.send(new ListJournalKinesisStreamsForLedgerCommand({ LedgerName: 'crowded' }));
    assert.deepEqual(listed.Streams!.map((s) => s.StreamName), ['s0', 's1', 's2', 's3', 's4'], 'nothing refused was created');
    // a NextToken pages the ledger that issued it, no other
    const { NextToken } = await qldb.send(new ListJournalKinesisStreamsForLedgerCommand({ LedgerName: 'crowded', MaxResults: 2 }));
    assert.ok(NextToken);
    await viaAll('ListJournalKinesisStreamsForLedger', { LedgerName: 'errors', NextToken }, 'InvalidParameterException', 400, { ParameterName: 'NextToken' });

    // a canceled stream's name is free again
    await qldb.send(new CancelJournalKinesisStreamCommand({ LedgerName: 'crowded', StreamId: ids[0] }));
    const again = await qldb.send(new StreamJournalToKinesisCommand(sdkInput(named('s0'))));
    assert.notEqual(again.StreamId, ids[0]);
    for (const id of [...ids.slice(1), again.StreamId!]) await qldb.send(new CancelJournalKinesisStreamCommand({ LedgerName: 'crowded', StreamId: id }));
    assert.equal((await aws(server.endpoint, ['qldb', 'delete-ledger', '--name', 'crowded'])).code, 0);
  });

  it('credentials the destination does not take: refused when the stream is asked for (here none at all), as QLDB refused it; refused under a running stream: IMPAIRED with IAM_PERMISSION_REVOKED, not cancelable while so, ACTIVE again once taken', async () => {
    const keylessQldb = qldbClient(keyless);
    await createLedger(keyless.endpoint, 'errors');
    const keylessArn = await kinesis.createStream('keyless');
    const params = start({ KinesisConfiguration: { StreamArn: keylessArn } });
    await rejectsWith(
      keylessQldb.send(new StreamJournalToKinesisCommand(sdkInput(params))),
      'InvalidParameterException',
      400,
      { ParameterName: 'KinesisConfiguration' },
      /^QLDB encountered an error validating Kinesis Data Streams: Response from Kinesis: CredentialsProviderError/,
    );
    const cli = await aws(keyless.endpoint, ['qldb', 'stream-journal-to-kinesis', '--cli-input-json', JSON.stringify(params)]);
    assert.equal(cli.errorCode, 'InvalidParameterException', cli.stderr);
    assert.deepEqual((await keylessQldb.send(new ListJournalKinesisStreamsForLedgerCommand({ LedgerName: 'errors' }))).Streams, [], 'nothing was created');
    keylessQldb.destroy();

    const revokedArn = await kinesis.createStream('revoked');
    const { StreamId } = await qldb.send(new StreamJournalToKinesisCommand(sdkInput(start({ StreamName: 'revoked', KinesisConfiguration: { StreamArn: revokedArn } }))));
    const describe = async () => (await qldb.send(new DescribeJournalKinesisStreamCommand({ LedgerName: 'errors', StreamId }))).Stream!;
    await until('the stream wrote its first records', async () => (await kinesis.read('revoked')).some((r) => r.recordType === 'BLOCK_SUMMARY'));
    kinesis.refuse();
    try {
      // an idle stream puts nothing: a commit makes it try
      const driver = newDriver(server.endpoint, 'errors');
      await driver.executeLambda((t) => t.execute('CREATE TABLE Revoked'));
      driver.close();
      await until('the stream is IMPAIRED', async () => (await describe()).Status === 'IMPAIRED', 5_000);
      assert.equal((await describe()).ErrorCause, 'IAM_PERMISSION_REVOKED');
      // AWS: "Before a stream can be canceled, its current status must be ACTIVE"
      await rejectsWith(
        qldb.send(new CancelJournalKinesisStreamCommand({ LedgerName: 'errors', StreamId })),
        'ResourcePreconditionNotMetException',
        412,
        { ResourceType: 'JOURNAL_KINESIS_STREAM' },
      );
      assert.equal((await describe()).Status, 'IMPAIRED');
      // an IMPAIRED stream still runs: it holds the ledger as an ACTIVE one does
      await rejectsWith(qldb.send(new DeleteLedgerCommand({ Name: 'errors' })), 'ResourceInUseException', 409, { ResourceType: 'JOURNAL_KINESIS_STREAM', ResourceName: StreamId! });
    } finally {
      kinesis.accept();
    }
    await until('the stream is ACTIVE again', async () => (await describe()).Status === 'ACTIVE', 10_000);
    assert.equal((await describe()).ErrorCause, undefined);
    await until('the commit made while refused reaches Kinesis', async () => (await kinesis.read('revoked')).some(
        (r) => r.recordType === 'BLOCK_SUMMARY' && String(r.value.get('payload', 'transactionInfo', 'statements')?.elements()[0]?.get('statement')) === 'CREATE TABLE Revoked',
      ),
    );
    await qldb.send(new CancelJournalKinesisStreamCommand({ LedgerName: 'errors', StreamId }));
  });

  it('a finished stream expires after --export-retention: Describe, List and the tag operations no longer find it', async () => {
    await kinesis.createStream('expiring');
    const { StreamId } = await qldb.send(
      new StreamJournalToKinesisCommand(sdkInput(start({ StreamName: 'expiring', KinesisConfiguration: { StreamArn: KINESIS.replace(/errors$/, 'expiring') }, Tags: { a: 'b' } }))),
    );
    await qldb.send(new CancelJournalKinesisStreamCommand({ LedgerName: 'errors', StreamId }));
    const arn = (await qldb.send(new DescribeJournalKinesisStreamCommand({ LedgerName: 'errors', StreamId }))).Stream!.Arn!;
    await new Promise((r) => setTimeout(r, 4_300));
    await rejectsWith(qldb.send(new DescribeJournalKinesisStreamCommand({ LedgerName: 'errors', StreamId })), 'ResourceNotFoundException', 404);
    const listed = await qldb.send(new ListJournalKinesisStreamsForLedgerCommand({ LedgerName: 'errors' }));
    assert.ok(!listed.Streams!.some((s) => s.StreamId === StreamId));
    await rejectsWith(qldb.send(new ListTagsForResourceCommand({ ResourceArn: arn })), 'ResourceNotFoundException', 404);
  });

  it('awscli and boto3 start, describe, list and cancel a stream with the shapes QLDB answered', async () => {
    await kinesis.createStream('errors');
    const cli = await aws(server.endpoint, [
      'qldb', 'stream-journal-to-kinesis',
      '--ledger-name', 'errors',
      '--stream-name', 'from-cli',
      '--role-arn', ROLE,
      '--inclusive-start-time', hourAgo(),
      '--kinesis-configuration', `StreamArn=${KINESIS},AggregationEnabled=false`,
      '--tags', 'team=audit',
    ]);
    assert.equal(cli.code, 0, cli.stderr);
    const id = cli.json.StreamId as string;
    assert.match(id, /^[A-Za-z0-9]{22}$/);
    const described = await aws(server.endpoint, ['qldb', 'describe-journal-kinesis-stream', '--ledger-name', 'errors', '--stream-id', id]);
    const s = described.json.Stream;
    assert.deepEqual(Object.keys(s).sort(), ['Arn', 'CreationTime', 'InclusiveStartTime', 'KinesisConfiguration', 'LedgerName', 'RoleArn', 'Status', 'StreamId', 'StreamName']);
    assert.equal(s.Status, 'ACTIVE');
    assert.deepEqual(s.KinesisConfiguration, { StreamArn: KINESIS, AggregationEnabled: false });
    assert.equal(s.StreamName, 'from-cli');
    const tags = await aws(server.endpoint, ['qldb', 'list-tags-for-resource', '--resource-arn', s.Arn]);
    assert.deepEqual(tags.json, { Tags: { team: 'audit' } });

    const py = await boto({
      endpoint: server.endpoint,
      ...testCredentials,
      op: 'stream_journal_to_kinesis',
      params: start({ StreamName: 'from-boto', ExclusiveEndTime: new Date(Date.now() + 60_000).toISOString() }),
    });
    assert.equal(py.ok, true, py.message);
    const pyId = py.result.StreamId as string;
    const listed = await boto({ endpoint: server.endpoint, ...testCredentials, op: 'list_journal_kinesis_streams_for_ledger', params: { LedgerName: 'errors' } });
    assert.deepEqual(listed.result.Streams.map((x: any) => [x.StreamId, x.StreamName]), [[id, 'from-cli'], [pyId, 'from-boto']]);
    assert.equal(listed.result.Streams[1].KinesisConfiguration.AggregationEnabled, true);
    assert.ok(listed.result.Streams[1].ExclusiveEndTime);

    const canceled = await aws(server.endpoint, ['qldb', 'cancel-journal-kinesis-stream', '--ledger-name', 'errors', '--stream-id', id]);
    assert.deepEqual(canceled.json, { StreamId: id });
    const pyCancel = await boto({ endpoint: server.endpoint, ...testCredentials, op: 'cancel_journal_kinesis_stream', params: { LedgerName: 'errors', StreamId: pyId } });
    assert.deepEqual(pyCancel.result, { StreamId: pyId });
    const again = await boto({ endpoint: server.endpoint, ...testCredentials, op: 'cancel_journal_kinesis_stream', params: { LedgerName: 'errors', StreamId: pyId } });
    assert.equal(again.code, 'ResourcePreconditionNotMetException');
    assert.equal(again.status, 412);
    const after = await boto({ endpoint: server.endpoint, ...testCredentials, op: 'describe_journal_kinesis_stream', params: { LedgerName: 'errors', StreamId: pyId } });
    assert.equal(after.result.Stream.Status, 'CANCELED');
  });
});
