/**
 * `openqldb shell` against an HTTPS endpoint whose certificate comes from a private CA: trusted
 * with `--ca-bundle` (both the driver and the explicit-transaction session use it), refused in
 * one line without it.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Agent } from 'node:https';
import { CreateLedgerCommand, QLDBClient } from '@aws-sdk/client-qldb';
import { startServer, testCredentials, type TestServer } from '../../helpers/server';
import { makePki, type TestPki } from '../../helpers/tls';
import { shell } from './helpers';

const LEDGER = 'shell-tls';

describe('over HTTPS', () => {
  let pki: TestPki;
  let server: TestServer;
  before(async () => {
    pki = makePki();
    const { certFile, keyFile } = pki.issue('server');
    server = await startServer(['--tls-cert', certFile, '--tls-key', keyFile, '--log-requests', 'false']);
    const qldb = new QLDBClient({ endpoint: server.endpoint, region: 'us-east-1', credentials: testCredentials, requestHandler: { httpsAgent: new Agent({ ca: pki.ca }) } });
    await qldb.send(new CreateLedgerCommand({ Name: LEDGER, PermissionsMode: 'STANDARD' }));
    qldb.destroy();
  });
  after(async () => {
    await server?.dispose();
    pki?.dispose();
  });

  it('--ca-bundle trusts the private CA, in auto-commit and in an explicit transaction', async () => {
    assert.match(server.endpoint, /^https:/);
    const r = await shell(
      ['--ledger', LEDGER, '--endpoint', server.endpoint, '--ca-bundle', pki.caFile, '--format', 'json'],
      "CREATE TABLE T;\nBEGIN;\nINSERT INTO T {'a': 1};\nCOMMIT;\nSELECT VALUE a FROM T;\n",
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /\n\[1\]\n$/);
  });

  it('without it the certificate is refused, in one line', async () => {
    const r = await shell(['--ledger', LEDGER, '--endpoint', server.endpoint], 'SELECT 1 FROM T;');
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, new RegExp(`^openqldb shell: cannot reach ${server.endpoint}: .*certificate \\(--ca-bundle names a CA to trust\\)\\n$`));
  });
});
