/**
 * Commit throughput and point-SELECT latency, with the official driver against a live server.
 *
 *   npm run bench:commit -- [--workers 64] [--threads 2] [--seconds 10] [--profile DIR]
 *
 * --profile writes the server's CPU profile (node --cpu-prof) into DIR when it stops.
 *
 * 1. insert: `workers` concurrent executeLambda loops (spread over `threads` worker threads,
 *    each with its own QldbDriver) doing single-document INSERT transactions for `seconds`;
 *    prints acknowledged (durable: fsync'd before the answer) transactions per second.
 * 2. select: the same loops doing point SELECTs through the index; prints the server's
 *    TimingInformation (whole ms, as QLDB reports it) and the client round trip, p50/p99.
 * 3. raw-insert: phase 1 from a minimal keep-alive HTTP client (no SDK, no signing).
 * 4. in-process: the session handler called directly (no HTTP, no client): durable INSERT
 *    transactions from `workers` sessions (the commit pipeline's own capacity), then the point
 *    SELECT timed with hrtime — the server's processing time at sub-ms resolution.
 */
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QldbDriver, RetryConfig } from 'amazon-qldb-driver-nodejs';
import { CreateLedgerCommand, QLDBClient } from '@aws-sdk/client-qldb';
import { startServer, testCredentials } from '../test/helpers/server';

interface Job {
  endpoint: string;
  ledger: string;
  phase: 'insert' | 'select' | 'raw-insert';
  workers: number;
  seconds: number;
  thread: number;
  keys: number;
}
interface Report {
  commits: number;
  errors: number;
  serverMs: number[];
  rttMs: number[];
}

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
}

function pct(xs: number[], p: number): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

/**
 * A minimal session-API client over keep-alive node:http (no SDK, no signing), so that the
 * server, not the client, is what the raw phase measures. Sends exactly what the driver sends.
 */
async function rawClient(job: Job): Promise<Report> {
  const http = await import('node:http');
  const { dumpBinary } = await import('ion-js');
  const { CommitDigest } = await import('../src/journal/commitDigest');
  const agent = new http.Agent({ keepAlive: true, maxSockets: job.workers });
  const url = new URL(job.endpoint);
  const headers = {
    'content-type': 'application/x-amz-json-1.0',
    'x-amz-target': 'QLDBSession.SendCommand',
    authorization: 'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/us-east-1/qldb/aws4_request, SignedHeaders=host, Signature=0',
  };
  const send = (body: object) =>
    new Promise<any>((resolve, reject) => {
      const req = http.request({ host: url.hostname, port: url.port, path: '/', method: 'POST', agent, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const out = JSON.parse(Buffer.concat(chunks).toString('utf8'));
          if (res.statusCode !== 200) reject(new Error(`${res.statusCode} ${out.__type}: ${out.Message}`));
          else resolve(out);
        });
      });
      req.on('error', reject);
      req.end(JSON.stringify(body));
    });
  const report: Report = { commits: 0, errors: 0, serverMs: [], rttMs: [] };
  const end = Date.now() + job.seconds * 1000;
  const stmt = 'INSERT INTO Bench ?';
  const loop = async (w: number) => {
    const token = (await send({ StartSession: { LedgerName: job.ledger } })).StartSession.SessionToken;
    let n = 0;
    while (Date.now() < end) {
      try {
        const id = (await send({ SessionToken: token, StartTransaction: {} })).StartTransaction.TransactionId;
        const param = dumpBinary({ k: `r${job.thread}w${w}n${n++}`, v: n });
        const d = new CommitDigest(id);
        d.addStatement(stmt, [param]);
        await send({
          SessionToken: token,
          ExecuteStatement: { TransactionId: id, Statement: stmt, Parameters: [{ IonBinary: Buffer.from(param).toString('base64') }] },
        });
        await send({ SessionToken: token, CommitTransaction: { TransactionId: id, CommitDigest: d.digest().toString('base64') } });
        report.commits++;
      } catch (e) {
        report.errors++;
        if (report.errors < 3) console.error(String(e));
      }
    }
    await send({ SessionToken: token, EndSession: {} });
  };
  await Promise.all(Array.from({ length: job.workers }, (_, w) => loop(w)));
  agent.destroy();
  return report;
}

async function client(job: Job): Promise<Report> {
  if (job.phase === 'raw-insert') return rawClient(job);
  const driver = new QldbDriver(
    job.ledger,
    { endpoint: job.endpoint, region: 'us-east-1', credentials: testCredentials },
    { httpAgent: new (require('node:http').Agent)({ keepAlive: true, maxSockets: job.workers }) } as any,
    job.workers,
    new RetryConfig(10),
  );
  const report: Report = { commits: 0, errors: 0, serverMs: [], rttMs: [] };
  const end = Date.now() + job.seconds * 1000;
  const loop = async (w: number) => {
    let n = 0;
    while (Date.now() < end) {
      try {
        if (job.phase === 'insert') {
          await driver.executeLambda((txn) => txn.execute('INSERT INTO Bench ?', { k: `t${job.thread}w${w}n${n++}`, v: n }));
        } else {
          const key = `seed${Math.floor(Math.random() * job.keys)}`;
          await driver.executeLambda(async (txn) => {
            const t0 = process.hrtime.bigint();
            const r = await txn.execute('SELECT * FROM Bench WHERE k = ?', key);
            report.rttMs.push(Number(process.hrtime.bigint() - t0) / 1e6);
            report.serverMs.push(r.getTimingInformation()?.getProcessingTimeMilliseconds() ?? NaN);
            if (r.getResultList().length !== 1) throw new Error(`expected one row for ${key}`);
          });
        }
        report.commits++;
      } catch (e) {
        report.errors++;
        if (report.errors < 3) console.error(String(e));
      }
    }
  };
  await Promise.all(Array.from({ length: job.workers }, (_, w) => loop(w)));
  driver.close();
  return report;
}

if (!isMainThread) {
  client(workerData as Job).then((r) => parentPort!.postMessage(r));
} else {
  void main();
}

function runPhase(base: Omit<Job, 'thread' | 'workers'>, workers: number, threads: number): Promise<Report> {
  const per = Math.ceil(workers / threads);
  return Promise.all(
    Array.from(
      { length: threads },
      (_, thread) =>
        new Promise<Report>((resolve, reject) => {
          const w = new Worker(__filename, { workerData: { ...base, workers: per, thread } });
          w.once('message', resolve);
          w.once('error', reject);
        }),
    ),
  ).then((rs) => ({
    commits: rs.reduce((a, r) => a + r.commits, 0),
    errors: rs.reduce((a, r) => a + r.errors, 0),
    serverMs: rs.flatMap((r) => r.serverMs),
    rttMs: rs.flatMap((r) => r.rttMs),
  }));
}

async function inProcess(
  keys: number,
  iterations: number,
  insertWorkers: number,
  insertSeconds: number,
): Promise<{ times: number[]; commitRate: number; batches: { batches: number; commits: number; maxBatch: number } }> {
  const { loadConfig } = await import('../src/config');
  const { quietApp } = await import('../src/app');
  const { handle } = await import('../src/api/session/sendCommand');
  const dir = mkdtempSync(join(tmpdir(), 'openqldb-bench-'));
  const app = await quietApp(loadConfig(['--data-dir', dir, '--ledger-state-delay', '0'], {}));
  const caller = { accountId: app.config.accountId, region: app.config.region };
  await app.ledgers.create(caller, { name: 'inproc', permissionsMode: 'STANDARD' });
  const ctx = { caller, app, requestId: 'bench' };
  const send = (body: object) => handle(body, ctx) as Promise<any>;
  const { dumpBinary } = await import('ion-js');
  const { CommitDigest } = await import('../src/journal/commitDigest');
  const token = (await send({ StartSession: { LedgerName: 'inproc' } })).StartSession.SessionToken;
  const tx = async (stmts: [string, Uint8Array[]][]) => {
    const id = (await send({ SessionToken: token, StartTransaction: {} })).StartTransaction.TransactionId;
    const d = new CommitDigest(id);
    for (const [s, p] of stmts) {
      d.addStatement(s, p);
      await send({
        SessionToken: token,
        ExecuteStatement: { TransactionId: id, Statement: s, Parameters: p.map((b) => ({ IonBinary: Buffer.from(b).toString('base64') })) },
      });
    }
    await send({ SessionToken: token, CommitTransaction: { TransactionId: id, CommitDigest: d.digest().toString('base64') } });
  };
  await tx([['CREATE TABLE Bench', []]]);
  await tx([['CREATE INDEX ON Bench (k)', []]]);
  for (let i = 0; i < keys; i += 40) {
    const batch: [string, Uint8Array[]][] = [];
    for (let j = i; j < Math.min(keys, i + 40); j++) batch.push(['INSERT INTO Bench ?', [dumpBinary({ k: `seed${j}`, v: j })]]);
    await tx(batch);
  }
  // durable INSERT transactions through the handler from `workers` sessions at once: the
  // server's own commit capacity (group commit + fsync), without HTTP or a client
  const sessions = await Promise.all(
    Array.from({ length: insertWorkers }, async () => (await send({ StartSession: { LedgerName: 'inproc' } })).StartSession.SessionToken as string),
  );
  let committed = 0;
  const insertEnd = Date.now() + insertSeconds * 1000;
  await Promise.all(
    sessions.map(async (tok, w) => {
      for (let n = 0; Date.now() < insertEnd; n++) {
        const txId = (await send({ SessionToken: tok, StartTransaction: {} })).StartTransaction.TransactionId;
        const p = dumpBinary({ k: `w${w}n${n}`, v: n });
        const d = new CommitDigest(txId);
        d.addStatement('INSERT INTO Bench ?', [p]);
        await send({
          SessionToken: tok,
          ExecuteStatement: { TransactionId: txId, Statement: 'INSERT INTO Bench ?', Parameters: [{ IonBinary: Buffer.from(p).toString('base64') }] },
        });
        await send({ SessionToken: tok, CommitTransaction: { TransactionId: txId, CommitDigest: d.digest().toString('base64') } });
        committed++;
      }
    }),
  );
  const commitRate = committed / insertSeconds;
  const batches = app.txn.pipeline.stats;

  const times: number[] = [];
  let id: string = (await send({ SessionToken: token, StartTransaction: {} })).StartTransaction.TransactionId;
  for (let i = 0; i < iterations; i++) {
    const p = Buffer.from(dumpBinary(`seed${i % keys}`)).toString('base64');
    const t0 = process.hrtime.bigint();
    await send({
      SessionToken: token,
      ExecuteStatement: { TransactionId: id, Statement: 'SELECT * FROM Bench WHERE k = ?', Parameters: [{ IonBinary: p }] },
    });
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    if (i % 1000 === 999) {
      // stay far from the transaction timeout and the 4 MB page memory
      await send({ SessionToken: token, AbortTransaction: {} });
      id = (await send({ SessionToken: token, StartTransaction: {} })).StartTransaction.TransactionId;
    }
  }
  await app.close();
  rmSync(dir, { recursive: true, force: true });
  return { times, commitRate, batches };
}

async function main(): Promise<void> {
  const workers = arg('workers', 64);
  const threads = arg('threads', 2);
  const seconds = arg('seconds', 10);
  const keys = 1000;
  const profileAt = process.argv.indexOf('--profile');
  const nodeArgs = profileAt >= 0 ? ['--cpu-prof', `--cpu-prof-dir=${process.argv[profileAt + 1]}`] : [];
  const server = await startServer(['--log-requests', 'false', '--max-sessions', '3000'], { nodeArgs });
  try {
    const qldb = new QLDBClient({ endpoint: server.endpoint, region: 'us-east-1', credentials: testCredentials });
    await qldb.send(new CreateLedgerCommand({ Name: 'bench', PermissionsMode: 'STANDARD', DeletionProtection: false }));
    qldb.destroy();
    const setup = new QldbDriver('bench', { endpoint: server.endpoint, region: 'us-east-1', credentials: testCredentials });
    await setup.executeLambda((t) => t.execute('CREATE TABLE Bench'));
    await setup.executeLambda((t) => t.execute('CREATE INDEX ON Bench (k)'));
    for (let i = 0; i < keys; i += 40) {
      await setup.executeLambda(async (t) => {
        const docs = [];
        for (let j = i; j < Math.min(keys, i + 40); j++) docs.push({ k: `seed${j}`, v: j });
        await t.execute('INSERT INTO Bench ?', docs);
      });
    }
    setup.close();

    console.log(`openqldb commit benchmark: ${workers} concurrent driver loops over ${threads} client threads, ${seconds}s per phase`);
    const base = { endpoint: server.endpoint, ledger: 'bench', seconds, keys };
    const ins = await runPhase({ ...base, phase: 'insert' }, workers, threads);
    console.log(
      `insert: ${ins.commits} durable single-document INSERT transactions in ${seconds}s = ${(ins.commits / seconds).toFixed(0)} tx/s (errors ${ins.errors})`,
    );
    const raw = await runPhase({ ...base, phase: 'raw-insert' }, workers, threads);
    console.log(
      `raw-insert: the same transactions from a minimal HTTP client (no SDK, no signing): ${(raw.commits / seconds).toFixed(0)} tx/s (errors ${raw.errors})`,
    );
    const sel = await runPhase({ ...base, phase: 'select' }, workers, threads);
    console.log(
      `select: ${(sel.commits / seconds).toFixed(0)} point-SELECT transactions/s; ExecuteStatement server time (TimingInformation, whole ms) ` +
        `p50 ${pct(sel.serverMs, 50)} ms, p99 ${pct(sel.serverMs, 99)} ms; client round trip p50 ${pct(sel.rttMs, 50).toFixed(2)} ms, p99 ${pct(sel.rttMs, 99).toFixed(2)} ms (errors ${sel.errors})`,
    );
  } finally {
    await server.stop(); // a clean stop, so that --profile gets written
    await server.dispose();
  }
  const r = await inProcess(keys, 20_000, workers, seconds);
  console.log(
    `in-process insert: ${workers} sessions through the session handler (no HTTP, no client): ${r.commitRate.toFixed(0)} durable tx/s ` +
      `(${r.batches.commits} commits in ${r.batches.batches} fsync'd batches, largest ${r.batches.maxBatch})`,
  );
  console.log(
    `in-process select: point SELECT through the session handler: p50 ${pct(r.times, 50).toFixed(3)} ms, p99 ${pct(r.times, 99).toFixed(3)} ms over ${r.times.length} statements`,
  );
}
