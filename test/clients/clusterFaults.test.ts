/**
 * The faults of issue #11 with real servers, the official driver and the SDK: nodes killed with
 * -9 under committing drivers, a node killed in the middle of an export, the database going away
 * under a serving node, and start-up on a database URL that cannot work. Whatever happens, an
 * acknowledged commit is never lost, the journal stays one chain that exports and verifies, and a
 * failure reaches the client as an error its driver knows.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { silentRelay, type SilentRelay } from '../helpers/net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DescribeJournalS3ExportCommand,
  DescribeLedgerCommand,
  ExportJournalToS3Command,
  GetDigestCommand,
  type GetDigestCommandOutput,
} from '@aws-sdk/client-qldb';
import type { QldbDriver } from 'amazon-qldb-driver-nodejs';
import { connectClient } from '../../src/storage/postgres/db';
import { describePostgres, freshDatabase, postgresUrl } from '../helpers/postgres';
import type { RoundRobin } from '../helpers/roundRobin';
import { startServer, testStore, type TestServer } from '../helpers/server';
import { appendBlocks } from '../helpers/serverStore';
import { control, exportJournal, startCluster, until, verifyExport, waitActive, type Cluster } from './clusterHelpers';
import { createLedger, newDriver } from './sessionHelpers';

const LEDGER = 'faults';
const MAIN = join(__dirname, '..', '..', 'src', 'cli', 'main.js');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function digestOf(endpoint: string): Promise<GetDigestCommandOutput> {
  const c = control(endpoint);
  try {
    return await c.send(new GetDigestCommand({ Name: LEDGER }));
  } finally {
    c.destroy();
  }
}

/** When `server` claimed the export, and where it started from: its `export.claimed` log line. */
async function claimOf(server: TestServer, exportId: string): Promise<{ at: number; nextSeq: number; owner: string }> {
  const line = await server.waitForOutput(new RegExp(`"event":"export\\.claimed".*"exportId":"${exportId}"`), 30_000);
  const entry = JSON.parse(line) as { time: string; nextSeq: number; owner: string };
  return { at: Date.parse(entry.time), nextSeq: entry.nextSeq, owner: entry.owner };
}

/** Every document id in table Docs, read through `endpoint` by a fresh driver. */
async function storedIds(endpoint: string): Promise<string[]> {
  const driver = newDriver(endpoint, LEDGER, 10);
  try {
    const rows = (await driver.executeLambda((t) => t.execute('SELECT id FROM Docs'))).getResultList();
    return rows.map((r) => r.get('id')!.stringValue()!);
  } finally {
    driver.close();
  }
}

/** What the committing loops saw: ids acknowledged, every failure, and the longest a call took. */
interface Writers {
  acked: Set<string>;
  attempted: Set<string>;
  failures: unknown[];
  longestMs: number;
  stop(): Promise<void>;
}

/**
 * `n` loops, each with a driver of its own, inserting one document per transaction with an id
 * of its own; an id is acknowledged only when executeLambda resolves.
 */
function commitLoops(endpoint: string, n: number, retries: number): Writers {
  let stopping = false;
  const w: Omit<Writers, 'stop'> = { acked: new Set(), attempted: new Set(), failures: [], longestMs: 0 };
  const drivers: QldbDriver[] = [];
  const loops = Array.from({ length: n }, async (_, loop) => {
    const driver = newDriver(endpoint, LEDGER, retries);
    drivers.push(driver);
    for (let i = 0; !stopping; i++) {
      const id = `L${loop}-${i}`;
      w.attempted.add(id);
      const started = Date.now();
      try {
        await driver.executeLambda((t) => t.execute('INSERT INTO Docs ?', { id, loop, i }));
        w.acked.add(id);
      } catch (e) {
        w.failures.push(e);
        await sleep(50);
      } finally {
        w.longestMs = Math.max(w.longestMs, Date.now() - started);
      }
    }
  });
  return {
    ...w,
    get longestMs() {
      return w.longestMs;
    },
    async stop() {
      stopping = true;
      await Promise.all(loops);
      for (const d of drivers) d.close();
    },
  };
}

/** An error the driver answers a node's or the database's failure with: a 500, or a session error it retries. */
function isDriverFault(e: unknown): boolean {
  const err = e as { name?: string; $metadata?: { httpStatusCode?: number } };
  return err.$metadata?.httpStatusCode === 500 || err.name === 'InvalidSessionException' || err.name === 'OccConflictException';
}

function describeFault(e: unknown): string {
  const err = e as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  return `${err.name} (${err.$metadata?.httpStatusCode ?? 'no status'}): ${err.message}`;
}

/**
 * This file pins its own PostgreSQL servers; the second run of the real-client tests (every
 * server on PostgreSQL) would only repeat it.
 */
function describeFaults(name: string, fn: () => void): void {
  if (testStore() === 'postgres') describe(name, { skip: 'runs once, in the first run' }, () => {});
  else describePostgres(name, fn);
}

async function withAdmin<T>(fn: (c: import('pg').Client) => Promise<T>): Promise<T> {
  const c = await connectClient(postgresUrl()!);
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

describeFaults('kill -9 of one node of two, again and again, under committing drivers', () => {
  let cluster: Cluster;
  let nodes: TestServer[];
  let balancer: RoundRobin;

  before(async () => {
    cluster = await startCluster(2, LEDGER, ['--export-object-max-blocks', '64']);
    ({ nodes, balancer } = cluster);
    const driver = newDriver(balancer.endpoint, LEDGER);
    await driver.executeLambda((t) => t.execute('CREATE TABLE Docs'));
    driver.close();
  });
  after(() => cluster?.close());

  it('every acknowledged commit is there afterwards, every node gives one digest, and the exported chain verifies', async () => {
    const writers = commitLoops(balancer.endpoint, 4, 10);
    try {
      await until('the first commits', () => writers.acked.size >= 20, 15_000);
      for (let round = 0; round < 3; round++) {
        for (const [i, victim] of nodes.entries()) {
          const port = victim.port;
          await victim.kill9();
          await sleep(400);
          // same flags, same database, same address: the balancer sends it requests again
          await victim.restart(['--port', String(port)]);
          const served = balancer.counts[i];
          const acked = writers.acked.size;
          await until('the restarted node serves and commits go on', () => balancer.counts[i] >= served + 20 && writers.acked.size >= acked + 20, 15_000);
        }
      }
    } finally {
      await writers.stop();
    }
    // or the balancer's 502 for a request whose node died while answering it (never sent twice)
    const unexpected = writers.failures.filter((e) => !isDriverFault(e) && (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode !== 502);
    assert.deepEqual(unexpected.map(describeFault), [], 'a failed transaction fails with an error the driver knows');

    const stored = await storedIds(balancer.endpoint);
    const present = new Set(stored);
    const lost = [...writers.acked].filter((id) => !present.has(id));
    assert.deepEqual(lost, [], `every acknowledged commit is present (${writers.acked.size} acknowledged, ${writers.failures.length} failed)`);
    // a commit whose answer was lost with its node may be in, and its retry too: never an id nobody sent
    assert.deepEqual(stored.filter((id) => !writers.attempted.has(id)), []);

    const digests = [await digestOf(nodes[0].endpoint), await digestOf(nodes[1].endpoint)];
    assert.deepEqual(Buffer.from(digests[1].Digest!), Buffer.from(digests[0].Digest!));
    assert.equal(digests[1].DigestTipAddress!.IonText, digests[0].DigestTipAddress!.IonText);
    await sleep(20);
    await exportJournal(balancer.endpoint, LEDGER, 'faults-audit', 'kill9/');
    await verifyExport(cluster.s3, 'faults-audit', 'kill9/', digests[0]);
  });
});

describeFaults('a node killed in the middle of an export', () => {
  const BLOCKS = 2000;
  let a: TestServer;
  let b: TestServer;
  let s3: string;
  let url: string;
  const drops: (() => Promise<void>)[] = [];

  before(async () => {
    url = await freshDatabase({ after: (fn) => drops.push(fn) });
    s3 = mkdtempSync(join(tmpdir(), 'openqldb-faults-s3-'));
    // a short lease, so that the survivor need not wait the default 30 s
    const flags = ['--database-url', url, '--s3-local-dir', s3, '--export-object-max-blocks', '5', '--export-lease', '2s'];
    a = await startServer(flags);
    await createLedger(a.endpoint, LEDGER);
    await waitActive(a.endpoint, LEDGER);
    await a.stop();
    // a journal long enough that its export takes a while: BLOCKS blocks of one statement each
    const t0 = Date.now();
    await appendBlocks(a, LEDGER, BLOCKS, (seq) => {
      const ts = new Date(t0 + Math.floor(seq / 100));
      return {
        transactionId: 'T' + String(seq).padStart(21, '0'),
        blockTimestamp: ts,
        statements: [{ statement: `SELECT * FROM Docs WHERE n = ${seq}`, startTime: ts, statementDigest: Buffer.alloc(32, seq & 255) }],
        documents: {},
        revisions: [],
      };
    });
    await sleep(BLOCKS / 100 + 20);
    await a.restart();
    b = await startServer(flags);
    await waitActive(b.endpoint, LEDGER);
  });
  after(async () => {
    await a?.dispose();
    await b?.dispose();
    if (s3) rmSync(s3, { recursive: true, force: true });
    for (const drop of drops) await drop();
  });

  it('the other node takes it over once the lease runs out and finishes it with the same keys and bytes', async () => {
    const ca = control(a.endpoint);
    const cb = control(b.endpoint);
    const described = await ca.send(new DescribeLedgerCommand({ Name: LEDGER }));
    const end = new Date();
    try {
      const { ExportId } = await ca.send(
        new ExportJournalToS3Command({
          Name: LEDGER,
          InclusiveStartTime: described.CreationDateTime,
          ExclusiveEndTime: end,
          RoleArn: 'arn:aws:iam::000000000000:role/export',
          S3ExportConfiguration: { Bucket: 'takeover', Prefix: 'interrupted/', EncryptionConfiguration: { ObjectEncryptionType: 'SSE_S3' } },
        }),
      );
      // the node that was asked claims its job at once
      const claimed = await claimOf(a, ExportId!);
      assert.equal(claimed.nextSeq, 0);
      const job = async () => {
        const db = await connectClient(url);
        try {
          const { rows } = await db.query(
            `SELECT lease_owner, lease_until, (SELECT count(*) FROM journal_s3_export_objects o WHERE o.export_id = e.export_id) AS objects
             FROM journal_s3_exports e WHERE export_id = $1`,
            [ExportId],
          );
          return { owner: rows[0].lease_owner as string, until: Number(rows[0].lease_until), objects: Number(rows[0].objects) };
        } finally {
          await db.end();
        }
      };
      await until('node A has written some objects', async () => (await job()).objects >= 10, 20_000);
      await a.kill9();
      const atKill = await job();
      const total = Math.ceil(BLOCKS / 5) + 1;
      assert.ok(atKill.objects < total / 2, `A was killed mid-export (${atKill.objects} of ~${total} objects written)`);
      assert.equal(atKill.owner, claimed.owner, 'A held the lease');
      await until('the export completes on B', async () => {
        const d = await cb.send(new DescribeJournalS3ExportCommand({ Name: LEDGER, ExportId }));
        assert.notEqual(d.ExportDescription!.Status, 'CANCELLED');
        return d.ExportDescription!.Status === 'COMPLETED';
      }, 30_000);
      const taken = await claimOf(b, ExportId!);
      assert.ok(taken.at >= atKill.until, `B claimed the job ${atKill.until - taken.at} ms before A's lease ran out`);
      // and went on from A's last object rather than start again
      assert.equal(taken.nextSeq, atKill.objects * 5);
      await b.waitForOutput(new RegExp(`"event":"export\\.completed".*"exportId":"${ExportId}"`));

      await exportJournal(b.endpoint, LEDGER, 'takeover', 'uninterrupted/', end);
      const digest = await digestOf(b.endpoint);
      await verifyExport(s3, 'takeover', 'interrupted/', digest);

      // the same data objects, name for name and byte for byte (under each export's own
      // yyyy/MM/dd/HH/ of its creation time, which may differ when the hour turns in between)
      const dataObjects = (prefix: string) => {
        const files = new Map<string, Buffer>();
        const walk = (dir: string) => {
          for (const e of readdirSync(dir, { withFileTypes: true })) {
            if (e.isDirectory()) walk(join(dir, e.name));
            else if (!e.name.endsWith('.manifest')) files.set(e.name, readFileSync(join(dir, e.name)));
          }
        };
        walk(join(s3, 'takeover', prefix));
        return files;
      };
      const interrupted = dataObjects('interrupted/');
      const uninterrupted = dataObjects('uninterrupted/');
      assert.ok(interrupted.size > 100, `${interrupted.size} data objects`);
      assert.deepEqual([...interrupted.keys()].sort(), [...uninterrupted.keys()].sort());
      for (const [key, bytes] of interrupted) assert.ok(bytes.equals(uninterrupted.get(key)!), `${key} has the same bytes`);
    } finally {
      ca.destroy();
      cb.destroy();
    }
  });
});

describeFaults('the database going away under a serving node', () => {
  let node: TestServer;
  let database: string;
  let s3: string;
  const drops: (() => Promise<void>)[] = [];

  before(async () => {
    const url = await freshDatabase({ after: (fn) => drops.push(fn) });
    database = new URL(url).pathname.slice(1);
    s3 = mkdtempSync(join(tmpdir(), 'openqldb-faults-s3-'));
    node = await startServer(['--database-url', url, '--s3-local-dir', s3]);
    await createLedger(node.endpoint, LEDGER);
    await waitActive(node.endpoint, LEDGER);
    const driver = newDriver(node.endpoint, LEDGER);
    await driver.executeLambda((t) => t.execute('CREATE TABLE Docs'));
    driver.close();
  });
  after(async () => {
    await withAdmin((c) => c.query(`ALTER DATABASE ${database} ALLOW_CONNECTIONS true`)).catch(() => {});
    await node?.dispose();
    if (s3) rmSync(s3, { recursive: true, force: true });
    for (const drop of drops) await drop();
  });

  const ready = async () => {
    try {
      return (await fetch(`${node.endpoint}/ready`)).status;
    } catch (e) {
      throw new Error(`the node does not answer (${(e as Error).message}); its last output:\n${node.output().slice(-3000)}`);
    }
  };

  it('requests fail with errors the driver knows, /ready says so, and the node recovers on its own with nothing acknowledged lost', async () => {
    const pid = node.pid;
    const writers = commitLoops(node.endpoint, 2, 4);
    let awayFailures = 0;
    try {
      await until('the first commits', () => writers.acked.size >= 20, 15_000);
      await withAdmin(async (c) => {
        await c.query(`ALTER DATABASE ${database} ALLOW_CONNECTIONS false`);
        await c.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`, [database]);
      });
      const ackedBefore = writers.acked.size;
      const awayAt = Date.now();
      await until('/ready answers 503', async () => (await ready()) === 503, 5_000);
      // a control-plane read while the database is away: InternalFailure, at once
      const started = Date.now();
      await assert.rejects(digestOf(node.endpoint), (e: { name?: string; $metadata?: { httpStatusCode?: number } }) => {
        assert.equal(e.name, 'InternalFailure');
        assert.equal(e.$metadata?.httpStatusCode, 500);
        return true;
      });
      assert.ok(Date.now() - started < 5_000);
      await until('the drivers meet failures', () => writers.failures.length >= 2, 10_000);
      await sleep(Math.max(0, 3_000 - (Date.now() - awayAt)));
      awayFailures = writers.failures.length;
      const ackedAway = writers.acked.size - ackedBefore;
      // a COMMIT the server was running when told to terminate may still have been answered
      assert.ok(ackedAway <= 2, `nothing is acknowledged while the database is away but what was on its way (${ackedAway})`);

      await withAdmin((c) => c.query(`ALTER DATABASE ${database} ALLOW_CONNECTIONS true`));
      await until('/ready answers 200 again', async () => (await ready()) === 200, 10_000);
      const back = writers.acked.size;
      await until('the drivers commit again', () => writers.acked.size >= back + 20, 15_000);
    } finally {
      await writers.stop();
    }
    assert.equal(node.pid, pid);
    assert.doesNotThrow(() => process.kill(pid, 0), 'the node is the same process, still running');
    assert.ok(awayFailures > 0);
    assert.deepEqual(writers.failures.filter((e) => !isDriverFault(e)).map(describeFault), []);
    assert.ok(writers.longestMs < 20_000, `no call hung (longest ${writers.longestMs} ms)`);

    const stored = await storedIds(node.endpoint);
    const present = new Set(stored);
    assert.deepEqual([...writers.acked].filter((id) => !present.has(id)), [], `every acknowledged commit is present (${writers.acked.size})`);
    assert.deepEqual(stored.filter((id) => !writers.attempted.has(id)), []);
    const digest = await digestOf(node.endpoint);
    await sleep(20);
    await exportJournal(node.endpoint, LEDGER, 'away', 'journal/');
    await verifyExport(s3, 'away', 'journal/', digest);
  });
});

describeFaults('the database going silent under a serving node (packets dropped, nothing refused)', () => {
  let node: TestServer;
  let relay: SilentRelay;
  const drops: (() => Promise<void>)[] = [];

  before(async () => {
    const direct = new URL(await freshDatabase({ after: (fn) => drops.push(fn) }));
    relay = await silentRelay(Number(direct.port));
    const url = new URL(direct);
    url.port = String(relay.port);
    url.searchParams.set('query_timeout', '1500');
    url.searchParams.set('connect_timeout', '2');
    node = await startServer(['--database-url', url.toString()]);
    await createLedger(node.endpoint, LEDGER);
    await waitActive(node.endpoint, LEDGER);
    const driver = newDriver(node.endpoint, LEDGER);
    await driver.executeLambda((t) => t.execute('CREATE TABLE Docs'));
    driver.close();
  });
  after(async () => {
    relay?.thaw();
    await node?.dispose();
    await relay?.close();
    for (const drop of drops) await drop();
  });

  it('requests fail within the query timeout instead of hanging, and the node recovers once it answers again', async () => {
    const writers = commitLoops(node.endpoint, 2, 4);
    try {
      await until('the first commits', () => writers.acked.size >= 20, 15_000);
      relay.freeze();
      const ackedBefore = writers.acked.size;
      await until('/ready answers 503', async () => (await fetch(`${node.endpoint}/ready`)).status === 503, 10_000);
      const started = Date.now();
      await assert.rejects(digestOf(node.endpoint), (e: { name?: string; $metadata?: { httpStatusCode?: number } }) => {
        assert.equal(e.name, 'InternalFailure');
        assert.equal(e.$metadata?.httpStatusCode, 500);
        return true;
      });
      assert.ok(Date.now() - started < 6_000, `a read gives up after the query timeout (${Date.now() - started} ms)`);
      await until('the drivers meet failures', () => writers.failures.length >= 2, 15_000);
      assert.ok(writers.acked.size - ackedBefore <= 2, 'nothing is acknowledged while the database is silent but what was on its way');

      relay.thaw();
      await until('/ready answers 200 again', async () => (await fetch(`${node.endpoint}/ready`)).status === 200, 15_000);
      const back = writers.acked.size;
      await until('the drivers commit again', () => writers.acked.size >= back + 20, 20_000);
    } finally {
      relay.thaw();
      await writers.stop();
    }
    assert.deepEqual(writers.failures.filter((e) => !isDriverFault(e)).map(describeFault), []);
    assert.ok(writers.longestMs < 25_000, `no call hung (longest ${writers.longestMs} ms)`);
    const present = new Set(await storedIds(node.endpoint));
    assert.deepEqual([...writers.acked].filter((id) => !present.has(id)), [], `every acknowledged commit is present (${writers.acked.size})`);
  });

  // The batch's writes and its COMMIT are one message (storage/postgres/commitStore.ts).
  const COMMIT_MESSAGE = 'INSERT INTO journal_blocks';

  /** Inserts a document {id} through the driver, which retries what its rules say to retry. */
  async function insertOnce(id: string, fault: Promise<void>): Promise<void> {
    const driver = newDriver(node.endpoint, LEDGER);
    try {
      await driver.executeLambda((t) => t.execute('INSERT INTO Docs ?', { id }));
      await fault;
    } finally {
      driver.close();
    }
  }

  it('a commit whose answer is lost with its connection is looked up in the journal: committed, it is acknowledged, and the driver does not run it again', async () => {
    await insertOnce('answer-lost', relay.cutAfter(COMMIT_MESSAGE));
    assert.deepEqual((await storedIds(node.endpoint)).filter((id) => id === 'answer-lost'), ['answer-lost']);
    await node.waitForOutput(/"event":"commit\.outcome_resolved".*"committed":true/);
  });

  it('a commit lost on its way fails as InternalFailure, and the driver\'s retry commits it once', async () => {
    await insertOnce('commit-lost', relay.dropAt(COMMIT_MESSAGE));
    assert.deepEqual((await storedIds(node.endpoint)).filter((id) => id === 'commit-lost'), ['commit-lost']);
    await node.waitForOutput(/"event":"commit\.outcome_resolved".*"committed":false/);
  });
});

/** Runs `openqldb serve` to its exit; at most 20 s. */
function serve(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN, 'serve', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`serve did not exit:\n${stdout}${stderr}`));
    }, 20_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

async function closedPort(): Promise<number> {
  const s = createServer().listen(0, '127.0.0.1');
  await new Promise((r) => s.once('listening', r));
  const { port } = s.address() as { port: number };
  await new Promise((r) => s.close(r));
  return port;
}

describeFaults('openqldb serve on a database URL that cannot work', () => {
  let dataDir: string;
  let role: string | undefined;
  before(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'openqldb-faults-'));
  });
  after(async () => {
    if (role) await withAdmin((c) => c.query(`DROP ROLE IF EXISTS ${role}`));
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function refused(url: string, secret: string): Promise<string> {
    const r = await serve(['--database-url', url, '--data-dir', dataDir, '--port', '0']);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.equal(r.stdout, '');
    assert.ok(!(r.stdout + r.stderr).includes(secret), 'the password never appears');
    const lines = r.stderr.split('\n').filter(Boolean);
    assert.equal(lines.length, 1, r.stderr);
    return lines[0];
  }

  it('exits 1 with one line naming host, port, database and user, and never the password', async () => {
    const server = new URL(postgresUrl()!);
    const port = await closedPort();
    assert.equal(
      await refused(`postgres://openqldb:hunter2-unreachable@127.0.0.1:${port}/ledgers`, 'hunter2-unreachable'),
      `openqldb: cannot connect to PostgreSQL at 127.0.0.1:${port}, database "ledgers", user "openqldb": connect ECONNREFUSED 127.0.0.1:${port}`,
    );

    role = `openqldb_faults_${randomBytes(6).toString('hex')}`;
    await withAdmin((c) => c.query(`CREATE ROLE ${role} LOGIN PASSWORD 'right-horse-battery'`));
    const wrong = new URL(server);
    wrong.username = role;
    wrong.password = 'wrong-staple-9';
    assert.equal(
      await refused(wrong.toString(), 'wrong-staple-9'),
      `openqldb: cannot connect to PostgreSQL at ${server.hostname}:${server.port}, database "${server.pathname.slice(1)}", user "${role}": password authentication failed for user "${role}" (28P01)`,
    );

    const missing = new URL(server);
    missing.username = role;
    missing.password = 'right-horse-battery';
    missing.pathname = '/openqldb_never_created';
    assert.equal(
      await refused(missing.toString(), 'right-horse-battery'),
      `openqldb: cannot connect to PostgreSQL at ${server.hostname}:${server.port}, database "openqldb_never_created", user "${role}": database "openqldb_never_created" does not exist (3D000)`,
    );
  });
});
