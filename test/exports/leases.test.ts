/**
 * Export jobs on several nodes (scale-out.md §4): each node is an ExportService over a Store of
 * its own on one shared database — two SQLite connections to one file, or two PostgreSQL pools
 * to one database. A job is run by the holder of its lease; a node that dies is taken over once
 * its lease runs out, from the job's resume point, with the same keys and bytes; a node that lost
 * its lease writes nothing more; the limit of 2 IN_PROGRESS exports per ledger holds across nodes.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Ledger } from '../../src/ledger/ledgers';
import { ServiceError, resourceNotFound } from '../../src/server/errors';
import type { Logger } from '../../src/server/log';
import { silentLogger } from '../../src/server/log';
import { ExportService, type ExportRequest, type ExportServiceOptions, type LedgerLookup } from '../../src/exports/service';
import { LocalSink } from '../../src/exports/sinks/localSink';
import type { Sink } from '../../src/exports/sinks/sink';
import { openDatabase } from '../../src/storage/sqlite/db';
import { sqliteStore } from '../../src/storage/sqlite/store';
import { openPostgresStore } from '../../src/storage/postgres/store';
import type { Store } from '../../src/storage/stores';
import { describePostgres, freshDatabase, type CleanupRegistrar } from '../helpers/postgres';
import { GatedSink, makeBlocks, storeJournal } from './fixtures';

const T0 = Date.UTC(2024, 0, 1);
const caller = { accountId: '000000000000', region: 'us-east-1' };
const BLOCKS = 30;
const PER_OBJECT = 4;

/** Opens a new Store (a node's own connection or pool) on one fresh database, as often as asked. */
type Database = (cleanup: CleanupRegistrar) => Promise<() => Promise<Store>>;

function ledgerNamed(name: string, ledgerId: string): Ledger {
  return {
    ledgerId,
    accountId: caller.accountId,
    region: caller.region,
    name,
    state: 'ACTIVE',
    stateUntil: null,
    createdMs: T0,
    permissionsMode: 'STANDARD',
    deletionProtection: false,
    arn: `arn:aws:qldb:${caller.region}:${caller.accountId}:ledger/${name}`,
    creationDateTime: new Date(T0),
  };
}

/** The ledgers every node knows (LedgerService answers these from memory on every node). */
function lookup(ledgers: Ledger[]): LedgerLookup {
  const find = (_c: unknown, name: string) => {
    const l = ledgers.find((x) => x.name === name);
    if (!l) throw resourceNotFound('LEDGER', name, `The ledger ${name} does not exist`);
    return l;
  };
  return { requireActive: find, requireExisting: find };
}

async function addLedger(store: Store, name: string, ledgerId: string): Promise<Ledger> {
  const ledger = ledgerNamed(name, ledgerId);
  const { arn, creationDateTime, ...row } = ledger;
  void creationDateTime;
  await store.ledgers.insert(row, arn, undefined);
  await storeJournal(store, ledgerId, makeBlocks(BLOCKS, T0, 1000), `S${ledgerId.slice(1)}`);
  return ledger;
}

function request(prefix: string): ExportRequest {
  return {
    InclusiveStartTime: new Date(T0 - 3_600_000),
    ExclusiveEndTime: new Date(T0 + 3_600_000),
    S3ExportConfiguration: { Bucket: 'audit-bucket', Prefix: prefix, EncryptionConfiguration: { ObjectEncryptionType: 'SSE_S3' } },
    RoleArn: 'arn:aws:iam::123456789012:role/qldb-export',
    OutputFormat: 'ION_TEXT',
  };
}

/** A logger that keeps the events, to wait for one. */
function recordingLogger(): Logger & { events: { event: string; fields?: Record<string, unknown> }[] } {
  const events: { event: string; fields?: Record<string, unknown> }[] = [];
  const log = (event: string, fields?: Record<string, unknown>) => void events.push({ event, fields });
  return { events, info: log, warn: log, error: log };
}

function node(store: Store, sink: Sink, ledgers: Ledger[], options: Partial<ExportServiceOptions> = {}, log: Logger = silentLogger): ExportService {
  return new ExportService(store, lookup(ledgers), sink, { exportRetentionMs: 7 * 86_400_000, exportConcurrency: 2 }, log, {
    maxObjectBlocks: PER_OBJECT,
    retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 2 },
    leaseMs: 600,
    renewMs: 100,
    pollMs: 50,
    workers: 0,
    ...options,
  });
}

/** Every file under `root` and its bytes; export ids and creation hours replaced, so that two exports of one range compare. */
function contents(root: string, ids: string[]): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  if (!existsSync(root)) return out;
  const norm = (s: string) => ids.reduce((x, id) => x.split(id).join('ID'), s).replace(/\d{4}\/\d\d\/\d\d\/\d\d\//g, 'HOUR/');
  for (const e of readdirSync(root, { recursive: true, withFileTypes: true })) {
    if (!e.isFile()) continue;
    const path = join(e.parentPath ?? (e as unknown as { path: string }).path, e.name);
    const body = readFileSync(path);
    out.set(norm(path.slice(root.length + 1)), path.endsWith('.manifest') ? Buffer.from(norm(body.toString('latin1')), 'latin1') : body);
  }
  return out;
}

async function until(what: string, ok: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Two nodes' Stores on one fresh database, a sink's root, and the ledger `books`. */
async function twoNodes(database: Database, t: CleanupRegistrar) {
  const open = await database(t);
  const storeA = await open();
  const storeB = await open();
  const root = mkdtempSync(join(tmpdir(), 'lease-'));
  const books = await addLedger(storeA, 'books', 'L000000000000000000001');
  return { storeA, storeB, root, books };
}

function leaseTests(database: Database): void {
  test('a job whose node died is taken over once its lease runs out, with the same keys and bytes as an uninterrupted export', async (t) => {
    // reference: one node, uninterrupted
    const refOpen = await database(t);
    const refStore = await refOpen();
    const refRoot = mkdtempSync(join(tmpdir(), 'lease-ref-'));
    const refLedger = await addLedger(refStore, 'books', 'L000000000000000000001');
    const ref = node(refStore, new LocalSink(refRoot), [refLedger]);
    const refId = await ref.create(caller, 'books', request('journal/'));
    await ref.runner.whenIdle(refId);
    assert.equal((await refStore.exports.get(refId))!.status, 'COMPLETED');
    await ref.close();
    await refStore.close();

    const { storeA, storeB, root, books: ledger } = await twoNodes(database, t);
    try {
      // A writes the started manifest and two data objects; its third is held, then A dies
      const sinkA = new GatedSink(new LocalSink(root), 3);
      const leased = { leaseMs: 1_500, renewMs: 100 };
      const a = node(storeA, sinkA, [ledger], leased);
      const b = node(storeB, new LocalSink(root), [ledger], leased);
      assert.notEqual(a.nodeId, b.nodeId);
      b.start();
      const id = await a.create(caller, 'books', request('journal/'));
      await until('the third data object', () => sinkA.puts >= 4);
      await until('two objects recorded', async () => (await storeB.exports.objects(id)).length === 2);
      // a node dies: nothing more reaches the database from it (its held put never completes)
      await storeA.close();
      const died = Date.now();

      // B leaves the job alone while A's lease may still run
      await new Promise((r) => setTimeout(r, 200));
      const meanwhile = (await storeB.exports.get(id))!;
      assert.equal(meanwhile.status, 'IN_PROGRESS');
      assert.equal(meanwhile.nextSeq, 2 * PER_OBJECT);

      await b.runner.whenIdle(id);
      // A renewed every 100 ms until it died: its lease ran out 1.5 s after (a late renewal aside)
      assert.ok(Date.now() - died >= 1_000, 'taken over only after the lease ran out');
      const done = (await storeB.exports.get(id))!;
      assert.equal(done.status, 'COMPLETED');
      const objects = await storeB.exports.objects(id);
      assert.equal(objects.length, Math.ceil(BLOCKS / PER_OBJECT));
      assert.deepEqual(objects.map((o) => [o.ordinal, o.firstSeq, o.lastSeq]), objects.map((_, i) => [i, i * PER_OBJECT, Math.min(BLOCKS, (i + 1) * PER_OBJECT) - 1]));

      // the same files with the same bytes as the uninterrupted export (manifests up to the export id)
      const got = contents(root, [id]);
      const want = contents(refRoot, [refId]);
      assert.deepEqual([...got.keys()].sort(), [...want.keys()].sort());
      for (const [k, v] of want) assert.ok(got.get(k)!.equals(v), k);
      await b.close();
    } finally {
      await storeB.close();
    }
  });

  test('a node that lost its lease writes nothing more and leaves the job to its new holder', async (t) => {
    const { storeA, storeB, root, books: ledger } = await twoNodes(database, t);
    const log = recordingLogger();
    const sink = new GatedSink(new LocalSink(root), 2);
    const a = node(storeA, sink, [ledger], { leaseMs: 60_000, renewMs: 60_000 }, log);
    try {
      const id = await a.create(caller, 'books', request('journal/'));
      // the first data object is written and recorded; the next two are on their way
      await until('two data objects in flight', () => sink.puts >= 4);
      await until('one object recorded', async () => (await storeB.exports.objects(id)).length === 1);
      // another node takes the job over (as if A's lease had run out)
      const taken = await storeB.exports.claim('node-b/0', Date.now() + 60_000, Number.MAX_SAFE_INTEGER);
      assert.equal(taken?.exportId, id);
      const putsWhenTaken = sink.puts;
      sink.release();
      await until('A leaves the job', () => log.events.some((e) => e.event === 'export.left'));
      // give A every chance to do more
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(sink.puts, putsWhenTaken, 'no put started after the lease was lost');
      assert.ok(log.events.some((e) => e.event === 'export.lease_lost'));
      const job = (await storeB.exports.get(id))!;
      assert.equal(job.status, 'IN_PROGRESS');
      assert.equal(job.nextSeq, PER_OBJECT, 'nothing recorded after the lease was lost');
      assert.equal((await storeB.exports.objects(id)).length, 1);
      assert.ok(![...contents(root, [id]).keys()].some((k) => k.endsWith('completed.manifest')));
      // the new holder's lease is respected: A does not claim the job back
      assert.equal(await storeB.exports.renew(id, 'node-b/0', Date.now() + 60_000), true);
      assert.ok(!log.events.some((e) => e.event === 'export.cancelled' || e.event === 'export.completed'));
      await a.close();
    } finally {
      await storeA.close();
      await storeB.close();
    }
  });

  test('a node that is the store\'s only one takes over the leases a previous process left at once', async (t) => {
    const { storeA, storeB, root, books } = await twoNodes(database, t);
    try {
      // a previous process created a job and held it for a minute when it died
      const first = node(storeA, new GatedSink(new LocalSink(root), 1), [books], { leaseMs: 60_000 });
      const id = await first.create(caller, 'books', request('journal/'));
      await until('the job claimed', async () => (await storeA.exports.renew(id, `${first.nodeId}/0`, Date.now() + 60_000)) === true);
      await storeA.close();
      await new Promise((r) => setTimeout(r, 5));
      // the same database opened again by a restarted process, alone
      const restarted = node(storeB, new LocalSink(root), [books], { leaseMs: 60_000, soleNode: true });
      const t0 = Date.now();
      restarted.start();
      await restarted.runner.whenIdle(id);
      assert.ok(Date.now() - t0 < 30_000);
      assert.equal((await storeB.exports.get(id))!.status, 'COMPLETED');
      assert.equal((await storeB.exports.objects(id)).length, Math.ceil(BLOCKS / PER_OBJECT));
      await restarted.close();
    } finally {
      await storeB.close();
    }
  });

  test('the limit of 2 IN_PROGRESS exports per ledger holds across nodes, and DeleteLedger sees another node\'s export', async (t) => {
    const { storeA, storeB, root, books } = await twoNodes(database, t);
    const films = await addLedger(storeA, 'films', 'L000000000000000000002');
    // data objects are held, so that every job stays IN_PROGRESS
    const sinkA = new GatedSink(new LocalSink(root), 0);
    const sinkB = new GatedSink(new LocalSink(root), 0);
    const manifestsFree = (s: GatedSink): Sink => ({
      kind: 'local',
      checkKey: (b, k) => s.checkKey(b, k),
      put: (b, k, body, o) => (k.endsWith('.manifest') ? new LocalSink(root).put(b, k, body, o) : s.put(b, k, body, o)),
      get: (b, k) => s.get(b, k),
      list: (b, prefix) => s.list(b, prefix),
      close() {},
    });
    const a = node(storeA, manifestsFree(sinkA), [books, films]);
    const b = node(storeB, manifestsFree(sinkB), [books, films]);
    const limited = (e: unknown) => e instanceof ServiceError && e.type === 'LimitExceededException' && e.fields.ResourceType === 'JOURNAL_S3_EXPORT';
    try {
      const first = await a.create(caller, 'books', request('a1/'));
      await b.create(caller, 'books', request('b1/'));
      await assert.rejects(a.create(caller, 'books', request('a2/')), limited);
      await assert.rejects(b.create(caller, 'books', request('b2/')), limited);
      // DeleteLedger on B is refused for A's export too
      await assert.rejects(b.refuseDeleteWhileExporting(books), (e: unknown) => e instanceof ServiceError && e.type === 'ResourceInUseException' && e.fields.ResourceName === first);

      // four at once from two nodes on another ledger: two win
      const raced = await Promise.allSettled([a, b, a, b].map((n, i) => n.create(caller, 'films', request(`race${i}/`))));
      assert.equal(raced.filter((r) => r.status === 'fulfilled').length, 2);
      for (const r of raced) if (r.status === 'rejected') assert.ok(limited(r.reason), String(r.reason));
      assert.equal((await storeB.exports.inProgressIds(films.ledgerId)).length, 2);

      sinkA.release();
      sinkB.release();
      for (const id of [...(await storeA.exports.inProgressIds(books.ledgerId)), ...(await storeA.exports.inProgressIds(films.ledgerId))]) {
        await a.runner.whenIdle(id);
      }
      assert.deepEqual(await storeB.exports.inProgressIds(books.ledgerId), []);
      assert.deepEqual(await storeB.exports.inProgressIds(films.ledgerId), []);
      // every job was run by one node or the other, to its end
      const all = await storeA.exports.listByAccount(caller.accountId, caller.region, { ms: -1, id: '' }, 10, 0);
      assert.deepEqual(all.map((j) => j.status), ['COMPLETED', 'COMPLETED', 'COMPLETED', 'COMPLETED']);
      await a.close();
      await b.close();
    } finally {
      await storeA.close();
      await storeB.close();
    }
  });
}

describe('export leases on SQLite (two connections to one file)', () => {
  leaseTests(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lease-db-'));
    return async () => sqliteStore(openDatabase(dir));
  });
});

describePostgres('export leases on PostgreSQL (two pools on one database)', () => {
  leaseTests(async (cleanup) => {
    const url = await freshDatabase(cleanup);
    return () => openPostgresStore(url);
  });
});
