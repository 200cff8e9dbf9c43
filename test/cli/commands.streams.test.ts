/**
 * `openqldb streams` against a live server writing to kinesalite, each answer compared with what
 * `/usr/bin/aws qldb … --output json` prints for the same call, byte for byte.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type TestServer } from '../helpers/server';
import { startKinesis, type TestKinesis } from '../helpers/kinesis';
import { createLedger } from '../clients/sessionHelpers';
import { awsQldb, errorLine, openqldb, same as sameOutput, side } from './commandsHelpers';

const ROLE = 'arn:aws:iam::123456789012:role/qldb-stream';

describe('openqldb streams prints what /usr/bin/aws qldb prints', () => {
  let kinesis: TestKinesis;
  let server: TestServer;
  let kinesisArn: string;
  const same = (o: string[], t: string[]) => sameOutput(server.endpoint, o, t);

  before(async () => {
    kinesis = await startKinesis();
    kinesisArn = await kinesis.createStream('cli');
    server = await startServer(['--kinesis-endpoint', kinesis.endpoint, '--kinesis-access-key-id', 'kinesalite', '--kinesis-secret-access-key', 'kinesalite']);
    await createLedger(server.endpoint, 'cli-streams');
  });
  after(async () => {
    await server?.dispose();
    await kinesis?.close();
  });

  it('streams start, describe, list and cancel answer stream-journal-to-kinesis, describe-journal-kinesis-stream, list-journal-kinesis-streams-for-ledger and cancel-journal-kinesis-stream', async () => {
    const start = new Date(Date.now() - 60_000).toISOString();
    const flags = (name: string) => [
      '--ledger-name', 'cli-streams',
      '--stream-name', name,
      '--role-arn', ROLE,
      '--inclusive-start-time', start,
      '--kinesis-configuration', `StreamArn=${kinesisArn},AggregationEnabled=false`,
      '--tags', 'team=audit',
    ];
    const [a, b] = await side(server.endpoint, ['streams', 'start', ...flags('ours')], ['stream-journal-to-kinesis', ...flags('theirs')]);
    assert.equal(a.code, 0, a.stderr);
    assert.equal(b.code, 0, b.stderr);
    assert.equal(a.stdout, b.stdout.replace(b.json.StreamId, a.json.StreamId));
    const ids = [a.json.StreamId as string, b.json.StreamId as string];

    const described = await same(['streams', 'describe', '--ledger-name', 'cli-streams', '--stream-id', ids[0]], ['describe-journal-kinesis-stream', '--ledger-name', 'cli-streams', '--stream-id', ids[0]]);
    assert.equal(described.json.Stream.Status, 'ACTIVE');
    assert.deepEqual(described.json.Stream.KinesisConfiguration, { StreamArn: kinesisArn, AggregationEnabled: false });
    const listed = await same(['streams', 'list', '--ledger-name', 'cli-streams'], ['list-journal-kinesis-streams-for-ledger', '--ledger-name', 'cli-streams']);
    assert.deepEqual(listed.json.Streams.map((s: { StreamId: string }) => s.StreamId), ids);
    const page = await same(['streams', 'list', '--ledger-name', 'cli-streams', '--max-results', '1'], ['list-journal-kinesis-streams-for-ledger', '--ledger-name', 'cli-streams', '--max-results', '1']);
    assert.ok(page.json.NextToken);

    const [ca, cb] = await side(server.endpoint, ['streams', 'cancel', '--ledger-name', 'cli-streams', '--stream-id', ids[0]], ['cancel-journal-kinesis-stream', '--ledger-name', 'cli-streams', '--stream-id', ids[1]]);
    assert.equal(ca.stdout, cb.stdout.replace(ids[1], ids[0]));
    // canceled twice: the same error line and exit code as awscli's
    const [ea, eb] = await side(server.endpoint, ['streams', 'cancel', '--ledger-name', 'cli-streams', '--stream-id', ids[0]], ['cancel-journal-kinesis-stream', '--ledger-name', 'cli-streams', '--stream-id', ids[0]]);
    assert.equal(eb.code, 254);
    assert.equal(ea.code, 254);
    assert.equal(errorLine(ea), errorLine(eb));
    assert.equal(ea.errorCode, 'ResourcePreconditionNotMetException');
  });

  it('refuses a command line it cannot run as awscli does (exit 252)', async () => {
    const missing = await openqldb(server.endpoint, ['streams', 'describe', '--ledger-name', 'cli-streams']);
    assert.equal(missing.code, 252);
    assert.match(missing.stderr, /--stream-id/);
    const bad = await openqldb(server.endpoint, [
      'streams', 'start', '--ledger-name', 'cli-streams', '--stream-name', 's', '--role-arn', ROLE,
      '--inclusive-start-time', 'yesterday', '--kinesis-configuration', `StreamArn=${kinesisArn}`,
    ]);
    assert.equal(bad.code, 252);
    assert.match(bad.stderr, /--inclusive-start-time must be an ISO 8601 time/);
    const theirs = await awsQldb(server.endpoint, ['describe-journal-kinesis-stream', '--ledger-name', 'cli-streams']);
    assert.equal(theirs.code, 252);
  });
});
