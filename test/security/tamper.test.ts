/**
 * Strict mode against real clients whose requests go wrong on the way: a body changed in flight
 * by a proxy between client and server (all three clients), and a signer whose clock is 20
 * minutes off (boto3). Each is refused with AWS's error, and nothing is written.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { request, createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateLedgerCommand, ListLedgersCommand, QLDBClient } from '@aws-sdk/client-qldb';
import { startServer, type TestServer } from '../helpers/server';
import { aws } from '../helpers/awscli';
import { boto } from '../helpers/boto';

const KEY = { accessKeyId: 'AKIDTAMPER000001', secretAccessKey: 'tamper/secret+key', accountId: '222222222222' };
const MISMATCH =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';

/** Forwards every request, rewriting `signed-name` to `forged-name` (same length) in bodies. */
function tamperingProxy(target: string): Promise<Server> {
  const up = new URL(target);
  const proxy = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.from(Buffer.concat(chunks).toString('utf8').replaceAll('signed-name', 'forged-name'));
      const fwd = request({ host: up.hostname, port: up.port, method: req.method, path: req.url, headers: req.headers }, (r) => {
        res.writeHead(r.statusCode!, r.headers);
        r.pipe(res);
      });
      fwd.end(body);
    });
  });
  return new Promise((resolve) => proxy.listen(0, '127.0.0.1', () => resolve(proxy)));
}

describe('--auth strict: tampered bodies and skewed clocks from real clients', () => {
  let server: TestServer;
  let proxy: Server;
  let viaProxy: string;
  const direct = () => new QLDBClient({ endpoint: server.endpoint, region: 'us-east-1', credentials: KEY, maxAttempts: 1 });

  before(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'openqldb-tamper-'));
    const file = join(dir, 'credentials.json');
    writeFileSync(file, JSON.stringify({ credentials: [KEY] }));
    server = await startServer(['--auth', 'strict', '--credentials-file', file]);
    proxy = await tamperingProxy(server.endpoint);
    viaProxy = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  });
  after(async () => {
    proxy.close();
    await server.dispose();
  });

  it('refuses a body changed after signing, from the SDK, awscli and boto3, and writes nothing', async () => {
    const sdk = new QLDBClient({ endpoint: viaProxy, region: 'us-east-1', credentials: KEY, maxAttempts: 1 });
    await assert.rejects(sdk.send(new CreateLedgerCommand({ Name: 'signed-name', PermissionsMode: 'STANDARD' })), (e: any) => {
      assert.equal(e.name, 'InvalidSignatureException');
      assert.equal(e.$metadata.httpStatusCode, 403);
      assert.equal(e.message, MISMATCH);
      return true;
    });
    sdk.destroy();

    const cli = await aws(viaProxy, ['qldb', 'create-ledger', '--name', 'signed-name', '--permissions-mode', 'STANDARD'], {
      AWS_ACCESS_KEY_ID: KEY.accessKeyId,
      AWS_SECRET_ACCESS_KEY: KEY.secretAccessKey,
    });
    assert.equal(cli.errorCode, 'InvalidSignatureException', cli.stderr);

    const py = await boto({ endpoint: viaProxy, ...KEY, op: 'create_ledger', params: { Name: 'signed-name', PermissionsMode: 'STANDARD' } });
    assert.deepEqual(py, { ok: false, code: 'InvalidSignatureException', message: MISMATCH, status: 403 });

    const qldb = direct();
    assert.deepEqual((await qldb.send(new ListLedgersCommand({}))).Ledgers, []);
    qldb.destroy();
  });

  it('refuses a boto3 signer whose clock is 20 minutes slow or fast', async () => {
    const slow = await boto({ endpoint: server.endpoint, ...KEY, op: 'list_ledgers', clockSkewSeconds: -20 * 60 });
    assert.equal(slow.ok, false);
    assert.equal(slow.code, 'InvalidSignatureException');
    assert.equal(slow.status, 403);
    assert.match(slow.message!, /^Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z \(\d{8}T\d{6}Z - 15 min\.\)$/);
    const fast = await boto({ endpoint: server.endpoint, ...KEY, op: 'list_ledgers', clockSkewSeconds: 20 * 60 });
    assert.equal(fast.code, 'InvalidSignatureException');
    assert.match(fast.message!, /^Signature not yet current: /);
    // within the 15-minute window the same signer is accepted
    const near = await boto({ endpoint: server.endpoint, ...KEY, op: 'list_ledgers', clockSkewSeconds: -5 * 60 });
    assert.deepEqual(near, { ok: true, result: { Ledgers: [] } });
  });
});
