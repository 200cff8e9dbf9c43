/** Ledger and tag operations through Debian's awscli 2.9.19 (/usr/bin/aws) and boto3 1.26.27. */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { awsEnv, startServer, type TestServer } from '../helpers/server';
import { aws } from '../helpers/awscli';

describe('ledgers and tags via /usr/bin/aws qldb', () => {
  let server: TestServer;
  let run: (...args: string[]) => ReturnType<typeof aws>;
  before(async () => {
    server = await startServer(['--max-ledgers', '2']);
    run = (...args) => aws(server.endpoint, ['qldb', ...args]);
  });
  after(() => server.dispose());

  it('runs the whole ledger lifecycle', async () => {
    let r = await run('create-ledger', '--name', 'cli-ledger', '--permissions-mode', 'ALLOW_ALL', '--tags', 'team=audit');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.json.Name, 'cli-ledger');
    assert.equal(r.json.DeletionProtection, true);
    assert.match(r.json.CreationDateTime, /^\d{4}-\d\d-\d\dT/);
    r = await run('describe-ledger', '--name', 'cli-ledger');
    assert.equal(r.json.State, 'ACTIVE');
    assert.equal(r.json.EncryptionDescription.KmsKeyArn, 'AWS_OWNED_KMS_KEY');
    r = await run('list-ledgers');
    assert.deepEqual(r.json.Ledgers.map((l: any) => l.Name), ['cli-ledger']);
    r = await run('update-ledger', '--name', 'cli-ledger', '--no-deletion-protection');
    assert.equal(r.json.DeletionProtection, false);
    r = await run('update-ledger-permissions-mode', '--name', 'cli-ledger', '--permissions-mode', 'STANDARD');
    assert.equal(r.json.PermissionsMode, 'STANDARD');
    const arn = 'arn:aws:qldb:us-east-1:000000000000:ledger/cli-ledger';
    r = await run('tag-resource', '--resource-arn', arn, '--tags', 'env=dev');
    assert.equal(r.code, 0, r.stderr);
    r = await run('list-tags-for-resource', '--resource-arn', arn);
    assert.deepEqual(r.json.Tags, { team: 'audit', env: 'dev' });
    r = await run('untag-resource', '--resource-arn', arn, '--tag-keys', 'team');
    assert.equal(r.code, 0, r.stderr);
    r = await run('list-tags-for-resource', '--resource-arn', arn);
    assert.deepEqual(r.json.Tags, { env: 'dev' });
    r = await run('delete-ledger', '--name', 'cli-ledger');
    assert.equal(r.code, 0, r.stderr);
    r = await run('describe-ledger', '--name', 'cli-ledger');
    assert.equal(r.errorCode, 'ResourceNotFoundException');
  });

  it('reports every modelled error the way awscli prints it', async () => {
    await run('create-ledger', '--name', 'a1', '--permissions-mode', 'ALLOW_ALL');
    assert.equal((await run('create-ledger', '--name', 'a1', '--permissions-mode', 'ALLOW_ALL')).errorCode, 'ResourceAlreadyExistsException');
    await run('create-ledger', '--name', 'a2', '--permissions-mode', 'ALLOW_ALL');
    assert.equal((await run('create-ledger', '--name', 'a3', '--permissions-mode', 'ALLOW_ALL')).errorCode, 'LimitExceededException');
    assert.equal((await run('delete-ledger', '--name', 'a1')).errorCode, 'ResourcePreconditionNotMetException');
    assert.equal((await run('describe-ledger', '--name', 'zz')).errorCode, 'ResourceNotFoundException');
    assert.equal((await run('update-ledger', '--name', 'zz', '--deletion-protection')).errorCode, 'ResourceNotFoundException');
    assert.equal((await run('create-ledger', '--name', 'a4', '--permissions-mode', 'ALLOW_ALL', '--kms-key', 'nope')).errorCode, 'InvalidParameterException');
    assert.equal((await run('list-tags-for-resource', '--resource-arn', 'arn:aws:qldb:us-east-1:000000000000:bogus/x')).errorCode, 'InvalidParameterException');
    assert.equal((await run('tag-resource', '--resource-arn', 'arn:aws:qldb:us-east-1:000000000000:ledger/zz', '--tags', 'a=b')).errorCode, 'ResourceNotFoundException');
    const r = await run('list-ledgers', '--max-results', '1', '--next-token', 'bm90LWEtdG9rZW4=');
    assert.notEqual(r.code, 0);
    assert.equal(r.errorCode, 'InvalidParameterException');
  });

  it('pages list-ledgers with --max-results and --next-token', async () => {
    // QLDB's model has no paginators, so awscli hands NextToken back to the caller.
    const first = await run('list-ledgers', '--max-results', '1');
    assert.equal(first.code, 0, first.stderr);
    assert.deepEqual(first.json.Ledgers.map((l: any) => l.Name), ['a1']);
    assert.match(first.json.NextToken, /^[A-Za-z0-9+/=]{4,1024}$/);
    const second = await run('list-ledgers', '--max-results', '1', '--next-token', first.json.NextToken);
    assert.deepEqual(second.json.Ledgers.map((l: any) => l.Name), ['a2']);
    assert.equal(second.json.NextToken, undefined);
  });

  it('works from boto3 1.26.27 (/usr/bin/python3)', async () => {
    const script = `
import boto3, json, sys
c = boto3.client('qldb', endpoint_url=sys.argv[1])
out = {'list': [l['Name'] for l in c.list_ledgers()['Ledgers']]}
try:
    c.describe_ledger(Name='missing')
except c.exceptions.ResourceNotFoundException as e:
    out['error'] = e.response['Error']['Code']
    out['type'] = e.response.get('ResourceType') or e.response['Error'].get('ResourceType')
d = c.describe_ledger(Name='a1')
out['created'] = d['CreationDateTime'].isoformat()
print(json.dumps(out))
`;
    const stdout = await new Promise<string>((resolve, reject) =>
      execFile('/usr/bin/python3', ['-c', script, server.endpoint], { env: awsEnv() }, (err, out, errOut) => (err ? reject(new Error(errOut)) : resolve(out))),
    );
    const out = JSON.parse(stdout);
    assert.deepEqual(out.list, ['a1', 'a2']);
    assert.equal(out.error, 'ResourceNotFoundException');
    assert.match(out.created, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/);
  });
});

describe('KmsKey forms via /usr/bin/aws qldb', () => {
  let server: TestServer;
  let run: (...args: string[]) => ReturnType<typeof aws>;
  before(async () => {
    server = await startServer();
    run = (...args) => aws(server.endpoint, ['qldb', ...args]);
  });
  after(() => server.dispose());

  it('reports a key ID as the key ARN of the account and region, an alias name as given', async () => {
    const keyId = '1234abcd-12ab-34cd-56ef-1234567890ab';
    const keyArn = `arn:aws:kms:us-east-1:000000000000:key/${keyId}`;
    let r = await run('create-ledger', '--name', 'kms-id', '--permissions-mode', 'STANDARD', '--kms-key', keyId);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.json.KmsKeyArn, keyArn);
    r = await run('describe-ledger', '--name', 'kms-id');
    assert.deepEqual(r.json.EncryptionDescription, { KmsKeyArn: keyArn, EncryptionStatus: 'ENABLED' });
    r = await run('create-ledger', '--name', 'kms-alias', '--permissions-mode', 'STANDARD', '--kms-key', 'alias/my-key');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.json.KmsKeyArn, 'alias/my-key');
    for (const [given, reported] of [
      ['arn:aws:kms:us-east-1:111122223333:alias/my-key', 'arn:aws:kms:us-east-1:111122223333:alias/my-key'],
      ['alias/my-key', 'alias/my-key'],
      ['AWS_OWNED_KMS_KEY', 'AWS_OWNED_KMS_KEY'],
      [keyId, keyArn],
    ]) {
      r = await run('update-ledger', '--name', 'kms-id', '--kms-key', given);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.json.EncryptionDescription.KmsKeyArn, reported);
      r = await run('describe-ledger', '--name', 'kms-id');
      assert.equal(r.json.EncryptionDescription.KmsKeyArn, reported);
    }
  });

  it('refuses garbage on create and update with the validation error', async () => {
    for (const bad of ['Bad Key', 'alias/', 'arn:aws:kms:us-east-1:111122223333:user/x', '1234abcd-12ab-34cd-56ef']) {
      let r = await run('create-ledger', '--name', 'kms-bad', '--permissions-mode', 'STANDARD', '--kms-key', bad);
      assert.equal(r.errorCode, 'InvalidParameterException', r.stderr);
      assert.match(r.stderr, /1 validation error detected: Value '.*' at 'kmsKey' failed to satisfy constraint/);
      r = await run('update-ledger', '--name', 'kms-id', '--kms-key', bad);
      assert.equal(r.errorCode, 'InvalidParameterException', r.stderr);
    }
    assert.equal((await run('describe-ledger', '--name', 'kms-bad')).errorCode, 'ResourceNotFoundException');
    const r = await run('describe-ledger', '--name', 'kms-id');
    assert.equal(r.json.EncryptionDescription.KmsKeyArn, 'arn:aws:kms:us-east-1:000000000000:key/1234abcd-12ab-34cd-56ef-1234567890ab');
  });
});
