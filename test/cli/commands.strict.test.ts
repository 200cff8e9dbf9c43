/**
 * Every control-plane command against a server with `--auth strict`, keys given the usual way
 * (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY): with the server's key each works and prints what
 * awscli prints; with a wrong secret or an unknown key each fails with AWS's error, as awscli does.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, testCredentials, type TestServer } from '../helpers/server';
import { newDriver } from '../clients/sessionHelpers';
import { errorLine, openqldb, side } from './commandsHelpers';

const ACCOUNT = '111122223333';
const LEDGER = 'strict-cli';

describe('openqldb control-plane commands against --auth strict', () => {
  let server: TestServer;
  let ours: (...args: string[]) => ReturnType<typeof openqldb>;
  const ok = async (...args: string[]) => {
    const r = await ours(...args);
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    return r;
  };

  before(async () => {
    server = await startServer(['--auth', 'strict'], {
      env: { OPENQLDB_ACCESS_KEY_ID: testCredentials.accessKeyId, OPENQLDB_SECRET_ACCESS_KEY: testCredentials.secretAccessKey, OPENQLDB_ACCOUNT_ID: ACCOUNT },
    });
    ours = (...args) => openqldb(server.endpoint, args);
  });
  after(() => server.dispose());

  it('runs every command with the right key', async () => {
    const created = await ok('ledgers', 'create', '--name', LEDGER, '--permissions-mode', 'STANDARD', '--deletion-protection', '--tags', 'team=audit');
    assert.equal(created.json.Arn, `arn:aws:qldb:us-east-1:${ACCOUNT}:ledger/${LEDGER}`);
    const [described, awsDescribed] = await side(server.endpoint, ['ledgers', 'describe', '--name', LEDGER], ['describe-ledger', '--name', LEDGER]);
    assert.equal(described.stdout, awsDescribed.stdout);
    assert.deepEqual((await ok('ledgers', 'list')).json.Ledgers.map((l: { Name: string }) => l.Name), [LEDGER]);
    assert.equal((await ok('ledgers', 'update', '--name', LEDGER, '--no-deletion-protection')).json.DeletionProtection, false);
    assert.equal((await ok('ledgers', 'update', '--name', LEDGER, '--permissions-mode', 'ALLOW_ALL')).json.PermissionsMode, 'ALLOW_ALL');
    await ok('tags', 'add', '--name', LEDGER, '--tags', 'env=dev');
    await ok('tags', 'remove', '--resource-arn', created.json.Arn, '--tag-keys', 'team');
    const [tags, awsTags] = await side(server.endpoint, ['tags', 'list', '--name', LEDGER], ['list-tags-for-resource', '--resource-arn', created.json.Arn]);
    assert.equal(tags.stdout, awsTags.stdout);
    assert.deepEqual(tags.json, { Tags: { env: 'dev' } });

    const driver = newDriver(server.endpoint, LEDGER);
    let docId: string;
    let address: string;
    try {
      await driver.executeLambda((t) => t.execute('CREATE TABLE T'));
      const [row] = (await driver.executeLambda((t) => t.execute('INSERT INTO T ?', { a: 1 }))).getResultList();
      docId = row.get('documentId')!.stringValue()!;
      const [committed] = (await driver.executeLambda((t) => t.execute('SELECT r.blockAddress FROM _ql_committed_T AS r'))).getResultList();
      address = `{strandId:"${committed.get('blockAddress', 'strandId')!.stringValue()}",sequenceNo:${committed.get('blockAddress', 'sequenceNo')!.numberValue()}}`;
    } finally {
      driver.close();
    }
    await ok('digest', '--name', LEDGER);
    const [block, revision] = await Promise.all([
      ok('block', '--name', LEDGER, '--block-address', address, '--verify'),
      ok('revision', '--name', LEDGER, '--block-address', address, '--document-id', docId, '--verify'),
    ]);
    assert.match(block.stderr, /\nVERIFIED\n$/);
    assert.match(revision.stderr, /\nVERIFIED\n$/);

    const exported = await ok('exports', 'start', '--name', LEDGER, '--inclusive-start-time', '2020-01-01', '--exclusive-end-time', new Date().toISOString(), '--role-arn', `arn:aws:iam::${ACCOUNT}:role/x`, '--bucket', 'strict-bucket', '--wait');
    assert.equal(exported.json.ExportDescription.Status, 'COMPLETED');
    const exportId = exported.json.ExportDescription.ExportId;
    await ok('exports', 'describe', '--name', LEDGER, '--export-id', exportId);
    const [exports, awsExports] = await side(server.endpoint, ['exports', 'list'], ['list-journal-s3-exports']);
    assert.equal(exports.stdout, awsExports.stdout);
    await ok('exports', 'list', '--name', LEDGER);
    assert.equal((await ok('ledgers', 'delete', '--name', LEDGER)).stdout, '');
  });

  it("fails with AWS's error for a wrong secret or an unknown key, as awscli does", async () => {
    const cases: [NodeJS.ProcessEnv, string][] = [
      [{ AWS_SECRET_ACCESS_KEY: 'not-the-secret' }, 'InvalidSignatureException'],
      [{ AWS_ACCESS_KEY_ID: 'AKIDUNKNOWN' }, 'UnrecognizedClientException'],
    ];
    for (const [env, error] of cases) {
      const [a, b] = await side(server.endpoint, ['ledgers', 'list'], ['list-ledgers'], env);
      assert.equal(b.errorCode, error, b.stderr);
      assert.equal(errorLine(a), errorLine(b));
      assert.equal(a.code, 254);
    }
    const digest = await openqldb(server.endpoint, ['digest', '--name', 'any'], { AWS_SECRET_ACCESS_KEY: 'not-the-secret' });
    assert.equal(digest.code, 254);
    assert.match(errorLine(digest), /^An error occurred \(InvalidSignatureException\) when calling the GetDigest operation: /);
  });
});
