/**
 * The session API through @aws-sdk/client-qldb-session directly, the AWS CLI and the driver:
 * commit digests, transaction and session errors, expiry, paging tokens, durability.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { dom, dumpBinary } from 'ion-js';
import { QLDBSessionClient, SendCommandCommand, type SendCommandCommandInput } from '@aws-sdk/client-qldb-session';
import { DeleteLedgerCommand, QLDBClient } from '@aws-sdk/client-qldb';
import { startServer, testCredentials, awsEnv, type TestServer } from '../helpers/server';
import { CommitDigest } from '../../src/journal/commitDigest';
import { createLedger, newDriver, storedBlocks } from './sessionHelpers';

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

describe('session API via @aws-sdk/client-qldb-session and the AWS CLI', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer(['--transaction-timeout', '400ms', '--max-sessions', '4']);
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

    const before = storedBlocks(server.dataDir, 'sess').length;
    tx = await c.begin();
    d = new CommitDigest(tx);
    const doc = { a: 1 };
    d.addStatement('INSERT INTO Sess ?', [dumpBinary(doc)]);
    const ins = await c.exec(tx, 'INSERT INTO Sess ?', [doc]);
    assert.deepEqual(ins.ExecuteStatement!.ConsumedIOs, { ReadIOs: 0, WriteIOs: 1 });
    await rejects(c.commit(tx, new CommitDigest(tx).digest()), 'BadRequestException', /CommitDigest/);
    await rejects(c.commit(tx, Buffer.alloc(32)), 'BadRequestException');
    assert.equal(storedBlocks(server.dataDir, 'sess').length, before, 'nothing committed');
    await c.send({ AbortTransaction: {} });
    await rejects(c.commit(tx, d.digest()), 'BadRequestException', /not open/);
    assert.equal(storedBlocks(server.dataDir, 'sess').length, before);
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
    const tx = await c.begin();
    await new Promise((r) => setTimeout(r, 500));
    await rejects(c.exec(tx, 'SELECT * FROM Sess'), 'InvalidSessionException', new RegExp(`^Transaction ${tx} has expired$`));
    await rejects(c.commit(tx, new CommitDigest(tx).digest()), 'InvalidSessionException', /has expired/);
    await c.send({ AbortTransaction: {} });
    const tx2 = await c.begin();
    const d = new CommitDigest(tx2);
    await c.commit(tx2, d.digest());
    await c.send({ EndSession: {} });

    // the driver surfaces expiry to the caller without retrying
    const driver = newDriver(server.endpoint, 'sess');
    let tries = 0;
    await assert.rejects(
      driver.executeLambda(async (txn) => {
        tries++;
        await new Promise((r) => setTimeout(r, 500));
        await txn.execute('SELECT * FROM Sess');
      }),
      (e: any) => e.name === 'InvalidSessionException' && /Transaction .* has expired/.test(e.message),
    );
    assert.equal(tries, 1);
    const r = await driver.executeLambda((txn) => txn.execute('SELECT COUNT(*) FROM Sess'));
    assert.equal(r.getResultList()[0].get('_1')!.numberValue(), 1, 'the row committed by the previous test');
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
    for (const b of storedBlocks(server.dataDir, 'sess')) {
      const v = verifyBlock(b, prev);
      assert.ok(v.ok, JSON.stringify(!v.ok && v));
      prev = v.ok ? v.block.blockHash : undefined;
    }
  });
});
