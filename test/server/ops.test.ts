/**
 * GET /health, /ready and /metrics beside the QLDB routes, and the request log, as an operator
 * sees them: probes answer without credentials, metrics count what real clients did (driver
 * commands, commits, fsyncs, OCC conflicts, sessions, exports), `--metrics false` turns them off,
 * `--auth strict` wants them signed unless `--metrics-public`, and the log names a session
 * command and its ledger without ever holding a document, a parameter or a session token.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import {
  CreateLedgerCommand,
  DescribeJournalS3ExportCommand,
  ExportJournalToS3Command,
  QLDBClient,
} from '@aws-sdk/client-qldb';
import { QLDBSessionClient, SendCommandCommand } from '@aws-sdk/client-qldb-session';
import type { QldbDriver } from 'amazon-qldb-driver-nodejs';
import { startServer, testCredentials, type TestServer } from '../helpers/server';
import { newDriver } from '../clients/sessionHelpers';
import { send, sign } from '../helpers/sign';
import { App } from '../../src/app';
import { loadConfig } from '../../src/config';
import { createServer } from '../../src/server/http';
import { silentLogger } from '../../src/server/log';

const LEDGER = 'metrics';
const SECRET_PARAM = 'PARAM-SECRET-4242';
const SECRET_DOC = 'DOC-SECRET-7777';

/** One sample's value from Prometheus text, or undefined when the series is absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m[3]);
  }
  return undefined;
}

describe('health, readiness, metrics and the request log', () => {
  let server: TestServer;
  let qldb: QLDBClient;
  let driver: QldbDriver;
  const metrics = async () => {
    const res = await fetch(`${server.endpoint}/metrics`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type')!, /^text\/plain; version=0\.0\.4/);
    return res.text();
  };

  before(async () => {
    server = await startServer(['--export-object-max-blocks', '2']);
    qldb = new QLDBClient({ endpoint: server.endpoint, region: 'us-east-1', credentials: testCredentials });
    await qldb.send(new CreateLedgerCommand({ Name: LEDGER, PermissionsMode: 'ALLOW_ALL', DeletionProtection: false }));
    driver = newDriver(server.endpoint, LEDGER);
  });
  after(async () => {
    driver?.close();
    qldb?.destroy();
    await server?.dispose();
  });

  it('/health and /ready answer 200 without credentials; other methods on them are not ours', async () => {
    const health = await fetch(`${server.endpoint}/health`);
    assert.equal(health.status, 200);
    assert.deepEqual(await health.json(), { status: 'ok' });
    const ready = await fetch(`${server.endpoint}/ready`);
    assert.equal(ready.status, 200);
    assert.deepEqual(await ready.json(), { status: 'ready' });
    const post = await fetch(`${server.endpoint}/health`, { method: 'POST' });
    assert.equal(post.status, 404);
    assert.equal(post.headers.get('x-amzn-errortype'), 'UnknownOperationException');
  });

  it('counts session commands, commits, fsyncs, OCC conflicts, sessions and open transactions', async () => {
    await driver.executeLambda(async (txn) => {
      await txn.execute('CREATE TABLE Vehicle');
      await txn.execute('INSERT INTO Vehicle ?', { VIN: 'V1', Owner: SECRET_DOC, Miles: 0 });
    });
    // two transactions read the same document before either commits: one of them must conflict
    let arrived = 0;
    let release!: () => void;
    const bothRead = new Promise<void>((r) => (release = r));
    const bump = () =>
      driver.executeLambda(async (txn) => {
        const r = await txn.execute('SELECT Miles FROM Vehicle WHERE VIN = ?', 'V1');
        if (++arrived === 2) release();
        await bothRead;
        await txn.execute('UPDATE Vehicle SET Miles = ? WHERE VIN = ?', r.getResultList()[0].get('Miles')!.numberValue()! + 1, 'V1');
      });
    await Promise.all([bump(), bump()]);

    let during = '';
    await driver.executeLambda(async (txn) => {
      await txn.execute('SELECT * FROM Vehicle');
      during = await metrics();
    });
    assert.equal(sample(during, 'openqldb_active_transactions', { ledger: LEDGER }), 1);
    assert.ok(sample(during, 'openqldb_active_sessions', { ledger: LEDGER })! >= 1);

    const text = await metrics();
    assert.ok(sample(text, 'openqldb_occ_conflicts_total', { ledger: LEDGER })! >= 1);
    assert.ok(sample(text, 'openqldb_requests_total', { api: 'session', operation: 'StartSession', status: '200' })! >= 1);
    assert.ok(sample(text, 'openqldb_requests_total', { api: 'session', operation: 'ExecuteStatement', status: '200' })! >= 5);
    assert.ok(sample(text, 'openqldb_requests_total', { api: 'session', operation: 'CommitTransaction', status: '400' })! >= 1, 'the conflicting commit');
    assert.equal(sample(text, 'openqldb_requests_total', { api: 'control', operation: 'CreateLedger', status: '200' }), 1);
    assert.equal(sample(text, 'openqldb_request_duration_seconds_count', { api: 'control', operation: 'CreateLedger' }), 1);
    assert.ok(sample(text, 'openqldb_request_duration_seconds_bucket', { api: 'session', operation: 'CommitTransaction', le: '+Inf' })! >= 4);
    // five committed transactions at least (the retried one included), in one or more batches
    const batches = sample(text, 'openqldb_commit_batch_size_count')!;
    assert.ok(batches >= 1);
    assert.ok(sample(text, 'openqldb_commit_batch_size_sum')! >= 4);
    assert.equal(sample(text, 'openqldb_fsync_duration_seconds_count'), batches);
    assert.ok(sample(text, 'openqldb_process_resident_memory_bytes')! > 0);
  });

  it('counts export jobs by state and the bytes and objects they wrote', async () => {
    const before = await metrics();
    assert.equal(sample(before, 'openqldb_export_jobs', { state: 'COMPLETED' }), 0);
    assert.equal(sample(before, 'openqldb_exported_objects_total'), 0);
    const { ExportId } = await qldb.send(
      new ExportJournalToS3Command({
        Name: LEDGER,
        InclusiveStartTime: new Date(Date.now() - 3_600_000),
        ExclusiveEndTime: new Date(),
        RoleArn: 'arn:aws:iam::000000000000:role/export',
        S3ExportConfiguration: { Bucket: 'metrics-bucket', Prefix: 'x/', EncryptionConfiguration: { ObjectEncryptionType: 'SSE_S3' } },
      }),
    );
    for (let i = 0; ; i++) {
      const d = await qldb.send(new DescribeJournalS3ExportCommand({ Name: LEDGER, ExportId }));
      if (d.ExportDescription!.Status === 'COMPLETED') break;
      assert.ok(i < 200, 'the export finishes');
      await new Promise((r) => setTimeout(r, 50));
    }
    const text = await metrics();
    assert.equal(sample(text, 'openqldb_export_jobs', { state: 'COMPLETED' }), 1);
    assert.equal(sample(text, 'openqldb_export_jobs', { state: 'IN_PROGRESS' }), 0);
    // the blocks so far, two to an object
    assert.ok(sample(text, 'openqldb_exported_objects_total')! >= 3);
    assert.ok(sample(text, 'openqldb_exported_bytes_total')! > 1000);
  });

  it('the request log names the command, the ledger and the error, and never a document, a parameter or a token', async () => {
    await assert.rejects(driver.executeLambda((txn) => txn.execute(`SELECT * FROM Vehicle WHERE TO_TIMESTAMP(?, 'yyyy') IS NULL`, SECRET_PARAM)));
    const session = new QLDBSessionClient({ endpoint: server.endpoint, region: 'us-east-1', credentials: testCredentials });
    let token: string;
    try {
      const started = await session.send(new SendCommandCommand({ StartSession: { LedgerName: LEDGER } }));
      token = started.StartSession!.SessionToken!;
      await assert.rejects(session.send(new SendCommandCommand({ SessionToken: token, StartTransaction: {}, AbortTransaction: {} })));
      await session.send(new SendCommandCommand({ SessionToken: token, EndSession: {} }));
    } finally {
      session.destroy();
    }
    // the child's output arrives through a pipe, a moment after each answer: the last request's
    // line, once in, comes after every earlier one
    await server.waitForOutput(/"operation":"EndSession"/);
    const lines = server
      .output()
      .split('\n')
      .filter((l) => l.includes('"event":"request"'))
      .map((l) => JSON.parse(l));
    const exec = lines.find((l) => l.operation === 'ExecuteStatement' && l.status === 200);
    assert.equal(exec.ledger, LEDGER);
    const failed = lines.find((l) => l.operation === 'ExecuteStatement' && l.status === 400);
    assert.equal(failed.errorType, 'BadRequestException');
    assert.equal(failed.ledger, LEDGER);
    assert.match(failed.error, /^Expected .* of '…'/);
    const start = lines.find((l) => l.operation === 'StartSession');
    assert.equal(start.ledger, LEDGER);
    const two = lines.find((l) => l.operation === 'SendCommand' && l.status === 400);
    assert.match(two.error, /exactly one/);

    const out = server.output();
    assert.ok(!out.includes(SECRET_PARAM), 'a statement parameter reached the log');
    assert.ok(!out.includes(SECRET_DOC), 'a document reached the log');
    assert.ok(!out.includes(token!), 'a session token reached the log');
  });
});

describe('--metrics false', () => {
  let server: TestServer;
  before(async () => (server = await startServer(['--metrics', 'false'])));
  after(async () => server?.dispose());

  it('GET /metrics is not served; /health still is', async () => {
    const res = await fetch(`${server.endpoint}/metrics`);
    assert.equal(res.status, 404);
    assert.equal(res.headers.get('x-amzn-errortype'), 'UnknownOperationException');
    assert.equal((await fetch(`${server.endpoint}/health`)).status, 200);
  });
});

describe('health and metrics under --auth strict', () => {
  const KEY = { accessKeyId: 'AKIDOPS000000001', secretAccessKey: 'ops/secret', accountId: '222222222222' };
  const OTHER = { accessKeyId: 'AKIDOPS000000002', secretAccessKey: 'ops/other', accountId: '333333333333' };
  let dir: string;
  let server: TestServer;
  let open: TestServer;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'openqldb-ops-'));
    const file = join(dir, 'credentials.json');
    writeFileSync(file, JSON.stringify({ credentials: [KEY, OTHER] }));
    server = await startServer(['--auth', 'strict', '--credentials-file', file, '--account-id', '999999999999']);
    open = await startServer(['--auth', 'strict', '--credentials-file', file, '--metrics-public', 'true']);
  });
  after(async () => {
    await server?.dispose();
    await open?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the start-up line lists the accounts of the credentials file, not --account-id', async () => {
    const line = JSON.parse(await server.waitForOutput(/"event":"listening"/));
    assert.deepEqual(line.accounts, ['222222222222', '333333333333']);
    assert.ok(!JSON.stringify(line).includes('999999999999'));
    assert.ok(!server.output().includes(KEY.secretAccessKey));
  });

  it('probes need no signature', async () => {
    assert.equal((await fetch(`${server.endpoint}/health`)).status, 200);
    assert.equal((await fetch(`${server.endpoint}/ready`)).status, 200);
  });

  it('metrics need a signed request, unless --metrics-public', async () => {
    const unsigned = await fetch(`${server.endpoint}/metrics`);
    assert.equal(unsigned.status, 403);
    assert.equal(unsigned.headers.get('x-amzn-errortype'), 'MissingAuthenticationTokenException');
    const host = new URL(server.endpoint).host;
    const badly = await sign({ method: 'GET', host, path: '/metrics', ...KEY, secretAccessKey: 'wrong' });
    assert.equal((await send(server.endpoint, badly)).status, 403);
    const signed = await sign({ method: 'GET', host, path: '/metrics', ...KEY });
    const res = await send(server.endpoint, signed);
    assert.equal(res.status, 200, res.body);
    assert.match(res.body, /^# HELP openqldb_requests_total /m);
    const pub = await fetch(`${open.endpoint}/metrics`);
    assert.equal(pub.status, 200);
  });
});

describe('/ready while stopping', () => {
  it('answers 503 once the server stops accepting, while it still answers /health', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'openqldb-ready-'));
    const app = await App.open(loadConfig(['--data-dir', dir, '--log-requests', 'false']), silentLogger);
    const server = createServer(app);
    try {
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      assert.equal((await fetch(`${base}/ready`)).status, 200);
      app.stopAccepting();
      const ready = await fetch(`${base}/ready`);
      assert.equal(ready.status, 503);
      assert.deepEqual(await ready.json(), { status: 'unavailable', reason: 'stopping' });
      assert.equal((await fetch(`${base}/health`)).status, 200);
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
