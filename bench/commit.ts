/**
 * Commit throughput and point-SELECT latency on SQLite and PostgreSQL, each figure next to a
 * baseline measured in the same run (these machines are shared and noisy: compare ratios).
 *
 *   npm run bench:commit -- [--workers 64] [--threads 2] [--seconds 10] [--profile DIR]
 *                           [--in-process-only] [--raw-only] [--no-postgres] [--selects 20000]
 *
 * --raw-only runs only the minimal client's phases (SQLite server, bare node:http), for profiling
 * the HTTP path.
 * --profile writes the SQLite server's CPU profile (node --cpu-prof) into DIR when it stops, and
 * the in-process insert phase's own profile (timed phase only) as DIR/in-process-insert.cpuprofile.
 * PostgreSQL: OPENQLDB_BENCH_DATABASE_URL's server, or else a throwaway cluster started through
 * scripts/pg-cluster.js (skipped, saying so, when no PostgreSQL binaries are installed).
 *
 * Baselines: the disk's write+fsync rate (a 4 MB file beside the databases); the minimal
 * client's own requests answered by a bare node:http server; PostgreSQL's own one-round-trip
 * `BEGIN; INSERT; COMMIT` rate from node-postgres.
 * SQLite server (child process, as users run it):
 * 1. insert: `workers` concurrent executeLambda loops (spread over `threads` worker threads,
 *    each with its own QldbDriver) doing single-document INSERT transactions for `seconds`;
 *    prints acknowledged (durable: fsync'd before the answer) transactions per second.
 * 2. raw-insert: phase 1 from a minimal HTTP client (no SDK, no signing, one raw keep-alive
 *    connection per loop, documents and their hashes prepared before the clock starts).
 * 3. select: the driver loops doing point SELECTs through the index; prints the server's
 *    TimingInformation (whole ms, as QLDB reports it) and the client round trip, p50/p99.
 * In-process (the session handler called directly, no HTTP, no client: the documents and their
 * hashes are prepared before the timed phase), on SQLite and then on
 * PostgreSQL: durable INSERT transactions from `workers` sessions (the commit pipeline's own
 * capacity, with CPU per commit and event-loop utilisation), then the point SELECT timed with
 * hrtime — the server's processing time at sub-ms resolution.
 * PostgreSQL server: raw-insert as above, and its ratio to SQLite's.
 */
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QldbDriver, RetryConfig } from 'amazon-qldb-driver-nodejs';
import { CreateLedgerCommand, QLDBClient } from '@aws-sdk/client-qldb';
import { startServer, testCredentials } from '../test/helpers/server';

interface Job {
  endpoint: string;
  ledger: string;
  /** raw-bare: the raw client's requests against a bare node:http server (the HTTP baseline) */
  phase: 'insert' | 'select' | 'raw-insert' | 'raw-bare';
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

const INSERT = 'INSERT INTO Bench ?';

/**
 * The client's share of the timed INSERT transactions, done before the clock starts (encoding
 * each document with ion-js and hashing it for the CommitDigest): per loop, a pool of distinct
 * documents cycled. Per transaction the client then only hashes the transaction id, as a driver
 * must.
 */
async function insertPools(loops: number, size: number, keyPrefix: string) {
  const { dumpBinary } = await import('ion-js');
  const { dot } = await import('../src/journal/hash');
  const { ionHash, ionHashString } = await import('../src/journal/ionHash');
  const insertHash = ionHashString(INSERT);
  const pools = Array.from({ length: loops }, (_, w) =>
    Array.from({ length: size }, (_, n) => {
      const p = dumpBinary({ k: `${keyPrefix}w${w}n${n}`, v: n });
      return { base64: Buffer.from(p).toString('base64'), statementHash: dot(insertHash, ionHash(p)) };
    }),
  );
  return {
    /** the ExecuteStatement of loop `w`'s `n`th transaction */
    statement: (txId: string, w: number, n: number) => ({ TransactionId: txId, Statement: INSERT, Parameters: [{ IonBinary: pools[w][n % size].base64 }] }),
    /** the CommitDigest of that transaction, base64 */
    digest: (txId: string, w: number, n: number) => dot(ionHashString(txId), pools[w][n % size].statementHash).toString('base64'),
  };
}

/**
 * One keep-alive HTTP/1.1 connection carrying one request at a time: each request is written
 * from a template and its answer read by its Content-Length. node:http's client cost about as
 * much CPU per request as the server answering it, and the two share this machine's two cores.
 */
class Connection {
  private readonly socket: import('node:net').Socket;
  private pending: Buffer = Buffer.alloc(0);
  private waiting?: { resolve(v: { status: number; body: any }): void; reject(e: Error): void };
  private readonly ready: Promise<void>;

  constructor(
    url: URL,
    private readonly head: string,
  ) {
    const net = require('node:net') as typeof import('node:net');
    this.socket = net.connect(Number(url.port), url.hostname);
    this.socket.setNoDelay(true);
    this.ready = new Promise((resolve, reject) => {
      this.socket.once('connect', () => resolve());
      this.socket.once('error', reject);
    });
    this.socket.on('data', (c: Buffer) => this.read(c));
    this.socket.on('error', (e) => this.waiting?.reject(e));
    this.socket.on('close', () => this.waiting?.reject(new Error('connection closed')));
  }

  async send(body: string): Promise<{ status: number; body: any }> {
    await this.ready;
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
      this.socket.write(`${this.head}${Buffer.byteLength(body)}\r\n\r\n${body}`);
    });
  }

  private read(chunk: Buffer): void {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    const headEnd = this.pending.indexOf('\r\n\r\n');
    if (headEnd < 0) return;
    const head = this.pending.toString('latin1', 0, headEnd);
    const length = /\r\ncontent-length: *(\d+)/i.exec(head);
    if (!length) throw new Error(`an answer without Content-Length: ${head}`);
    const bodyEnd = headEnd + 4 + Number(length[1]);
    if (this.pending.length < bodyEnd) return;
    const body = JSON.parse(this.pending.toString('utf8', headEnd + 4, bodyEnd));
    this.pending = this.pending.subarray(bodyEnd);
    const w = this.waiting!;
    this.waiting = undefined;
    w.resolve({ status: Number(head.slice(9, 12)), body });
  }

  close(): void {
    this.socket.destroy();
  }
}

/**
 * A minimal session-API client (no SDK, no signing; a raw keep-alive connection per loop), so
 * that the server, not the client, is what the raw phase measures. Sends what the driver sends.
 * As in the in-process phase, the documents and their hashes for the CommitDigest are prepared
 * before the clock starts; per transaction the client hashes only the transaction id.
 */
async function rawClient(job: Job): Promise<Report> {
  const url = new URL(job.endpoint);
  const head =
    `POST / HTTP/1.1\r\nHost: ${url.host}\r\nContent-Type: application/x-amz-json-1.0\r\nX-Amz-Target: QLDBSession.SendCommand\r\n` +
    'Authorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/us-east-1/qldb/aws4_request, SignedHeaders=host, Signature=0\r\n' +
    'Content-Length: ';
  const inserts = await insertPools(job.workers, 200, `r${job.thread}`);
  const report: Report = { commits: 0, errors: 0, serverMs: [], rttMs: [] };
  // against the bare server the answers carry no token or id: the same requests with stand-ins
  const bare = job.phase === 'raw-bare';
  const end = Date.now() + job.seconds * 1000;
  const loop = async (w: number) => {
    const connection = new Connection(url, head);
    const send = async (body: object) => {
      const { status, body: out } = await connection.send(JSON.stringify(body));
      if (status !== 200) throw new Error(`${status} ${out.__type}: ${out.Message}`);
      return out;
    };
    try {
      const started = await send({ StartSession: { LedgerName: job.ledger } });
      const token = bare ? 'bareSessionToken' : started.StartSession.SessionToken;
      for (let n = 0; Date.now() < end; n++) {
        try {
          const begun = await send({ SessionToken: token, StartTransaction: {} });
          const id = bare ? 'bareTransactionId00000' : begun.StartTransaction.TransactionId;
          await send({ SessionToken: token, ExecuteStatement: inserts.statement(id, w, n) });
          await send({ SessionToken: token, CommitTransaction: { TransactionId: id, CommitDigest: inserts.digest(id, w, n) } });
          report.commits++;
        } catch (e) {
          report.errors++;
          if (report.errors < 3) console.error(String(e));
        }
      }
      await send({ SessionToken: token, EndSession: {} });
    } finally {
      connection.close();
    }
  };
  await Promise.all(Array.from({ length: job.workers }, (_, w) => loop(w)));
  return report;
}

async function client(job: Job): Promise<Report> {
  if (job.phase === 'raw-insert' || job.phase === 'raw-bare') return rawClient(job);
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
          await driver.executeLambda((txn) => txn.execute(INSERT, { k: `t${job.thread}w${w}n${n++}`, v: n }));
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

interface InProcessResult {
  times: number[];
  commitRate: number;
  batches: { batches: number; commits: number; maxBatch: number };
  /** main-thread CPU (user + system of the whole process) per durable commit, µs */
  cpuUsPerCommit: number;
  /** event-loop utilisation during the insert phase: near 1 = the main thread is the bound */
  elu: number;
}

/**
 * The session handler called directly on an App opened with `configArgs` (a SQLite data
 * directory or --database-url): durable INSERTs from `insertWorkers` sessions, then point SELECTs
 * timed with hrtime.
 */
async function inProcess(configArgs: string[], keys: number, iterations: number, insertWorkers: number, insertSeconds: number): Promise<InProcessResult> {
  const { loadConfig } = await import('../src/config');
  const { quietApp } = await import('../src/app');
  const { handle } = await import('../src/api/session/sendCommand');
  const app = await quietApp(loadConfig([...configArgs, '--ledger-state-delay', '0'], {}));
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
    for (let j = i; j < Math.min(keys, i + 40); j++) batch.push([INSERT, [dumpBinary({ k: `seed${j}`, v: j })]]);
    await tx(batch);
  }
  // durable INSERT transactions through the handler from `workers` sessions at once: the
  // server's own commit capacity (group commit + fsync), without HTTP or a client
  const sessions = await Promise.all(
    Array.from({ length: insertWorkers }, async () => (await send({ StartSession: { LedgerName: 'inproc' } })).StartSession.SessionToken as string),
  );
  const inserts = await insertPools(sessions.length, 400, '');
  let committed = 0;
  const before = { ...app.txn.pipeline.stats };
  const profiler = await phaseProfiler();
  const cpu0 = process.cpuUsage();
  const elu0 = performance.eventLoopUtilization();
  const insertEnd = Date.now() + insertSeconds * 1000;
  await Promise.all(
    sessions.map(async (tok, w) => {
      for (let n = 0; Date.now() < insertEnd; n++) {
        const txId = (await send({ SessionToken: tok, StartTransaction: {} })).StartTransaction.TransactionId;
        await send({ SessionToken: tok, ExecuteStatement: inserts.statement(txId, w, n) });
        await send({ SessionToken: tok, CommitTransaction: { TransactionId: txId, CommitDigest: inserts.digest(txId, w, n) } });
        committed++;
      }
    }),
  );
  const cpu = process.cpuUsage(cpu0);
  const elu = performance.eventLoopUtilization(elu0).utilization;
  await profiler?.stop(`${configArgs.includes('--database-url') ? 'postgres' : 'sqlite'}-in-process-insert`);
  const commitRate = committed / insertSeconds;
  const after = app.txn.pipeline.stats;
  const batches = { batches: after.batches - before.batches, commits: after.commits - before.commits, maxBatch: after.maxBatch };

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
  return { times, commitRate, batches, cpuUsPerCommit: (cpu.user + cpu.system) / Math.max(1, committed), elu };
}

/** With --profile DIR, a CPU profile of this thread from now until `stop`, written to DIR/<name>.cpuprofile. */
async function phaseProfiler(): Promise<{ stop(name: string): Promise<void> } | undefined> {
  const at = process.argv.indexOf('--profile');
  if (at < 0) return undefined;
  const { Session } = await import('node:inspector/promises');
  const { writeFileSync, mkdirSync } = await import('node:fs');
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return {
    async stop(name: string) {
      const { profile } = await session.post('Profiler.stop');
      session.disconnect();
      mkdirSync(process.argv[at + 1], { recursive: true });
      writeFileSync(join(process.argv[at + 1], `${name}.cpuprofile`), JSON.stringify(profile));
    },
  };
}

/**
 * The disk's own durable-append rate, the SQLite commit path's floor: a file of a WAL's size
 * (4 MB, SQLite's default checkpoint point) in the same directory as the bench's databases,
 * rewritten one 4 KB page at a time, each write followed by an fsync, as walSync does.
 */
function fsyncRate(dir: string, seconds: number): { perSecond: number; ms: number } {
  const { openSync, writeSync, fsyncSync, closeSync } = require('node:fs') as typeof import('node:fs');
  const file = join(dir, 'fsync-probe');
  const fd = openSync(file, 'w+');
  const size = 4 << 20;
  const page = Buffer.alloc(4096, 7);
  for (let off = 0; off < size; off += page.length) writeSync(fd, page, 0, page.length, off);
  fsyncSync(fd);
  let n = 0;
  const t0 = performance.now();
  const end = t0 + seconds * 1000;
  while (performance.now() < end) {
    writeSync(fd, page, 0, page.length, (n * page.length) % size);
    fsyncSync(fd);
    n++;
  }
  const elapsed = performance.now() - t0;
  closeSync(fd);
  rmSync(file, { force: true });
  return { perSecond: (n * 1000) / elapsed, ms: elapsed / n };
}

/** A throwaway PostgreSQL: OPENQLDB_BENCH_DATABASE_URL's server, or one started by scripts/pg-cluster.js. */
async function postgresServer(): Promise<{ url: string; stop(): Promise<void> } | undefined> {
  const given = process.env.OPENQLDB_BENCH_DATABASE_URL;
  if (given) return { url: given, stop: async () => {} };
  const { spawn } = await import('node:child_process');
  const script = join(__dirname, '..', '..', 'scripts', 'pg-cluster.js');
  const child = spawn(process.execPath, [script, '--print'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  let err = '';
  child.stderr!.on('data', (c: Buffer) => (err += c.toString('utf8')));
  const url = await new Promise<string | undefined>((resolve) => {
    let out = '';
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString('utf8');
      const line = out.split('\n').find((l) => l.startsWith('postgres'));
      if (line) resolve(line.trim());
    });
    child.once('exit', () => resolve(undefined));
  });
  if (!url) {
    console.log(`PostgreSQL phases skipped: scripts/pg-cluster.js could not start a server:\n${err.trim()}`);
    return undefined;
  }
  return {
    url,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** A fresh database on `url`'s server, and a function that drops it. */
async function freshPgDatabase(url: string, name: string): Promise<{ url: string; drop(): Promise<void> }> {
  const { connectClient } = await import('../src/storage/postgres/db');
  const admin = async (sql: string) => {
    const c = await connectClient(url);
    try {
      await c.query(sql);
    } finally {
      await c.end();
    }
  };
  const db = `openqldb_bench_${name}_${process.pid}`;
  await admin(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
  await admin(`CREATE DATABASE ${db}`);
  const u = new URL(url);
  u.pathname = `/${db}`;
  return { url: u.toString(), drop: () => admin(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`) };
}

/**
 * PostgreSQL's own durable single-row transaction rate from node-postgres: `workers` loops over
 * a pool of as many connections as openqldb's store opens (node-postgres' default, 10), each
 * sending `BEGIN; INSERT …; COMMIT` in one round trip. The floor under openqldb's commits on
 * PostgreSQL, which cost two round trips per batch on one connection.
 */
async function pgCommitRate(url: string, workers: number, seconds: number): Promise<{ rate: number; roundTripMs: number }> {
  const pg = (await import('pg')).default;
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  // pool.end() resolves before every connection has closed, and dropping the database then ends
  // the stragglers with 57P01: an error on an idle client of a pool that is done, not a failure
  pool.on('error', () => {});
  // one round trip's latency, what a point SELECT on PostgreSQL waits for once per read it faults on
  const one = await pool.connect();
  const trips: number[] = [];
  for (let i = 0; i < 2000; i++) {
    const t0 = process.hrtime.bigint();
    await one.query('SELECT 1');
    trips.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  one.release();
  await pool.query('CREATE TABLE bench_baseline (k text PRIMARY KEY, v bytea NOT NULL)');
  const value = Buffer.alloc(200, 1).toString('hex');
  let n = 0;
  const end = Date.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: workers }, async (_, w) => {
      for (let i = 0; Date.now() < end; i++) {
        await pool.query(`BEGIN; INSERT INTO bench_baseline (k, v) VALUES ('w${w}n${i}', '\\x${value}'); COMMIT`);
        n++;
      }
    }),
  );
  await pool.end();
  return { rate: n / seconds, roundTripMs: pct(trips, 50) };
}

/** Creates the ledger, table, index and `keys` seed documents through the official driver. */
/** Commits and batches so far, from the server's /metrics (openqldb_commit_batch_size). */
async function batchTotals(endpoint: string): Promise<{ commits: number; batches: number; fsyncSeconds: number }> {
  const text = await (await fetch(new URL('/metrics', endpoint))).text();
  const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
  return {
    commits: value('openqldb_commit_batch_size_sum'),
    batches: value('openqldb_commit_batch_size_count'),
    fsyncSeconds: value('openqldb_fsync_duration_seconds_sum'),
  };
}

async function setUpLedger(endpoint: string, keys: number): Promise<void> {
  const qldb = new QLDBClient({ endpoint, region: 'us-east-1', credentials: testCredentials });
  await qldb.send(new CreateLedgerCommand({ Name: 'bench', PermissionsMode: 'STANDARD', DeletionProtection: false }));
  qldb.destroy();
  const setup = new QldbDriver('bench', { endpoint, region: 'us-east-1', credentials: testCredentials });
  await setup.executeLambda((t) => t.execute('CREATE TABLE Bench'));
  await setup.executeLambda((t) => t.execute('CREATE INDEX ON Bench (k)'));
  for (let i = 0; i < keys; i += 40) {
    await setup.executeLambda(async (t) => {
      const docs = [];
      for (let j = i; j < Math.min(keys, i + 40); j++) docs.push({ k: `seed${j}`, v: j });
      await t.execute(INSERT, docs);
    });
  }
  setup.close();
}

const f0 = (x: number) => x.toFixed(0);
const f2 = (x: number) => x.toFixed(2);
const f3 = (x: number) => x.toFixed(3);

async function main(): Promise<void> {
  const workers = arg('workers', 64);
  const threads = arg('threads', 2);
  const seconds = arg('seconds', 10);
  const keys = 1000;
  const flag = (name: string) => process.argv.includes(`--${name}`);
  const profileAt = process.argv.indexOf('--profile');
  const nodeArgs = profileAt >= 0 ? ['--cpu-prof', `--cpu-prof-dir=${process.argv[profileAt + 1]}`] : [];
  const withHttp = !flag('in-process-only');
  const rawOnly = flag('raw-only');
  const withPostgres = !flag('no-postgres');
  const { cpus, loadavg } = await import('node:os');
  console.log(
    `openqldb commit benchmark: ${workers} concurrent loops over ${threads} client threads, ${seconds}s per phase; ` +
      `${cpus().length} cores, load average ${loadavg().map(f2).join(' ')} at the start`,
  );
  const dir = mkdtempSync(join(tmpdir(), 'openqldb-bench-'));
  const summary: string[] = [];
  try {
    const disk = fsyncRate(dir, Math.min(3, seconds));
    console.log(`baseline fsync: ${f0(disk.perSecond)} write+fsync/s of a 4 MB file in ${tmpdir()} (${f3(disk.ms)} ms each)`);

    let sqliteRaw = NaN;
    let bareRate = NaN;
    if (withHttp) {
      const server = await startServer(['--log-requests', 'false', '--max-sessions', '3000'], { nodeArgs, store: 'sqlite' });
      try {
        await setUpLedger(server.endpoint, keys);
        const base = { endpoint: server.endpoint, ledger: 'bench', seconds, keys };
        if (!rawOnly) {
          const ins = await runPhase({ ...base, phase: 'insert' }, workers, threads);
          console.log(
            `sqlite insert: ${ins.commits} durable single-document INSERT transactions through the official driver in ${seconds}s = ${f0(ins.commits / seconds)} tx/s (errors ${ins.errors})`,
          );
        }
        const before = await batchTotals(server.endpoint);
        const raw = await runPhase({ ...base, phase: 'raw-insert' }, workers, threads);
        const after = await batchTotals(server.endpoint);
        sqliteRaw = raw.commits / seconds;
        console.log(
          `sqlite raw-insert: the same transactions from a minimal HTTP client (no SDK, no signing): ${f0(sqliteRaw)} tx/s (errors ${raw.errors}); ` +
            `batches of ${((after.commits - before.commits) / Math.max(1, after.batches - before.batches)).toFixed(1)} on average, ` +
            `${f2(((after.fsyncSeconds - before.fsyncSeconds) * 1000) / Math.max(1, after.batches - before.batches))} ms from written to durable`,
        );
        if (!rawOnly) {
          const sel = await runPhase({ ...base, phase: 'select' }, workers, threads);
          console.log(
            `sqlite select: ${f0(sel.commits / seconds)} point-SELECT transactions/s; ExecuteStatement server time (TimingInformation, whole ms) ` +
              `p50 ${pct(sel.serverMs, 50)} ms, p99 ${pct(sel.serverMs, 99)} ms; client round trip p50 ${f2(pct(sel.rttMs, 50))} ms, p99 ${f2(pct(sel.rttMs, 99))} ms (errors ${sel.errors})`,
          );
        }
      } finally {
        await server.stop(); // a clean stop, so that --profile gets written
        await server.dispose();
      }
      // the HTTP baseline: the minimal client's very requests, answered by a bare node:http server
      const { spawnServer } = await import('./lib/spawnServer');
      const bareServer = await spawnServer([join(__dirname, 'lib', 'bareServer.js')]);
      try {
        const bare = await runPhase({ endpoint: bareServer.url, ledger: 'bench', seconds, keys, phase: 'raw-bare' }, workers, threads);
        bareRate = bare.commits / seconds;
        console.log(
          `baseline http: the minimal client's 3 requests per transaction against a bare node:http server: ${f0(bareRate)} "tx"/s (${f0(bareRate * 3)} requests/s, errors ${bare.errors})`,
        );
      } finally {
        await bareServer.stop();
      }
    }

    if (rawOnly) {
      console.log(`\nsqlite http (minimal client): ${f0(sqliteRaw)} tx/s = ${f2(sqliteRaw / bareRate)} × bare node:http (${f0(bareRate)} tx/s); target 2,000`);
      return;
    }
    const sq = await inProcess(['--data-dir', join(dir, 'inproc')], keys, arg('selects', 20_000), workers, seconds);
    const sqBatch = sq.batches.commits / Math.max(1, sq.batches.batches);
    const fsyncCeiling = disk.perSecond * sqBatch;
    console.log(
      `sqlite in-process insert: ${workers} sessions through the session handler (no HTTP, no client): ${f0(sq.commitRate)} durable tx/s ` +
        `(${sq.batches.commits} commits in ${sq.batches.batches} fsync'd batches, ${sqBatch.toFixed(1)} on average, largest ${sq.batches.maxBatch}); ` +
        `${f0(sq.cpuUsPerCommit)} µs CPU per commit, event loop ${f0(sq.elu * 100)}% busy`,
    );
    console.log(
      `sqlite in-process select: point SELECT through the session handler: p50 ${f3(pct(sq.times, 50))} ms, p99 ${f3(pct(sq.times, 99))} ms over ${sq.times.length} statements`,
    );
    summary.push(
      `sqlite in-process: ${f0(sq.commitRate)} tx/s = ${f2(sq.commitRate / fsyncCeiling)} × the fsync ceiling (${f0(disk.perSecond)} fsync/s × ${sqBatch.toFixed(1)} per batch = ${f0(fsyncCeiling)} tx/s)` +
        ` and ${f2(sq.commitRate / (1e6 / sq.cpuUsPerCommit))} × the CPU ceiling (1 core / ${f0(sq.cpuUsPerCommit)} µs = ${f0(1e6 / sq.cpuUsPerCommit)} tx/s); target 3,000`,
    );
    if (withHttp) {
      summary.push(
        `sqlite http (minimal client): ${f0(sqliteRaw)} tx/s = ${f2(sqliteRaw / bareRate)} × the same client against bare node:http (${f0(bareRate)} tx/s), ` +
          `${f2(sqliteRaw / sq.commitRate)} × in-process; target 2,000`,
      );
    }
    summary.push(`sqlite point SELECT server time p50 ${f3(pct(sq.times, 50))} ms (target ≤ 1 ms)`);

    if (withPostgres) {
      const pg = await postgresServer();
      if (pg) {
        try {
          const baseDb = await freshPgDatabase(pg.url, 'baseline');
          const { rate: pgRate, roundTripMs } = await pgCommitRate(baseDb.url, workers, Math.min(5, seconds));
          await baseDb.drop();
          console.log(
            `baseline postgres: ${f0(pgRate)} 'BEGIN; INSERT; COMMIT' transactions/s from node-postgres (pool of 10, ${workers} loops, one round trip each); ` +
              `a round trip (SELECT 1, one connection) p50 ${f3(roundTripMs)} ms`,
          );
          let pgRaw = NaN;
          if (withHttp) {
            const serverDb = await freshPgDatabase(pg.url, 'server');
            const server = await startServer(['--log-requests', 'false', '--max-sessions', '3000', '--database-url', serverDb.url]);
            try {
              await setUpLedger(server.endpoint, keys);
              const raw = await runPhase({ endpoint: server.endpoint, ledger: 'bench', seconds, keys, phase: 'raw-insert' }, workers, threads);
              pgRaw = raw.commits / seconds;
              console.log(`postgres raw-insert: durable single-document transactions from the minimal HTTP client: ${f0(pgRaw)} tx/s (errors ${raw.errors})`);
            } finally {
              await server.stop();
              await server.dispose();
              await serverDb.drop();
            }
          }
          const appDb = await freshPgDatabase(pg.url, 'inproc');
          const pq = await inProcess(['--data-dir', join(dir, 'pg-inproc'), '--database-url', appDb.url], keys, 5_000, workers, seconds);
          await appDb.drop();
          const pqBatch = pq.batches.commits / Math.max(1, pq.batches.batches);
          console.log(
            `postgres in-process insert: ${f0(pq.commitRate)} durable tx/s (${pq.batches.commits} commits in ${pq.batches.batches} batches, ${pqBatch.toFixed(1)} on average, largest ${pq.batches.maxBatch}); ` +
              `${f0(pq.cpuUsPerCommit)} µs CPU per commit, event loop ${f0(pq.elu * 100)}% busy`,
          );
          console.log(
            `postgres in-process select: point SELECT through the session handler: p50 ${f3(pct(pq.times, 50))} ms, p99 ${f3(pct(pq.times, 99))} ms over ${pq.times.length} statements`,
          );
          if (withHttp) {
            summary.push(
              `postgres http (minimal client): ${f0(pgRaw)} tx/s = ${f2(pgRaw / sqliteRaw)} × SQLite's (target ≥ 0.5); ` +
                `${f2(pgRaw / pgRate)} × PostgreSQL's own one-round-trip commit rate (${f0(pgRate)}/s); ${f2(pgRaw / pq.commitRate)} × in-process`,
            );
          }
          summary.push(
            `postgres in-process: ${f0(pq.commitRate)} tx/s = ${f2(pq.commitRate / sq.commitRate)} × SQLite's in-process, ${f2(pq.commitRate / pgRate)} × PostgreSQL's own commit rate; ` +
              `batches of ${pqBatch.toFixed(1)} on average = ${f0(pq.batches.batches / seconds)} batches/s (2 round trips each, one batch in flight)`,
          );
          summary.push(
            `postgres point SELECT server time p50 ${f3(pct(pq.times, 50))} ms = ${f2(pct(pq.times, 50) / roundTripMs)} × a round trip (${f3(roundTripMs)} ms; ` +
              `a point SELECT faults once and reads the index entry with its document: one round trip) (target ≤ 1 ms)`,
          );
        } finally {
          await pg.stop();
        }
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(`\nsummary (load average ${loadavg().map(f2).join(' ')} at the end):`);
  for (const line of summary) console.log(`  ${line}`);
}
