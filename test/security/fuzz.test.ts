/**
 * Malformed-request fuzzing against a live server (auth off) over keep-alive node:http.
 *
 * For every control-plane operation of the model and for SendCommand, OPENQLDB_FUZZ_COUNT
 * (default 1,000) seeded malformed requests. Each answer must be a non-5xx; every error must
 * carry x-amzn-ErrorType and a JSON body with a Message; a write operation must never answer 2xx
 * (each request carries a defect no server may accept). Afterwards the server must still answer
 * correctly and the database must be byte-for-byte what it was before (nothing written).
 * Below the APIs, COUNT/5 broken HTTP/1.1 messages (oversized request lines and headers, bad
 * framing, bodies cut short) must never get a 5xx nor reach the server's internal-error path.
 *
 * Replay a failure with OPENQLDB_FUZZ_SEED=<seed printed in the failure>.
 * `npm run fuzz` runs a larger count.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Agent, request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { CreateLedgerCommand, DescribeLedgerCommand, ListLedgersCommand, ListTagsForResourceCommand, QLDBClient } from '@aws-sdk/client-qldb';
import { QldbDriver } from 'amazon-qldb-driver-nodejs';
import { OPERATIONS } from '../../src/api/model';
import { startServer, testCredentials, type TestServer } from '../helpers/server';
import { controlRequest, isWrite, rng, sessionRequest, type FuzzRequest, type FuzzTarget, type Rng } from '../helpers/fuzz';

const COUNT = Number(process.env.OPENQLDB_FUZZ_COUNT ?? 1000);
const SEED = Number(process.env.OPENQLDB_FUZZ_SEED ?? 20261124);
const CONCURRENCY = 16;
const ACCOUNT = '000000000000';
const LEDGER = 'fuzz-target';

interface Answer {
  status: number;
  errorType?: string;
  body: string;
}

const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });

function send(endpoint: URL, req: FuzzRequest): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const r = httpRequest(
      {
        agent,
        host: endpoint.hostname,
        port: endpoint.port,
        method: req.method,
        path: req.path,
        headers: { ...req.headers, 'content-length': String(req.body.length) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const h = res.headers['x-amzn-errortype'];
          resolve({ status: res.statusCode ?? 0, errorType: Array.isArray(h) ? h[0] : h, body: Buffer.concat(chunks).toString('utf8') });
        });
        res.on('error', reject);
      },
    );
    r.on('error', reject);
    r.end(req.body);
  });
}

/** A digest of every row of every table: equal digests mean nothing was written. */
function databaseDigest(dataDir: string): string {
  const db = new Database(join(dataDir, 'openqldb.sqlite'), { readonly: true, fileMustExist: true });
  try {
    const hash = createHash('sha256');
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[];
    for (const { name } of tables) {
      const rows = (db.prepare(`SELECT * FROM "${name.replace(/"/g, '""')}"`).raw().all() as unknown[][]).map((row) =>
        JSON.stringify(row, (_, v) => (Buffer.isBuffer(v) ? v.toString('hex') : typeof v === 'bigint' ? v.toString() : v)),
      );
      hash.update(`${name}\n${rows.sort().join('\n')}\n`);
    }
    return hash.digest('hex');
  } finally {
    db.close();
  }
}

/** What went wrong, grouped by operation and kind of failure, with a few replayable examples each. */
class Findings {
  private readonly groups = new Map<string, { count: number; examples: string[] }>();
  add(kind: string, example: string): void {
    const g = this.groups.get(kind) ?? { count: 0, examples: [] };
    g.count++;
    if (g.examples.length < 3) g.examples.push(example);
    this.groups.set(kind, g);
  }
  get size(): number {
    return this.groups.size;
  }
  report(): string[] {
    return [...this.groups].map(([kind, g]) => `${kind} ×${g.count}\n      ${g.examples.join('\n      ')}`);
  }
}

/** Sends `requests` CONCURRENCY at a time, recording every answer that breaks a rule. */
async function run(endpoint: URL, requests: FuzzRequest[], seed: number, findings: Findings): Promise<void> {
  let next = 0;
  const describeReq = (req: FuzzRequest, i: number) =>
    `[seed ${seed} #${i}] ${req.defect}: ${req.method} ${req.path.slice(0, 120)} body ${req.body.subarray(0, 120).toString('utf8')}`;
  const worker = async () => {
    while (next < requests.length) {
      const i = next++;
      const req = requests[i];
      let a: Answer;
      try {
        a = await send(endpoint, req);
      } catch (e) {
        findings.add(`${req.op}: connection failed`, `${describeReq(req, i)} → ${(e as Error).message}`);
        continue;
      }
      const shown = `${describeReq(req, i)} → ${a.status} ${a.body.slice(0, 200)}`;
      if (a.status >= 500) findings.add(`${req.op}: ${a.status} ${a.errorType}`, shown);
      else if (a.status >= 400) {
        let message: unknown;
        try {
          const parsed = JSON.parse(a.body);
          message = parsed.Message ?? parsed.message;
        } catch {
          message = undefined;
        }
        if (!a.errorType) findings.add(`${req.op}: ${a.status} without x-amzn-ErrorType`, shown);
        if (typeof message !== 'string') findings.add(`${req.op}: ${a.status} without a JSON Message`, shown);
      } else if (isWrite(req.op)) {
        findings.add(`${req.op}: a malformed write was accepted (${a.status})`, shown);
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
}

/** Bytes that are not a well-formed HTTP/1.1 request, for node's parser and the front door beneath it. */
function brokenHttp(r: Rng): { what: string; bytes: Buffer } {
  const ok = 'GET /ledgers HTTP/1.1\r\nHost: x\r\n';
  const pick = r.int(0, 11);
  const b = (what: string, text: string | Buffer) => ({ what, bytes: Buffer.isBuffer(text) ? text : Buffer.from(text, 'latin1') });
  switch (pick) {
    case 0:
      return b('request line over 16 KB', `GET /ledgers/${'a'.repeat(r.int(17_000, 80_000))} HTTP/1.1\r\nHost: x\r\n\r\n`);
    case 1:
      return b('query over 16 KB', `GET /ledgers?next_token=${'A'.repeat(r.int(17_000, 80_000))} HTTP/1.1\r\nHost: x\r\n\r\n`);
    case 2:
      return b('one header over 16 KB', `${ok}X-Big: ${'h'.repeat(r.int(17_000, 40_000))}\r\n\r\n`);
    case 3:
      return b('thousands of headers', ok + Array.from({ length: r.int(500, 3000) }, (_, i) => `X-H${i}: v\r\n`).join('') + '\r\n');
    case 4:
      return b('not HTTP', Buffer.from(Array.from({ length: r.int(1, 2000) }, () => r.int(0, 255))));
    case 5:
      return b('bad method or version', r.pick(['G\u0000T / HTTP/1.1\r\n\r\n', 'GET / HTTP/9.9\r\nHost: x\r\n\r\n', 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'GET /\r\n\r\n', ' / HTTP/1.1\r\n\r\n']));
    case 6:
      return b('control characters in a header', `${ok}X-Bad: a${String.fromCharCode(r.pick([0, 1, 10, 13, 127]))}b\r\n\r\n`);
    case 7:
      return b('Content-Length and Transfer-Encoding together', 'POST /ledgers HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n');
    case 8:
      return b('bad Content-Length', `POST /ledgers HTTP/1.1\r\nHost: x\r\nContent-Length: ${r.pick(['-1', 'abc', '1e3', '99999999999999999999', '5, 6'])}\r\n\r\n{}`);
    case 9:
      return b('bad chunk size', `POST /ledgers HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n${r.pick(['zz', 'FFFFFFFFFFFFFFFF', '-1', '5;' + 'x'.repeat(20_000)])}\r\nabcde\r\n0\r\n\r\n`);
    case 10:
      return b('body shorter than its Content-Length', `POST /ledgers HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${r.int(10, 8_000_000)}\r\n\r\n{"Name":`);
    default:
      return b('a bad request pipelined behind a good one', `${ok}\r\nGET /ledgers HTTP/1.1\r\nHost: x\r\nX: \u0000\r\n\r\n`);
  }
}

/** Writes raw bytes, half-closes, and returns whatever came back before the server closed. */
function rawExchange(endpoint: URL, bytes: Buffer): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(Number(endpoint.port), endpoint.hostname, () => socket.end(bytes));
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', () => undefined); // a reset is an acceptable way to refuse garbage
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('latin1')));
    socket.setTimeout(10_000, () => socket.destroy());
  });
}

/** A raw SendCommand, for setting up the session the fuzzer aims at. */
async function sendCommand(endpoint: URL, body: object): Promise<any> {
  const a = await send(endpoint, {
    op: 'setup',
    defect: 'none',
    method: 'POST',
    path: '/',
    headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'QLDBSession.SendCommand' },
    body: Buffer.from(JSON.stringify(body)),
  });
  assert.equal(a.status, 200, `setup command ${JSON.stringify(body)} failed: ${a.status} ${a.body}`);
  return JSON.parse(a.body);
}

describe(`fuzzing: ${COUNT} malformed requests per operation (seed ${SEED})`, () => {
  let server: TestServer;
  let qldb: QLDBClient;
  let endpoint: URL;
  let before_: { ledgers: unknown; tags: unknown; described: unknown };

  const observe = async () => ({
    ledgers: (await qldb.send(new ListLedgersCommand({}))).Ledgers,
    tags: (await qldb.send(new ListTagsForResourceCommand({ ResourceArn: `arn:aws:qldb:us-east-1:${ACCOUNT}:ledger/${LEDGER}` }))).Tags,
    described: await qldb.send(new DescribeLedgerCommand({ Name: LEDGER })).then(({ $metadata, ...rest }) => rest),
  });

  before(async () => {
    server = await startServer(['--log-requests', 'false', '--account-id', ACCOUNT]);
    endpoint = new URL(server.endpoint);
    qldb = new QLDBClient({ endpoint: server.endpoint, region: 'us-east-1', credentials: testCredentials, maxAttempts: 1 });
    await qldb.send(new CreateLedgerCommand({ Name: LEDGER, PermissionsMode: 'STANDARD', DeletionProtection: true, Tags: { owner: 'fuzz' } }));
    await qldb.send(new CreateLedgerCommand({ Name: 'bystander', PermissionsMode: 'ALLOW_ALL', DeletionProtection: false }));
    // a table with a document, so that fuzzed statements reach real data
    const driver = new QldbDriver(LEDGER, { endpoint: server.endpoint, region: 'us-east-1', credentials: testCredentials, maxAttempts: 1 });
    await driver.executeLambda(async (tx) => {
      await tx.execute('CREATE TABLE fuzz_table');
      await tx.execute('INSERT INTO fuzz_table ?', { v: 1 });
    });
    driver.close();
    before_ = await observe();
  });
  after(async () => {
    qldb.destroy();
    agent.destroy();
    await server.dispose();
  });

  it('control plane: every operation survives malformed input without a 5xx, a bare error or a write', async () => {
    const digest = databaseDigest(server.dataDir);
    const target: FuzzTarget = { ledger: LEDGER, accountId: ACCOUNT, region: 'us-east-1', sessionToken: 'unused', transactionId: 'unused' };
    const findings = new Findings();
    for (const [k, op] of OPERATIONS.entries()) {
      const seed = SEED + k;
      const r = rng(seed);
      const requests = Array.from({ length: COUNT }, () => controlRequest(r, op, target));
      await run(endpoint, requests, seed, findings);
    }
    assert.deepEqual(findings.report(), []);
    assert.deepEqual(await observe(), before_, 'the ledgers, their tags and descriptions are unchanged');
    assert.equal(databaseDigest(server.dataDir), digest, 'nothing was written to the database');
  });

  it('session API: SendCommand survives malformed commands, bad base64 and bad Ion without a 5xx or a write', async () => {
    // A real session with an open transaction, so that malformed commands reach the handlers.
    const started = await sendCommand(endpoint, { StartSession: { LedgerName: LEDGER } });
    const sessionToken = started.StartSession.SessionToken as string;
    const tx = await sendCommand(endpoint, { SessionToken: sessionToken, StartTransaction: {} });
    const target: FuzzTarget = {
      ledger: LEDGER,
      accountId: ACCOUNT,
      region: 'us-east-1',
      sessionToken,
      transactionId: tx.StartTransaction.TransactionId,
    };
    const digest = databaseDigest(server.dataDir);
    const seed = SEED + 1000;
    const r = rng(seed);
    const requests = Array.from({ length: COUNT }, () => sessionRequest(r, target));
    const findings = new Findings();
    await run(endpoint, requests, seed, findings);
    assert.deepEqual(findings.report(), []);
    assert.equal(databaseDigest(server.dataDir), digest, 'nothing was written to the database');

    // the server still runs sessions normally afterwards
    const again = await sendCommand(endpoint, { StartSession: { LedgerName: LEDGER } });
    const t2 = await sendCommand(endpoint, { SessionToken: again.StartSession.SessionToken, StartTransaction: {} });
    assert.equal(t2.StartTransaction.TransactionId.length, 22);
    await sendCommand(endpoint, { SessionToken: again.StartSession.SessionToken, EndSession: {} });
  });

  it('HTTP-level garbage is refused with a 4xx or a closed connection, never a 5xx, and the server keeps serving', async () => {
    const seed = SEED + 2000;
    const r = rng(seed);
    const n = Math.max(50, Math.round(COUNT / 5));
    const findings = new Findings();
    for (let i = 0; i < n; i += 8) {
      const batch = Array.from({ length: Math.min(8, n - i) }, () => brokenHttp(r));
      const answers = await Promise.all(batch.map((b) => rawExchange(endpoint, b.bytes)));
      answers.forEach((a, j) => {
        // Every status line in the answer (a pipelined good request may come first).
        for (const m of a.matchAll(/HTTP\/1\.1 (\d{3})/g)) {
          if (Number(m[1]) >= 500) findings.add(`raw HTTP: ${m[1]}`, `[seed ${seed} #${i + j}] ${batch[j].what} → ${a.slice(0, 200)}`);
        }
      });
    }
    assert.deepEqual(findings.report(), []);
    assert.deepEqual(await observe(), before_);
  });

  it('still answers correctly afterwards', async () => {
    assert.deepEqual(await observe(), before_);
    const created = await qldb.send(new CreateLedgerCommand({ Name: 'after-fuzz', PermissionsMode: 'STANDARD' }));
    assert.equal(created.Name, 'after-fuzz');
    assert.doesNotMatch(server.output(), /internal_error/, 'no request reached the internal-error path');
  });
});
