/**
 * The session API through @aws-sdk/client-qldb-session directly, the AWS CLI and the driver:
 * commit digests, transaction and session errors, expiry, paging tokens, durability.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { dom, dumpBinary, dumpText } from 'ion-js';
import { QLDBSessionClient, QLDBSessionServiceException, SendCommandCommand, type SendCommandCommandInput } from '@aws-sdk/client-qldb-session';
import { DeleteLedgerCommand, QLDBClient } from '@aws-sdk/client-qldb';
import { startServer, testCredentials, awsEnv, type TestServer } from '../helpers/server';
import { CommitDigest } from '../../src/journal/commitDigest';
import { IonWriter } from '../../src/journal/ionBinary';
import { raw } from '../helpers/raw';
import { createLedger, driverDigest, newDriver, storedBlocks } from './sessionHelpers';
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { isRetryableException } = require('amazon-qldb-driver-nodejs/dist/src/errors/Errors');

async function rejects(p: Promise<unknown>, name: string, message?: RegExp): Promise<any> {
  try {
    await p;
  } catch (e: any) {
    assert.equal(e.name, name, e.message);
    assert.equal(e.$metadata?.httpStatusCode ?? 400, name === 'CapacityExceededException' ? 503 : 400);
    if (message) assert.match(e.message, message);
    return e;
  }
  assert.fail(`expected ${name}`);
}

class Raw {
  readonly client: QLDBSessionClient;
  token = '';
  constructor(endpoint: string, accessKeyId = testCredentials.accessKeyId) {
    this.client = new QLDBSessionClient({
      endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId, secretAccessKey: 'secret' },
      maxAttempts: 1,
    });
  }
  send(input: SendCommandCommandInput) {
    return this.client.send(new SendCommandCommand({ SessionToken: this.token || undefined, ...input }));
  }
  async start(ledger: string) {
    const r = await this.client.send(new SendCommandCommand({ StartSession: { LedgerName: ledger } }));
    this.token = r.StartSession!.SessionToken!;
    return r;
  }
  async begin() {
    const r = await this.send({ StartTransaction: {} });
    return r.StartTransaction!.TransactionId!;
  }
  exec(txId: string, statement: string, params: unknown[] = []) {
    return this.send({
      ExecuteStatement: {
        TransactionId: txId,
        Statement: statement,
        Parameters: params.map((p) => ({ IonBinary: dumpBinary(p as any) })),
      },
    });
  }
  commit(txId: string, digest: Uint8Array) {
    return this.send({ CommitTransaction: { TransactionId: txId, CommitDigest: digest } });
  }
}

// Short enough for the expiry tests to wait out, long enough that a busy CI machine (the
// clean-clone test compiles SQLite alongside) never expires an ordinary test transaction.
const TX_TIMEOUT_MS = 2000;

describe('session API via @aws-sdk/client-qldb-session and the AWS CLI', () => {
  let server: TestServer;

  before(async () => {
    server = await startServer(['--transaction-timeout', `${TX_TIMEOUT_MS}ms`, '--max-sessions', '4']);
    await createLedger(server.endpoint, 'sess');
    await createLedger(server.endpoint, 'limits');
  });
  after(() => server?.dispose());

  it('commits with the right digest, refuses a wrong one without a trace', async () => {
    const c = new Raw(server.endpoint);
    const s = await c.start('sess');
    assert.match(s.StartSession!.SessionToken!, /^[A-Za-z0-9+/=]{4,1024}$/);
    assert.equal(typeof s.StartSession!.TimingInformation!.ProcessingTimeMilliseconds, 'number');
    let tx = await c.begin();
    assert.match(tx, /^[A-Za-z0-9]{22}$/);
    let d = new CommitDigest(tx);
    d.addStatement('CREATE TABLE Sess');
    const r = await c.exec(tx, 'CREATE TABLE Sess');
    assert.equal(r.ExecuteStatement!.FirstPage!.Values!.length, 1);
    const bytes = r.ExecuteStatement!.FirstPage!.Values![0].IonBinary!;
    assert.deepEqual([...bytes.subarray(0, 4)], [0xe0, 0x01, 0x00, 0xea], 'a complete Ion binary stream');
    const ok = await c.commit(tx, d.digest());
    assert.equal(ok.CommitTransaction!.TransactionId, tx);
    assert.deepEqual(Buffer.from(ok.CommitTransaction!.CommitDigest!), d.digest());

    const before = (await storedBlocks(server, 'sess')).length;
    tx = await c.begin();
    d = new CommitDigest(tx);
    const doc = { a: 1 };
    d.addStatement('INSERT INTO Sess ?', [dumpBinary(doc)]);
    const ins = await c.exec(tx, 'INSERT INTO Sess ?', [doc]);
    assert.deepEqual(ins.ExecuteStatement!.ConsumedIOs, { ReadIOs: 0, WriteIOs: 1 });
    await rejects(c.commit(tx, new CommitDigest(tx).digest()), 'BadRequestException', /CommitDigest/);
    await rejects(c.commit(tx, Buffer.alloc(32)), 'BadRequestException');
    assert.equal((await storedBlocks(server, 'sess')).length, before, 'nothing committed');
    await c.send({ AbortTransaction: {} });
    await rejects(c.commit(tx, d.digest()), 'BadRequestException', /not open/);
    assert.equal((await storedBlocks(server, 'sess')).length, before);
    await c.send({ EndSession: {} });
  });

  it('stores an INSERT parameter as it was sent: it reads back as its value, and its revision hash is that value\'s', async () => {
    const c = new Raw(server.endpoint);
    await c.start('sess');
    let tx = await c.begin();
    let d = new CommitDigest(tx);
    d.addStatement('CREATE TABLE Sent');
    await c.exec(tx, 'CREATE TABLE Sent');
    await c.commit(tx, d.digest());
    // another writer's bytes (an unused symbol first in its table), which ion-js would not write
    const w = new IonWriter();
    w.sid('unused');
    w.struct().field('k').string('sent').field('n').int(1).end();
    const sent = w.finish();
    tx = await c.begin();
    d = new CommitDigest(tx);
    d.addStatement('INSERT INTO Sent ?', [sent]);
    await c.send({ ExecuteStatement: { TransactionId: tx, Statement: 'INSERT INTO Sent ?', Parameters: [{ IonBinary: sent }] } });
    await c.commit(tx, d.digest());
    tx = await c.begin();
    const r = await c.exec(tx, 'SELECT * FROM _ql_committed_Sent');
    const revision = dom.load(r.ExecuteStatement!.FirstPage!.Values![0].IonBinary!)!;
    assert.ok(revision.get('data')!.ionEquals(dom.load(sent)!));
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const { QldbHash } = require('amazon-qldb-driver-nodejs/dist/src/QldbHash');
    const expected = QldbHash.toQldbHash(dumpBinary(revision.get('metadata')!)).dot(QldbHash.toQldbHash(sent)).getQldbHash();
    assert.deepEqual(Buffer.from(revision.get('hash')!.uInt8ArrayValue()!), Buffer.from(expected));
    await c.send({ AbortTransaction: {} });
    await c.send({ EndSession: {} });
  });

  it('keeps a timestamp sent as Ion text to the digit: 29.0000 seconds are stored, answered and matched as 29.0000', async () => {
    // ion-js 5.2.1's binary writer wrote these as 28.0000 (ionJsFixes.ts): a second lost on the
    // way in and another on the way out
    const c = new Raw(server.endpoint);
    await c.start('sess');
    const text = '2024-03-01T10:20:29.0000Z';
    let tx = await c.begin();
    let d = new CommitDigest(tx);
    d.addStatement('CREATE TABLE Stamps');
    await c.exec(tx, 'CREATE TABLE Stamps');
    d.addStatement('INSERT INTO Stamps ?', [Buffer.from(`{at: ${text}}`)]);
    await c.send({ ExecuteStatement: { TransactionId: tx, Statement: 'INSERT INTO Stamps ?', Parameters: [{ IonText: `{at: ${text}}` }] } });
    await c.commit(tx, d.digest());
    tx = await c.begin();
    const values = async (statement: string) =>
      (await c.exec(tx, statement)).ExecuteStatement!.FirstPage!.Values!.map((v) => dumpText(dom.load(v.IonBinary!)!));
    assert.deepEqual(await values('SELECT VALUE s.at FROM Stamps AS s'), [text]);
    assert.equal((await values(`SELECT * FROM Stamps WHERE at = \`${text}\``)).length, 1);
    await c.send({ AbortTransaction: {} });
    await c.send({ EndSession: {} });
  });

  it('answers malformed requests with BadRequestException', async () => {
    const c = new Raw(server.endpoint);
    await c.start('sess');
    const tx = await c.begin();
    await rejects(c.send({ StartTransaction: {}, EndSession: {} }), 'BadRequestException', /exactly one|commands/);
    await rejects(c.send({}), 'BadRequestException');
    await rejects(c.send({ StartTransaction: {} }), 'BadRequestException', /already open/);
    await rejects(
      c.send({ ExecuteStatement: { TransactionId: tx, Statement: 'SELECT * FROM Sess WHERE a = ?', Parameters: [{ IonBinary: new Uint8Array([0xe0, 0x01, 0x00, 0xea, 0x83, 0x61]) }] } }),
      'BadRequestException',
      /not valid Ion/,
    );
    // {$268435455: 1}: a symbol id past the table, as large as four VarUInt bytes hold. Refused,
    // and nothing sized by the id: the server's ArrayBuffers do not grow by the id's gigabytes
    const external = async () => {
      const text = await (await fetch(`${server.endpoint}/metrics`)).text();
      return Number(/^openqldb_nodejs_external_memory_bytes (\S+)$/m.exec(text)![1]);
    };
    const externalBefore = await external();
    await rejects(
      c.send({ ExecuteStatement: { TransactionId: tx, Statement: 'INSERT INTO Sess ?', Parameters: [{ IonBinary: new Uint8Array([0xe0, 0x01, 0x00, 0xea, 0xd6, 0x7f, 0x7f, 0x7f, 0xff, 0x21, 0x01]) }] } }),
      'BadRequestException',
      /Parameters\[0\] is not valid Ion: symbol id 268435455 is beyond the symbol table/,
    );
    assert.ok((await external()) - externalBefore < 64 * 2 ** 20, 'no buffer sized by the symbol id');
    // a decimal whose exponent never ends: ion-js loads it (as 0E+255), and the hasher of the
    // commit digest used to read on past the buffer for ever, holding the server's one thread
    const runOn = new SendCommandCommand({
      SessionToken: c.token,
      ExecuteStatement: { TransactionId: tx, Statement: 'INSERT INTO Sess ?', Parameters: [{ IonBinary: new Uint8Array([0xe0, 0x01, 0x00, 0xea, 0x51, 0x01]) }] },
    });
    await rejects(c.client.send(runOn, { abortSignal: AbortSignal.timeout(10_000) }), 'BadRequestException', /not valid Ion: truncated VarInt/);
    // 1970-10-29T20:03:29 with 2^27 - 1 digits of fractional seconds: a four-byte exponent, which
    // ion-js works at for hours before it refuses it. Refused at once
    const longFraction = new SendCommandCommand({
      SessionToken: c.token,
      ExecuteStatement: {
        TransactionId: tx,
        Statement: 'INSERT INTO Sess ?',
        Parameters: [{ IonBinary: new Uint8Array([0xe0, 0x01, 0x00, 0xea, 0x6c, 0x80, 0x0f, 0xb2, 0x8a, 0x9d, 0x94, 0x83, 0x9d, 0x7f, 0x7f, 0x7f, 0xff]) }],
      },
    });
    await rejects(
      c.client.send(longFraction, { abortSignal: AbortSignal.timeout(10_000) }),
      'BadRequestException',
      /Parameters\[0\] is not valid Ion: a timestamp's fractional seconds of 134217727 digits \(ion-js reads at most 306\)/,
    );
    // Ion that ion-js reads as something else: month 13 of 2020 as January 2021, an overlong "/"
    // as "/", a bool of length code 2 as false. QLDB's Java Ion refuses them; so does the server
    const ivm = [0xe0, 0x01, 0x00, 0xea];
    const misread: [string, number[], RegExp][] = [
      ['2020-13', [...ivm, 0x64, 0x80, 0x0f, 0xe4, 0x8d], /a timestamp's month 13 is out of range/],
      ['an overlong "/"', [...ivm, 0x82, 0xc0, 0xaf], /a string that is not valid UTF-8/],
      ['a bool of length code 2', [...ivm, 0x12], /a bool with length code 2/],
    ];
    for (const [what, bytes, message] of misread) {
      await rejects(
        c.send({ ExecuteStatement: { TransactionId: tx, Statement: 'INSERT INTO Sess ?', Parameters: [{ IonBinary: new Uint8Array(bytes) }] } }),
        'BadRequestException',
        new RegExp(`Parameters\\[0\\] is not valid Ion: ${message.source}`),
      ).catch((e) => assert.fail(`${what}: ${e.message}`));
    }
    await rejects(
      c.send({ ExecuteStatement: { TransactionId: tx, Statement: 'SELECT * FROM Sess WHERE a = ?', Parameters: [{ IonText: '{a:' }] } }),
      'BadRequestException',
    );
    await rejects(c.send({ ExecuteStatement: { TransactionId: 'x'.repeat(22), Statement: 'SELECT 1 FROM Sess' } }), 'BadRequestException', /not open/);
    await rejects(c.send({ ExecuteStatement: { TransactionId: tx, Statement: '' } }), 'BadRequestException');
    await rejects(c.send({ ExecuteStatement: { TransactionId: tx, Statement: 'x'.repeat(100_001) } }), 'BadRequestException');
    await rejects(c.send({ FetchPage: { TransactionId: tx, NextPageToken: 'abcd' } }), 'BadRequestException', /NextPageToken/);
    await c.send({ AbortTransaction: {} });
    await c.send({ AbortTransaction: {} }); // without a transaction: harmless
    // IonText parameters work and fold into the digest like their binary form
    const tx2 = await c.begin();
    const d2 = new CommitDigest(tx2);
    d2.addStatement('INSERT INTO Sess ?', [dumpBinary(dom.load('{a:1, t:"text"}')!)]);
    await c.send({ ExecuteStatement: { TransactionId: tx2, Statement: 'INSERT INTO Sess ?', Parameters: [{ IonText: '{a:1, t:"text"}' }] } });
    d2.addStatement('SELECT * FROM Sess WHERE a = ?', [Buffer.from('1')]);
    const r = await c.send({ ExecuteStatement: { TransactionId: tx2, Statement: 'SELECT * FROM Sess WHERE a = ?', Parameters: [{ IonText: '1' }] } });
    assert.equal(dom.load(r.ExecuteStatement!.FirstPage!.Values![0].IonBinary!)!.get('t')!.stringValue(), 'text');
    await c.commit(tx2, d2.digest());
    await c.send({ EndSession: {} });
    await rejects(c.send({ StartTransaction: {} }), 'InvalidSessionException', /No such session/);
  });

  it('pages results by 200 with single-use NextPageTokens that die with the transaction', async () => {
    const c = new Raw(server.endpoint);
    await c.start('sess');
    const tx = await c.begin();
    const d = new CommitDigest(tx);
    const docs = Array.from({ length: 15 }, (_, i) => `{'p': ${i}}`).join(', ');
    for (const s of ['CREATE TABLE Pg', `INSERT INTO Pg << ${docs} >>`, 'SELECT * FROM Pg AS a, Pg AS b']) d.addStatement(s);
    await c.exec(tx, 'CREATE TABLE Pg');
    await c.exec(tx, `INSERT INTO Pg << ${docs} >>`);
    const first = (await c.exec(tx, 'SELECT * FROM Pg AS a, Pg AS b')).ExecuteStatement!;
    assert.equal(first.FirstPage!.Values!.length, 200);
    const token = first.FirstPage!.NextPageToken!;
    assert.match(token, /^[A-Za-z0-9+/=]{4,1024}$/);
    const next = (await c.send({ FetchPage: { TransactionId: tx, NextPageToken: token } })).FetchPage!;
    assert.equal(next.Page!.Values!.length, 25);
    assert.equal(next.Page!.NextPageToken, undefined);
    assert.deepEqual(next.ConsumedIOs, { ReadIOs: 0, WriteIOs: 0 });
    await rejects(c.send({ FetchPage: { TransactionId: tx, NextPageToken: token } }), 'BadRequestException', /NextPageToken/);
    const again = (await c.exec(tx, 'SELECT * FROM Pg AS a, Pg AS b')).ExecuteStatement!;
    d.addStatement('SELECT * FROM Pg AS a, Pg AS b');
    await c.commit(tx, d.digest());
    await rejects(
      c.send({ FetchPage: { TransactionId: tx, NextPageToken: again.FirstPage!.NextPageToken! } }),
      'BadRequestException',
      /not open/,
    );
    await c.send({ EndSession: {} });
  });

  it('binds sessions to their account and ledger; limits sessions per ledger', async () => {
    await rejects(new Raw(server.endpoint).start('no-such-ledger'), 'BadRequestException');
    const a = new Raw(server.endpoint);
    await a.start('limits');
    const other = new Raw(server.endpoint);
    other.token = a.token;
    // with auth off every caller is the default account: the same token works...
    await other.send({ AbortTransaction: {} });
    // ...a made-up one does not
    other.token = Buffer.alloc(48, 7).toString('base64');
    await rejects(other.send({ StartTransaction: {} }), 'InvalidSessionException', /No such session/);
    const extra: Raw[] = [];
    for (let i = 0; i < 3; i++) {
      const r = new Raw(server.endpoint);
      await r.start('limits');
      extra.push(r);
    }
    await rejects(new Raw(server.endpoint).start('limits'), 'LimitExceededException', /4 active sessions/);
    // the limit is per ledger
    const elsewhere = new Raw(server.endpoint);
    await elsewhere.start('sess');
    await elsewhere.send({ EndSession: {} });
    for (const r of [a, ...extra]) await r.send({ EndSession: {} });
  });

  it('ends the sessions of a deleted ledger and drops its data', async () => {
    await createLedger(server.endpoint, 'doomed');
    const c = new Raw(server.endpoint);
    await c.start('doomed');
    const tx = await c.begin();
    const d = new CommitDigest(tx);
    d.addStatement('CREATE TABLE Gone');
    await c.exec(tx, 'CREATE TABLE Gone');
    await c.commit(tx, d.digest());
    const qldb = new QLDBClient({ endpoint: server.endpoint, region: 'us-east-1', credentials: testCredentials, maxAttempts: 1 });
    await qldb.send(new DeleteLedgerCommand({ Name: 'doomed' }));
    await rejects(c.send({ StartTransaction: {} }), 'InvalidSessionException', /No such session/);
    await rejects(new Raw(server.endpoint).start('doomed'), 'BadRequestException');
    // a new ledger of the same name starts empty, with its own strand
    await createLedger(server.endpoint, 'doomed');
    const driver = newDriver(server.endpoint, 'doomed');
    assert.deepEqual(await driver.getTableNames(), []);
    driver.close();
    await qldb.send(new DeleteLedgerCommand({ Name: 'doomed' }));
    qldb.destroy();
  });

  it('expires a transaction with QLDB message; the session stays usable', async () => {
    const c = new Raw(server.endpoint);
    await c.start('sess');
    const before = (await storedBlocks(server, 'sess')).length;
    const tx = await c.begin();
    const d1 = new CommitDigest(tx);
    d1.addStatement(`INSERT INTO Sess {'expired': 1}`);
    await c.exec(tx, `INSERT INTO Sess {'expired': 1}`);
    await new Promise((r) => setTimeout(r, TX_TIMEOUT_MS + 100));
    await rejects(c.exec(tx, 'SELECT * FROM Sess'), 'InvalidSessionException', new RegExp(`^Transaction ${tx} has expired$`));
    // the right digest for what was sent: expiry, not a mismatch, refuses it
    await rejects(c.commit(tx, d1.digest()), 'InvalidSessionException', /has expired/);
    await c.send({ AbortTransaction: {} });
    assert.equal((await storedBlocks(server, 'sess')).length, before, 'the expired transaction left no block');
    const tx2 = await c.begin();
    const d = new CommitDigest(tx2);
    await c.commit(tx2, d.digest());
    await c.send({ EndSession: {} });

    // the driver surfaces expiry to the caller without retrying
    const driver = newDriver(server.endpoint, 'sess');
    const beforeDriver = (await storedBlocks(server, 'sess')).length;
    assert.equal(beforeDriver, before + 1, 'only the empty transaction committed');
    let tries = 0;
    await assert.rejects(
      driver.executeLambda(async (txn) => {
        tries++;
        await txn.execute(`INSERT INTO Sess {'expired': 2}`);
        await new Promise((r) => setTimeout(r, TX_TIMEOUT_MS + 100));
        await txn.execute('SELECT * FROM Sess');
      }),
      (e: any) => e.name === 'InvalidSessionException' && /Transaction .* has expired/.test(e.message),
    );
    assert.equal(tries, 1);
    assert.equal((await storedBlocks(server, 'sess')).length, beforeDriver, 'the expired lambda left no block');
    const r = await driver.executeLambda((txn) => txn.execute('SELECT COUNT(*) FROM Sess'));
    assert.equal(r.getResultList()[0].get('_1')!.numberValue(), 1, 'the row committed by the previous test, no expired one');
    driver.close();
  });

  it('works with /usr/bin/aws qldb-session send-command', async () => {
    const run = (args: string[]) =>
      new Promise<{ code: number; out: any; err: string }>((resolve) =>
        execFile('/usr/bin/aws', ['--endpoint-url', server.endpoint, '--output', 'json', 'qldb-session', 'send-command', ...args], { env: awsEnv() }, (e, out, err) =>
          resolve({ code: e ? 1 : 0, out: out.trim() ? JSON.parse(out) : undefined, err }),
        ),
      );
    const s = await run(['--start-session', 'LedgerName=sess']);
    assert.equal(s.code, 0, s.err);
    const token = s.out.StartSession.SessionToken as string;
    const t = await run(['--session-token', token, '--start-transaction', '{}']);
    assert.equal(t.code, 0, t.err);
    assert.match(t.out.StartTransaction.TransactionId, /^[A-Za-z0-9]{22}$/);
    const bad = await run(['--start-session', 'LedgerName=missing-ledger']);
    assert.match(bad.err, /BadRequestException/);
    const end = await run(['--session-token', token, '--end-session', '{}']);
    assert.equal(end.code, 0, end.err);
  });

  it('an acknowledged commit survives kill -9', async () => {
    const driver = newDriver(server.endpoint, 'sess');
    await driver.executeLambda((txn) => txn.execute(`INSERT INTO Sess {'durable': 1}`));
    const port = server.port;
    await server.kill9();
    await server.restart(['--port', String(port)]);
    // the driver's pooled session died with the server: it gets "No such session", replaces
    // the session and retries, without the caller noticing
    const again = await driver.executeLambda((txn) => txn.execute('SELECT VALUE durable FROM Sess WHERE durable = 1'));
    assert.equal(again.getResultList().length, 1);
    driver.close();
    const d2 = newDriver(server.endpoint, 'sess');
    const r = await d2.executeLambda((txn) => txn.execute('SELECT VALUE durable FROM Sess WHERE durable = 1'));
    assert.equal(r.getResultList().length, 1);
    // new commits chain on after a restart
    await d2.executeLambda((txn) => txn.execute(`INSERT INTO Sess {'durable': 2}`));
    d2.close();
    const { verifyBlock } = await import('../../src/journal/verify');
    let prev: Uint8Array | undefined;
    for (const b of (await storedBlocks(server, 'sess'))) {
      const v = verifyBlock(b, prev);
      assert.ok(v.ok, JSON.stringify(!v.ok && v));
      prev = v.ok ? v.block.blockHash : undefined;
    }
  });
});

/** A SendCommand body as given, for what the SDK's types would not let through. */
function sessionRaw(endpoint: string, body: unknown) {
  return raw(endpoint, 'POST', '/', body, { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'QLDBSession.SendCommand' });
}

// The default 30 s transaction timeout: these transactions carry megabytes of refused input.
describe('session API: refused statements in the digest, wrong JSON types', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
    await createLedger(server.endpoint, 'refusals');
    const driver = newDriver(server.endpoint, 'refusals');
    await driver.executeLambda((txn) => txn.execute('CREATE TABLE Sess'));
    driver.close();
  });
  after(() => server?.dispose());

  it('folds statements refused for their size into the digest, as the driver does before sending', async () => {
    const c = new Raw(server.endpoint);
    await c.start('refusals');
    const before = (await storedBlocks(server, 'refusals')).length;
    const tx = await c.begin();
    const sent: [string, Uint8Array[]][] = [];
    const longStatement = 'SELECT * FROM Sess WHERE a = ' + '1'.padEnd(100_001 - 29, ' ');
    assert.equal(longStatement.length, 100_001);
    await rejects(c.exec(tx, longStatement), 'BadRequestException', /Statement/);
    sent.push([longStatement, []]);
    await rejects(c.send({ ExecuteStatement: { TransactionId: tx, Statement: '' } }), 'BadRequestException', /Statement/);
    sent.push(['', []]);
    const big = dumpBinary({ big: 'x'.repeat(140_000) });
    assert.ok(big.length > 131_072);
    await rejects(c.exec(tx, 'INSERT INTO Sess ?', [{ big: 'x'.repeat(140_000) }]), 'BadRequestException', /IonBinary must be/);
    sent.push(['INSERT INTO Sess ?', [big]]);
    const longText = `"${'y'.repeat(1_048_575)}"`;
    await rejects(
      c.send({ ExecuteStatement: { TransactionId: tx, Statement: 'SELECT * FROM Sess WHERE a = ?', Parameters: [{ IonText: longText }] } }),
      'BadRequestException',
      /IonText must be/,
    );
    sent.push(['SELECT * FROM Sess WHERE a = ?', [dumpBinary(dom.load(longText)!)]]);
    const two = new Uint8Array([0xe0, 0x01, 0x00, 0xea, 0x21, 0x01, 0x21, 0x02]);
    await rejects(
      c.send({ ExecuteStatement: { TransactionId: tx, Statement: 'SELECT * FROM Sess WHERE a = ?', Parameters: [{ IonBinary: two }] } }),
      'BadRequestException',
      /exactly one Ion value, found 2/,
    );
    sent.push(['SELECT * FROM Sess WHERE a = ?', [two]]);
    // not Ion, no value, or the wrong JSON type: no driver sends these, and they do not count
    const notIon = new Uint8Array([0xe0, 0x01, 0x00, 0xea, 0x83, 0x61]);
    await rejects(
      c.send({ ExecuteStatement: { TransactionId: tx, Statement: 'SELECT * FROM Sess WHERE a = ?', Parameters: [{ IonBinary: notIon }] } }),
      'BadRequestException',
      /not valid Ion/,
    );
    await rejects(
      c.send({ ExecuteStatement: { TransactionId: tx, Statement: 'SELECT * FROM Sess WHERE a = ?', Parameters: [{ IonBinary: new Uint8Array([0xe0, 0x01, 0x00, 0xea]) }] } }),
      'BadRequestException',
      /found 0/,
    );
    const wrongType = await sessionRaw(server.endpoint, { SessionToken: c.token, ExecuteStatement: { TransactionId: tx, Statement: 'SELECT * FROM Sess', Parameters: 'x' } });
    assert.equal(wrongType.errorType, 'SerializationException');
    await c.exec(tx, 'INSERT INTO Sess ?', [{ refused: 5 }]);
    sent.push(['INSERT INTO Sess ?', [dumpBinary({ refused: 5 })]]);

    // the digest the driver computes (its own QldbHash) matches
    const expected = driverDigest(tx, sent);
    const ours = new CommitDigest(tx);
    for (const [st, ps] of sent) ours.addStatement(st, ps);
    assert.deepEqual(expected, ours.digest());
    const ok = await c.commit(tx, expected);
    assert.deepEqual(Buffer.from(ok.CommitTransaction!.CommitDigest!), expected);
    const blocks = (await storedBlocks(server, 'refusals'));
    assert.equal(blocks.length, before + 1);
    const statements = dom.load(blocks[blocks.length - 1])!.get('transactionInfo', 'statements')!;
    assert.deepEqual(
      statements.elements().map((e) => e.get('statement')!.stringValue()),
      ['INSERT INTO Sess ?'],
      'only the statement that ran is recorded',
    );
    await c.send({ EndSession: {} });

    // the unchanged driver: a lambda that catches the refusals and goes on commits
    const driver = newDriver(server.endpoint, 'refusals', 0);
    await driver.executeLambda(async (txn) => {
      await assert.rejects(txn.execute(longStatement), (e: any) => e.name === 'BadRequestException');
      await assert.rejects(txn.execute('INSERT INTO Sess ?', { big: 'x'.repeat(140_000) }), (e: any) => e.name === 'BadRequestException');
      await txn.execute('DELETE FROM Sess WHERE refused = 5');
    });
    const left = await driver.executeLambda((txn) => txn.execute('SELECT * FROM Sess WHERE refused = 5'));
    assert.equal(left.getResultList().length, 0);
    driver.close();
  });

  it('answers members of the wrong JSON type with SerializationException, constraint violations with BadRequestException', async () => {
    const c = new Raw(server.endpoint);
    await c.start('refusals');
    const tx = await c.begin();
    const serialization = [
      { StartSession: { LedgerName: ['E'] } },
      { StartSession: 'refusals' },
      { SessionToken: 5, StartTransaction: {} },
      { SessionToken: c.token, StartTransaction: [] },
      { SessionToken: c.token, ExecuteStatement: { TransactionId: 5, Statement: 'SELECT * FROM Sess' } },
      { SessionToken: c.token, ExecuteStatement: { TransactionId: tx, Statement: { s: 1 } } },
      { SessionToken: c.token, ExecuteStatement: { TransactionId: tx, Statement: 'SELECT * FROM Sess', Parameters: 'x' } },
      { SessionToken: c.token, ExecuteStatement: { TransactionId: tx, Statement: 'SELECT * FROM Sess', Parameters: [5] } },
      { SessionToken: c.token, ExecuteStatement: { TransactionId: tx, Statement: 'SELECT * FROM Sess', Parameters: [{ IonText: 7 }] } },
      { SessionToken: c.token, ExecuteStatement: { TransactionId: tx, Statement: 'SELECT * FROM Sess', Parameters: [{ IonBinary: '{{not base64' }] } },
      { SessionToken: c.token, FetchPage: { TransactionId: tx, NextPageToken: 1234 } },
      { SessionToken: c.token, CommitTransaction: { TransactionId: tx, CommitDigest: 32 } },
    ];
    for (const body of serialization) {
      const r = await sessionRaw(server.endpoint, body);
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.equal(r.errorType, 'SerializationException', `${JSON.stringify(body)} → ${r.body}`);
      assert.equal(r.json.__type, 'com.amazonaws.qldbsession#SerializationException');
      assert.equal(typeof r.json.Message, 'string');
    }
    const constraints = [
      { StartSession: { LedgerName: '' } },
      { StartSession: { LedgerName: 'l'.repeat(33) } },
      { SessionToken: 'ab', StartTransaction: {} },
      { SessionToken: 'not a token!', StartTransaction: {} },
      { SessionToken: c.token, ExecuteStatement: { TransactionId: 'short', Statement: 'SELECT * FROM Sess' } },
      { SessionToken: c.token, ExecuteStatement: { TransactionId: tx } },
      { SessionToken: c.token, ExecuteStatement: { TransactionId: tx, Statement: 'SELECT * FROM Sess', Parameters: [{}] } },
      { SessionToken: c.token, CommitTransaction: { TransactionId: tx } },
    ];
    for (const body of constraints) {
      const r = await sessionRaw(server.endpoint, body);
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.equal(r.errorType, 'BadRequestException', `${JSON.stringify(body)} → ${r.body}`);
    }
    // none of them counted in the digest: the transaction still commits with H(txId)
    await c.commit(tx, new CommitDigest(tx).digest());

    // what the SDK makes of it, and the driver's verdict: not retryable
    const e = await rejects(c.client.send(new SendCommandCommand({ StartSession: { LedgerName: ['E'] as any } })), 'SerializationException');
    assert.ok(e instanceof QLDBSessionServiceException, 'the driver classifies SDK service errors only');
    assert.equal(isRetryableException(e, false), false);
    assert.equal(isRetryableException(e, true), false);
    const driver = newDriver(server.endpoint, 'refusals');
    let tries = 0;
    await assert.rejects(
      driver.executeLambda(async (txn) => {
        tries++;
        await txn.execute('SELECT * FROM Sess WHERE a = ?', 'x'.repeat(140_000));
      }),
      (err: any) => err.name === 'BadRequestException',
    );
    assert.equal(tries, 1, 'BadRequest is not retried either');
    driver.close();
    await c.send({ EndSession: {} });
  });
});
