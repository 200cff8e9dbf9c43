/**
 * Both APIs over HTTPS (`--tls-cert`, `--tls-key`) as real QLDB code reaches them: the official
 * driver given an `https.Agent` (as AWS's tutorial does), the JS SDK, `/usr/bin/aws --ca-bundle`
 * and boto3 `verify=`. A client that does not trust the CA refuses the server; SIGHUP rotates the
 * certificate for new connections while open ones carry on, and a bad file on reload is refused.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Agent, request as httpsRequest } from 'node:https';
import { connect, type PeerCertificate } from 'node:tls';
import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { QldbDriver } from 'amazon-qldb-driver-nodejs';
import { CreateLedgerCommand, DescribeLedgerCommand, QLDBClient } from '@aws-sdk/client-qldb';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { startServer, testCredentials, type TestServer } from '../helpers/server';
import { aws } from '../helpers/awscli';
import { boto } from '../helpers/boto';
import { makePki, type TestPki } from '../helpers/tls';

const LEDGER = 'tls-ledger';

/** The serial number of the certificate a new TLS connection is shown. */
function servedSerial(port: number, ca: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, ca, servername: 'localhost' }, () => {
      const cert: PeerCertificate = socket.getPeerCertificate();
      socket.end();
      resolve(cert.serialNumber.toUpperCase());
    });
    socket.on('error', reject);
  });
}

/** GET over a given agent; resolves status and the serial of the certificate that connection saw. */
function getVia(agent: Agent, endpoint: string, path: string): Promise<{ status: number; serial: string; body: string }> {
  const u = new URL(endpoint);
  return new Promise((resolve, reject) => {
    const req = httpsRequest({ host: u.hostname, port: u.port, path, agent, servername: 'localhost' }, (res) => {
      // read before the end: a kept-alive socket goes back to the agent then
      const serial = (res.socket as unknown as { getPeerCertificate(): PeerCertificate }).getPeerCertificate().serialNumber.toUpperCase();
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, serial, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('openqldb over TLS', () => {
  let pki: TestPki;
  let server: TestServer;
  let certFile: string;
  let keyFile: string;
  let first: { certFile: string; keyFile: string; serial: string };

  before(async () => {
    pki = makePki();
    first = pki.issue('first');
    // the server reads these paths; the rotation test overwrites them
    certFile = join(pki.dir, 'served.pem');
    keyFile = join(pki.dir, 'served.key');
    copyFileSync(first.certFile, certFile);
    copyFileSync(first.keyFile, keyFile);
    server = await startServer(['--tls-cert', certFile, '--tls-key', keyFile]);
  });
  after(async () => {
    await server?.dispose();
    pki?.dispose();
  });

  it('prints an https:// endpoint and logs the certificate it serves', async () => {
    assert.match(server.endpoint, /^https:\/\/127\.0\.0\.1:\d+$/);
    const line = JSON.parse(await server.waitForOutput(/"event":"listening"/));
    assert.equal(line.tls.subject, 'CN=first');
    assert.equal(line.tls.chain, 2);
    assert.doesNotMatch(server.output(), /"event":"tls_off"/);
  });

  it('the JS SDK creates and describes a ledger when it trusts the CA', async () => {
    const qldb = new QLDBClient({
      endpoint: server.endpoint,
      region: 'us-east-1',
      credentials: testCredentials,
      requestHandler: new NodeHttpHandler({ httpsAgent: new Agent({ ca: pki.ca, servername: 'localhost' }) }),
    });
    try {
      const created = await qldb.send(new CreateLedgerCommand({ Name: LEDGER, PermissionsMode: 'STANDARD', DeletionProtection: false }));
      assert.equal(created.Name, LEDGER);
      const described = await qldb.send(new DescribeLedgerCommand({ Name: LEDGER }));
      assert.equal(described.State, 'ACTIVE');
    } finally {
      qldb.destroy();
    }
  });

  it('the official driver works when given an https.Agent, as QLDB code passes one', async () => {
    const driver = new QldbDriver(
      LEDGER,
      { endpoint: server.endpoint, region: 'us-east-1', credentials: testCredentials },
      { httpsAgent: new Agent({ ca: pki.ca, keepAlive: true, maxSockets: 10, servername: 'localhost' }) },
    );
    try {
      await driver.executeLambda(async (txn) => {
        await txn.execute('CREATE TABLE Vehicle');
        await txn.execute('INSERT INTO Vehicle ?', { VIN: '1N4AL11D75C109151', Make: 'Audi' });
      });
      const r = await driver.executeLambda((txn) => txn.execute('SELECT Make FROM Vehicle WHERE VIN = ?', '1N4AL11D75C109151'));
      assert.equal(r.getResultList()[0].get('Make')!.stringValue(), 'Audi');
    } finally {
      driver.close();
    }
  });

  it('/usr/bin/aws with --ca-bundle works; without it the CLI refuses the certificate', async () => {
    const ok = await aws(server.endpoint, ['--ca-bundle', pki.caFile, 'qldb', 'describe-ledger', '--name', LEDGER]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(ok.json.Name, LEDGER);
    const refused = await aws(server.endpoint, ['qldb', 'describe-ledger', '--name', LEDGER]);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /SSL validation failed|CERTIFICATE_VERIFY_FAILED/);
  });

  it('boto3 with verify= works; with its default trust store it refuses the certificate', async () => {
    const call = { endpoint: server.endpoint, ...testCredentials, op: 'describe_ledger', params: { Name: LEDGER } };
    const ok = await boto({ ...call, verify: pki.caFile });
    assert.ok(ok.ok, JSON.stringify(ok));
    assert.equal(ok.result.Name, LEDGER);
    const refused = await boto(call);
    assert.equal(refused.ok, false);
    assert.equal(refused.code, 'SSLError');
    assert.match(refused.message!, /CERTIFICATE_VERIFY_FAILED/);
  });

  it('the JS SDK with its default trust store refuses the certificate', async () => {
    const qldb = new QLDBClient({ endpoint: server.endpoint, region: 'us-east-1', credentials: testCredentials, maxAttempts: 1 });
    try {
      await assert.rejects(qldb.send(new DescribeLedgerCommand({ Name: LEDGER })), (e: NodeJS.ErrnoException) => {
        assert.match(String(e.code ?? e.message), /UNABLE_TO_GET_ISSUER_CERT_LOCALLY|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE/);
        return true;
      });
    } finally {
      qldb.destroy();
    }
  });

  it('SIGHUP serves a rotated certificate to new connections; open connections carry on', async () => {
    const keepAlive = new Agent({ ca: pki.ca, keepAlive: true, maxSockets: 1 });
    try {
      const before = await getVia(keepAlive, server.endpoint, `/ledgers/${LEDGER}`);
      assert.equal(before.status, 200);
      assert.equal(before.serial, first.serial);

      const second = pki.issue('second');
      copyFileSync(second.certFile, certFile);
      copyFileSync(second.keyFile, keyFile);
      server.signal('SIGHUP');
      const reloaded = JSON.parse(await server.waitForOutput(/"event":"tls_reloaded"/));
      assert.equal(reloaded.subject, 'CN=second');

      assert.equal(await servedSerial(server.port, pki.ca), second.serial);
      // the keep-alive connection made before the rotation was not dropped
      const after = await getVia(keepAlive, server.endpoint, `/ledgers/${LEDGER}`);
      assert.equal(after.status, 200);
      assert.equal(after.serial, first.serial);

      // a broken file on reload is refused, logged, and the rotated certificate stays
      writeFileSync(certFile, '-----BEGIN CERTIFICATE-----\nnot a certificate\n-----END CERTIFICATE-----\n');
      server.signal('SIGHUP');
      const failed = JSON.parse(await server.waitForOutput(/"event":"tls_reload_failed"/));
      assert.match(failed.reason, /does not hold a readable PEM certificate/);
      assert.equal(failed.keeping, 'CN=second');
      assert.equal(await servedSerial(server.port, pki.ca), second.serial);

      // and a key that belongs to another certificate is refused the same way
      copyFileSync(first.certFile, certFile);
      server.signal('SIGHUP');
      await server.waitForOutput(/does not match the certificate/);
      assert.equal(await servedSerial(server.port, pki.ca), second.serial);
    } finally {
      keepAlive.destroy();
    }
  });
});
