/**
 * Every control-plane command against a server with `--auth strict` over HTTPS, as QLDB was
 * reached: keys given the usual way (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY), a private CA
 * given with --ca-bundle (awscli: AWS_CA_BUNDLE). With the server's key each command works and
 * prints what awscli prints; with a wrong secret or an unknown key it fails with AWS's error, as
 * awscli does.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Agent } from 'node:https';
import { QldbDriver } from 'amazon-qldb-driver-nodejs';
import { startServer, testCredentials, type TestServer } from '../helpers/server';
import { makePki, type TestPki } from '../helpers/tls';
import { errorLine, openqldb, side } from './commandsHelpers';

const ACCOUNT = '111122223333';
const LEDGER = 'strict-cli';

describe('openqldb control-plane commands against --auth strict', () => {
  let server: TestServer;
  let pki: TestPki;
  let ours: (...args: string[]) => ReturnType<typeof openqldb>;
  /** ours with --ca-bundle, awscli with AWS_CA_BUNDLE */
  const both = (o: string[], t: string[], env: NodeJS.ProcessEnv = {}) => side(server.endpoint, [...o, '--ca-bundle', pki.caFile], t, { AWS_CA_BUNDLE: pki.caFile, ...env });
  const ok = async (...args: string[]) => {
    const r = await ours(...args);
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    return r;
  };

  before(async () => {
    pki = makePki();
    const { certFile, keyFile } = pki.issue('server');
    server = await startServer(['--auth', 'strict', '--tls-cert', certFile, '--tls-key', keyFile], {
      env: { OPENQLDB_ACCESS_KEY_ID: testCredentials.accessKeyId, OPENQLDB_SECRET_ACCESS_KEY: testCredentials.secretAccessKey, OPENQLDB_ACCOUNT_ID: ACCOUNT },
    });
    ours = (...args) => openqldb(server.endpoint, [...args, '--ca-bundle', pki.caFile]);
  });
  after(async () => {
    await server?.dispose();
    pki?.dispose();
  });

  it('runs every command with the right key', async () => {
    assert.match(server.endpoint, /^https:/);
    const created = await ok('ledgers', 'create', '--name', LEDGER, '--permissions-mode', 'STANDARD', '--deletion-protection', '--tags', 'team=audit');
    assert.equal(created.json.Arn, `arn:aws:qldb:us-east-1:${ACCOUNT}:ledger/${LEDGER}`);
    const [described, awsDescribed] = await both(['ledgers', 'describe', '--name', LEDGER], ['describe-ledger', '--name', LEDGER]);
    assert.equal(described.stdout, awsDescribed.stdout);
    assert.deepEqual((await ok('ledgers', 'list')).json.Ledgers.map((l: { Name: string }) => l.Name), [LEDGER]);
    assert.equal((await ok('ledgers', 'update', '--name', LEDGER, '--no-deletion-protection')).json.DeletionProtection, false);
    assert.equal((await ok('ledgers', 'update', '--name', LEDGER, '--permissions-mode', 'ALLOW_ALL')).json.PermissionsMode, 'ALLOW_ALL');
    await ok('tags', 'add', '--name', LEDGER, '--tags', 'env=dev');
    await ok('tags', 'remove', '--resource-arn', created.json.Arn, '--tag-keys', 'team');
    const [tags, awsTags] = await both(['tags', 'list', '--name', LEDGER], ['list-tags-for-resource', '--resource-arn', created.json.Arn]);
    assert.equal(tags.stdout, awsTags.stdout);
    assert.deepEqual(tags.json, { Tags: { env: 'dev' } });

    const driver = new QldbDriver(LEDGER, { endpoint: server.endpoint, region: 'us-east-1', credentials: testCredentials }, { httpsAgent: new Agent({ ca: pki.ca }) });
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
    const [exports, awsExports] = await both(['exports', 'list'], ['list-journal-s3-exports']);
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
      const [a, b] = await both(['ledgers', 'list'], ['list-ledgers'], env);
      assert.equal(b.errorCode, error, b.stderr);
      assert.equal(errorLine(a), errorLine(b));
      assert.equal(a.code, 254);
    }
    const digest = await openqldb(server.endpoint, ['digest', '--name', 'any', '--ca-bundle', pki.caFile], { AWS_SECRET_ACCESS_KEY: 'not-the-secret' });
    assert.equal(digest.code, 254);
    assert.match(errorLine(digest), /^An error occurred \(InvalidSignatureException\) when calling the GetDigest operation: /);
    const untrusted = await openqldb(server.endpoint, ['ledgers', 'list']);
    assert.equal(untrusted.code, 255);
    assert.equal(errorLine(untrusted), `SSL validation failed for ${server.endpoint}: unable to get local issuer certificate (--ca-bundle names a CA to trust)`);
  });
});
