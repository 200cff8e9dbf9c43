/**
 * `openqldb ledgers` and `openqldb tags` against a live server, each answer compared with what
 * `/usr/bin/aws qldb … --output json` prints for the same call: the same text, byte for byte
 * (member order, local-time timestamps, indentation), so a script reading either reads both.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type TestServer } from '../helpers/server';
import { awsQldb, errorLine, onTerminal, openqldb, same as sameOutput, side } from './commandsHelpers';

describe('openqldb ledgers and tags print what /usr/bin/aws qldb prints', () => {
  let server: TestServer;
  let ours: (...args: string[]) => ReturnType<typeof openqldb>;
  let theirs: (...args: string[]) => ReturnType<typeof awsQldb>;
  const same = (o: string[], t: string[]) => sameOutput(server.endpoint, o, t);
  const arn = (name: string) => `arn:aws:qldb:us-east-1:000000000000:ledger/${name}`;

  before(async () => {
    server = await startServer();
    ours = (...args) => openqldb(server.endpoint, args);
    theirs = (...args) => awsQldb(server.endpoint, args);
  });
  after(() => server.dispose());

  it('ledgers create and describe answer create-ledger and describe-ledger', async () => {
    const flags = ['--permissions-mode', 'STANDARD', '--no-deletion-protection', '--kms-key', '1234abcd-12ab-34cd-56ef-1234567890ab', '--tags', 'team=audit,env=dev'];
    const [a, b] = await Promise.all([ours('ledgers', 'create', '--name', 'cli-one', ...flags), theirs('create-ledger', '--name', 'aws-one', ...flags)]);
    assert.equal(a.code, 0, a.stderr);
    assert.equal(b.code, 0, b.stderr);
    const described = await same(['ledgers', 'describe', '--name', 'cli-one'], ['describe-ledger', '--name', 'cli-one']);
    // the ledger's name, its ARN and the moment it was made are all that may differ
    assert.equal(a.stdout, b.stdout.replace(/aws-one/g, 'cli-one').replace(b.json.CreationDateTime, described.json.CreationDateTime));
    assert.equal(a.json.KmsKeyArn, 'arn:aws:kms:us-east-1:000000000000:key/1234abcd-12ab-34cd-56ef-1234567890ab');
    // St John's is 3 h 30 min west of UTC: awscli prints local time, microseconds and all
    assert.match(a.json.CreationDateTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?-0[23]:30$/);
    const json = await ours('ledgers', 'create', '--name', 'cli-two', '--permissions-mode', 'ALLOW_ALL', '--tags', '{"k":"v, with a comma"}');
    assert.equal(json.code, 0, json.stderr);
    assert.deepEqual((await ours('tags', 'list', '--name', 'cli-two')).json, { Tags: { k: 'v, with a comma' } });
  });

  it('ledgers list answers list-ledgers: every page, or one with --max-results and its NextToken', async () => {
    const all = await same(['ledgers', 'list'], ['list-ledgers']);
    assert.deepEqual(
      all.json.Ledgers.map((l: { Name: string }) => l.Name),
      ['aws-one', 'cli-one', 'cli-two'],
    );
    const first = await same(['ledgers', 'list', '--max-results', '2'], ['list-ledgers', '--max-results', '2']);
    assert.ok(first.json.NextToken);
    const next = await same(['ledgers', 'list', '--max-results', '2', '--next-token', first.json.NextToken], ['list-ledgers', '--max-results', '2', '--next-token', first.json.NextToken]);
    assert.deepEqual(next.json, { Ledgers: [all.json.Ledgers[2]] });
  });

  it('ledgers update answers update-ledger and update-ledger-permissions-mode', async () => {
    // each pair sets the same state, so both answers describe the same ledger; cli-one ends protected
    await same(['ledgers', 'update', '--name', 'cli-one', '--deletion-protection'], ['update-ledger', '--name', 'cli-one', '--deletion-protection']);
    await same(['ledgers', 'update', '--name', 'cli-two', '--permissions-mode', 'STANDARD'], ['update-ledger-permissions-mode', '--name', 'cli-two', '--permissions-mode', 'STANDARD']);
    const both = await ours('ledgers', 'update', '--name', 'cli-two', '--permissions-mode', 'ALLOW_ALL', '--no-deletion-protection');
    assert.equal(both.code, 0, both.stderr);
    const update = await theirs('update-ledger', '--name', 'cli-two', '--no-deletion-protection');
    assert.deepEqual(both.json, { ...update.json, PermissionsMode: 'ALLOW_ALL' });
  });

  it('tags add, list and remove answer tag-resource, list-tags-for-resource and untag-resource', async () => {
    const [added, awsAdded] = await Promise.all([
      ours('tags', 'add', '--resource-arn', arn('cli-one'), '--tags', 'a=1,b=2,c='),
      theirs('tag-resource', '--resource-arn', arn('aws-one'), '--tags', 'a=1,b=2,c='),
    ]);
    assert.equal(added.code, 0, added.stderr);
    assert.equal(awsAdded.code, 0, awsAdded.stderr);
    assert.equal(added.stdout, awsAdded.stdout); // nothing: awscli prints no empty answer
    const listed = await same(['tags', 'list', '--resource-arn', arn('cli-one')], ['list-tags-for-resource', '--resource-arn', arn('cli-one')]);
    assert.deepEqual(listed.json, { Tags: { team: 'audit', env: 'dev', a: '1', b: '2', c: '' } });
    const removed = await ours('tags', 'remove', '--name', 'cli-one', '--tag-keys', 'team', 'a,b');
    assert.equal(removed.code, 0, removed.stderr);
    assert.equal(removed.stdout, '');
    const left = await same(['tags', 'list', '--name', 'cli-one'], ['list-tags-for-resource', '--resource-arn', arn('cli-one')]);
    assert.deepEqual(left.json, { Tags: { env: 'dev', c: '' } });
  });

  it('ledgers delete answers delete-ledger', async () => {
    await theirs('create-ledger', '--name', 'aws-gone', '--permissions-mode', 'STANDARD', '--no-deletion-protection');
    const [a, b] = await Promise.all([ours('ledgers', 'delete', '--name', 'cli-two'), theirs('delete-ledger', '--name', 'aws-gone')]);
    assert.equal(a.code, 0, a.stderr);
    assert.equal(b.code, 0, b.stderr);
    assert.equal(a.stdout, b.stdout);
    assert.equal((await ours('ledgers', 'describe', '--name', 'cli-two')).errorCode, 'ResourceNotFoundException');
  });

  it("shows the service's errors in awscli's words, with awscli's exit code 254", async () => {
    const cases: [string[], string[]][] = [
      [['ledgers', 'describe', '--name', 'no-such-ledger'], ['describe-ledger', '--name', 'no-such-ledger']],
      [['ledgers', 'create', '--name', 'bad--name', '--permissions-mode', 'STANDARD'], ['create-ledger', '--name', 'bad--name', '--permissions-mode', 'STANDARD']],
      [['ledgers', 'delete', '--name', 'cli-one'], ['delete-ledger', '--name', 'cli-one']],
      [['tags', 'add', '--resource-arn', arn('zz'), '--tags', 'a=b'], ['tag-resource', '--resource-arn', arn('zz'), '--tags', 'a=b']],
    ];
    const results = await Promise.all(cases.map(([o, t]) => side(server.endpoint, o, t)));
    for (const [a, b] of results) {
      assert.equal(b.code, 254, b.stderr);
      assert.match(errorLine(b), /^An error occurred \(\w+\) when calling the \w+ operation: \w/);
      assert.equal(errorLine(a), errorLine(b));
      assert.equal(a.code, 254);
      assert.equal(a.stdout, '');
    }
    assert.deepEqual(
      results.map(([a]) => a.errorCode),
      ['ResourceNotFoundException', 'InvalidParameterException', 'ResourcePreconditionNotMetException', 'ResourceNotFoundException'],
    );
    // a ledger named instead of its ARN: the lookup fails as describe-ledger does
    const byName = await ours('tags', 'list', '--name', 'no-such-ledger');
    assert.equal(byName.code, 254);
    assert.equal(errorLine(byName), 'An error occurred (ResourceNotFoundException) when calling the DescribeLedger operation: The ledger no-such-ledger does not exist');
    const usage = await ours('ledgers', 'describe');
    assert.equal(usage.code, 252);
    assert.match(usage.stderr, /^openqldb ledgers describe: the following arguments are required: --name\n/);
    const unreachable = await openqldb('http://127.0.0.1:9', ['ledgers', 'list']);
    assert.equal(unreachable.code, 255);
    assert.match(unreachable.stderr, /^Could not connect to the endpoint URL: "http:\/\/127\.0\.0\.1:9" \(ECONNREFUSED\)\n$/);
  });

  it('prints tables for people: the default on a terminal', async () => {
    const list = await onTerminal(server.endpoint, ['ledgers', 'list']);
    assert.equal(list.code, 0, list.output);
    assert.match(list.output, /^Name +State +CreationDateTime\r\n-+ +-+ +-+\r\naws-one +ACTIVE +\d{4}-\d\d-\d\dT[^\r]+\r\ncli-one +ACTIVE/);
    const described = await ours('ledgers', 'describe', '--name', 'cli-one', '--output', 'table');
    assert.match(described.stdout, /^Field +Value\n-+ +-+\nName +cli-one\nArn +arn:aws:qldb:us-east-1:000000000000:ledger\/cli-one\n/);
    assert.match(described.stdout, /\nEncryptionDescription\.KmsKeyArn +arn:aws:kms:/);
    const tags = await ours('tags', 'list', '--name', 'cli-one', '--output', 'table');
    assert.equal(tags.stdout, 'Key  Value\n---  -----\nc\nenv  dev\n');
  });
});
