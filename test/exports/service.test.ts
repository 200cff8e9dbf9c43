/**
 * The exports service in-process: the checks of §4.1 in order, the job's objects, the cut rule,
 * an exact resume, cancellation after retries, expiry. Real blocks in a SQLite store and the local
 * sink stand in for the journal and S3 (test/clients/exports.test.ts drives the real server with
 * the real clients; leases.test.ts runs jobs on several nodes).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ion from 'ion-js';
import { loadConfig } from '../../src/config';
import { openDatabase } from '../../src/storage/sqlite/db';
import { sqliteStore } from '../../src/storage/sqlite/store';
import { LedgerService } from '../../src/ledger/ledgers';
import { silentLogger } from '../../src/server/log';
import { ServiceError } from '../../src/server/errors';
import { ExportService, type ExportRequest, type ExportServiceOptions } from '../../src/exports/service';
import { LocalSink } from '../../src/exports/sinks/localSink';
import { SinkError, type Sink } from '../../src/exports/sinks/sink';
import { GatedSink, makeBlocks, STRAND, storeJournal } from './fixtures';

const T0 = Date.UTC(2024, 0, 1);
const caller = { accountId: '000000000000', region: 'us-east-1' };

async function setup(opts: { options?: Partial<ExportServiceOptions>; sink?: (root: string) => Sink; blocks?: number; retentionMs?: number } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'exports-'));
  const config = loadConfig([], {}, { dataDir: dir, ledgerStateDelayMs: 0, exportRetentionMs: opts.retentionMs ?? 7 * 86_400_000 });
  const store = sqliteStore(openDatabase(dir));
  const clock = { now: T0 };
  const ledgers = await new LedgerService(store.ledgers, config, () => clock.now).load();
  const ledger = await ledgers.create(caller, { name: 'books', permissionsMode: 'STANDARD' });
  const blocks = makeBlocks(opts.blocks ?? 30, T0, 1000);
  await storeJournal(store, ledger.ledgerId, blocks);
  clock.now = T0 + 86_400_000;
  const root = join(dir, 's3');
  const sink = opts.sink ? opts.sink(root) : new LocalSink(root);
  const service = new ExportService(store, ledgers, sink, config, silentLogger, { retry: { attempts: 3, baseDelayMs: 1, maxDelayMs: 2 }, ...opts.options }, () => clock.now);
  ledgers.hooks.beforeDelete.push((l) => service.refuseDeleteWhileExporting(l));
  return { dir, root, store, clock, ledgers, ledger, blocks, service, sink };
}

function request(over: Partial<ExportRequest> = {}, s3: Partial<ExportRequest['S3ExportConfiguration']> = {}): ExportRequest {
  return {
    InclusiveStartTime: new Date(T0 - 3_600_000),
    ExclusiveEndTime: new Date(T0 + 3_600_000),
    S3ExportConfiguration: { Bucket: 'audit-bucket', Prefix: 'journalExport/', EncryptionConfiguration: { ObjectEncryptionType: 'SSE_S3' }, ...s3 },
    RoleArn: 'arn:aws:iam::123456789012:role/qldb-export',
    ...over,
  };
}

async function refused(p: Promise<unknown> | (() => unknown), type: string, fields: Record<string, string>, message?: RegExp) {
  const run = typeof p === 'function' ? Promise.resolve().then(p) : p;
  await assert.rejects(run, (e: unknown) => {
    assert.ok(e instanceof ServiceError, String(e));
    assert.equal(e.type, type);
    for (const [k, v] of Object.entries(fields)) assert.equal(e.fields[k], v);
    if (message) assert.match(e.message, message);
    return true;
  });
}

function files(root: string): string[] {
  if (!existsSync(root)) return [];
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath ?? (e as any).path, e.name).slice(root.length + 1))
    .sort();
}

test('checks of §4.1, in order, with their messages', async () => {
  const { service, clock } = await setup();
  const now = clock.now;
  await refused(service.create(caller, 'nope', request()), 'ResourceNotFoundException', { ResourceType: 'LEDGER', ResourceName: 'nope' }, /The ledger nope does not exist/);
  await refused(service.create(caller, 'books', request({ ExclusiveEndTime: new Date(now + 60_000) })), 'InvalidParameterException', { ParameterName: 'ExclusiveEndTime' }, /^The end date cannot be in the future$/);
  await refused(service.create(caller, 'books', request({ InclusiveStartTime: new Date(T0 + 3_600_000) })), 'InvalidParameterException', { ParameterName: 'InclusiveStartTime' }, /start date must be before the end date/);
  await refused(service.create(caller, 'books', request({}, { EncryptionConfiguration: { ObjectEncryptionType: 'SSE_KMS' } })), 'InvalidParameterException', { ParameterName: 'KmsKeyArn' });
  await refused(service.create(caller, 'books', request({}, { EncryptionConfiguration: { ObjectEncryptionType: 'SSE_KMS', KmsKeyArn: 'not-an-arn-at-all-really' } })), 'InvalidParameterException', { ParameterName: 'KmsKeyArn' });
  await refused(service.create(caller, 'books', request({}, { EncryptionConfiguration: { ObjectEncryptionType: 'SSE_S3', KmsKeyArn: 'arn:aws:kms:us-east-1:123456789012:key/abc' } })), 'InvalidParameterException', { ParameterName: 'KmsKeyArn' });
  await refused(service.create(caller, 'books', request({}, { EncryptionConfiguration: { ObjectEncryptionType: 'NO_ENCRYPTION', KmsKeyArn: 'arn:aws:kms:us-east-1:123456789012:key/abc' } })), 'InvalidParameterException', { ParameterName: 'KmsKeyArn' });
  await refused(service.create(caller, 'books', request({ RoleArn: 'arn:aws:iam::123:role/short-account' })), 'InvalidParameterException', { ParameterName: 'RoleArn' });
  await refused(service.create(caller, 'books', request({ RoleArn: 'arn:aws:iam::123456789012:user/someone' })), 'InvalidParameterException', { ParameterName: 'RoleArn' });
  // a range that ends at or before the ledger's creation: the moved start would pass the end
  await refused(service.create(caller, 'books', request({ InclusiveStartTime: new Date(T0 - 7_200_000), ExclusiveEndTime: new Date(T0) })), 'InvalidParameterException', { ParameterName: 'ExclusiveEndTime' }, /after the ledger's creation time/);
  // an end in the future is reported before a start after the end (order of the checks)
  await refused(service.create(caller, 'books', request({ InclusiveStartTime: new Date(now + 120_000), ExclusiveEndTime: new Date(now + 60_000) })), 'InvalidParameterException', { ParameterName: 'ExclusiveEndTime' });
  await service.close();
});

test('an export: started manifest before the answer, data objects cut by blocks, completed manifest, COMPLETED', async () => {
  const { service, root, blocks } = await setup({ options: { maxObjectBlocks: 7 } });
  const id = await service.create(caller, 'books', request({ OutputFormat: 'ION_TEXT' }));
  assert.match(id, /^[A-Za-z0-9]{22}$/);
  assert.ok(existsSync(join(root, 'audit-bucket/journalExport', `${id}.started.manifest`)));
  const started = ion.load(readFileSync(join(root, 'audit-bucket/journalExport', `${id}.started.manifest`))) as any;
  // the start before the ledger's creation was moved to the creation time
  assert.equal(started.inclusiveStartTime.timestampValue().toString(), '2024-01-01T00:00:00.000Z');
  assert.equal(started.outputFormat.stringValue(), 'ION_TEXT');
  assert.equal((await service.describe(caller, 'books', id)).InclusiveStartTime.getTime(), T0);
  await service.runner.whenIdle(id);
  const d = await service.describe(caller, 'books', id);
  assert.equal(d.Status, 'COMPLETED');
  const hour = '2024/01/02/00';
  const expectedData = [[0, 6], [7, 13], [14, 20], [21, 27], [28, 29]].map(([a, b]) => `journalExport/${hour}/${STRAND}.${a}-${b}.ion`);
  assert.deepEqual(files(join(root, 'audit-bucket')), [
    ...expectedData,
    `journalExport/${id}.${STRAND}.completed.manifest`,
    `journalExport/${id}.started.manifest`,
  ].sort());
  const completed = ion.load(readFileSync(join(root, 'audit-bucket', `journalExport/${id}.${STRAND}.completed.manifest`))) as any;
  assert.deepEqual(completed.get('keys').elements().map((k: any) => k.stringValue()), expectedData);
  const all = expectedData.map((k) => readFileSync(join(root, 'audit-bucket', k), 'utf8')).join('');
  const values = ion.loadAll(all);
  assert.equal(values.length, blocks.length);
  values.forEach((v, i) => assert.ok(v.ionEquals(ion.load(blocks[i].ion)!)));
  await service.close();
});

test('the time range selects exactly the blocks in [start, end); an empty range writes keys: []', async () => {
  const { service, root } = await setup({ options: { maxObjectBlocks: 100 } });
  const id = await service.create(caller, 'books', request({ InclusiveStartTime: new Date(T0 + 5_000), ExclusiveEndTime: new Date(T0 + 12_000), OutputFormat: 'JSON' }));
  await service.runner.whenIdle(id);
  const key = `journalExport/2024/01/02/00/${STRAND}.5-11.json`;
  const lines = readFileSync(join(root, 'audit-bucket', key), 'utf8').trimEnd().split('\n');
  assert.deepEqual(lines.map((l) => JSON.parse(l).blockAddress.sequenceNo), [5, 6, 7, 8, 9, 10, 11]);
  assert.deepEqual(JSON.parse(readFileSync(join(root, 'audit-bucket', `journalExport/${id}.${STRAND}.completed.manifest`), 'utf8')), { keys: [key] });
  const empty = await service.create(caller, 'books', request({ InclusiveStartTime: new Date(T0 + 3_600_000), ExclusiveEndTime: new Date(T0 + 7_200_000), OutputFormat: 'JSON' }));
  await service.runner.whenIdle(empty);
  assert.equal((await service.describe(caller, 'books', empty)).Status, 'COMPLETED');
  assert.deepEqual(JSON.parse(readFileSync(join(root, 'audit-bucket', `journalExport/${empty}.${STRAND}.completed.manifest`), 'utf8')), { keys: [] });
  await service.close();
});

test('objects are also cut by size', async () => {
  const { service, root } = await setup({ options: { maxObjectBytes: 3000 } });
  const id = await service.create(caller, 'books', request({ OutputFormat: 'ION_BINARY' }));
  await service.runner.whenIdle(id);
  const keys = JSON.parse(JSON.stringify((ion.load(readFileSync(join(root, 'audit-bucket', `journalExport/${id}.${STRAND}.completed.manifest`))) as any).get('keys').elements().map((k: any) => k.stringValue())));
  assert.ok(keys.length > 3, String(keys.length));
  let next = 0;
  for (const k of keys) {
    const [, a, b] = /\.(\d+)-(\d+)\.ion$/.exec(k)!;
    assert.equal(Number(a), next);
    next = Number(b) + 1;
  }
  assert.equal(next, 30);
  await service.close();
});

test('a stopped job resumes where it was and writes exactly the same keys and bytes', async () => {
  // reference run, uninterrupted
  const ref = await setup({ options: { maxObjectBlocks: 4 } });
  const refId = await ref.service.create(caller, 'books', request({ OutputFormat: 'JSON' }));
  await ref.service.runner.whenIdle(refId);
  await ref.service.close();

  // interrupted run: started manifest + 2 data objects, then the server stops
  let gated!: GatedSink;
  const a = await setup({ options: { maxObjectBlocks: 4 }, sink: (root) => (gated = new GatedSink(new LocalSink(root), 3)) });
  const id = await a.service.create(caller, 'books', request({ OutputFormat: 'JSON' }));
  while (gated.puts < 4) await new Promise((r) => setTimeout(r, 1));
  const stopping = a.service.close();
  gated.release();
  await stopping;
  assert.equal((await a.store.exports.get(id))!.status, 'IN_PROGRESS');
  const before = files(a.root);
  assert.ok(!before.some((f) => f.endsWith('completed.manifest')));
  assert.ok(before.length >= 3 && before.length < 9, String(before));

  // restart on the same database (another node id: the stop let the lease go)
  const service2 = new ExportService(a.store, a.ledgers, new LocalSink(a.root), loadConfig([], {}, { dataDir: a.dir }), silentLogger, { maxObjectBlocks: 4 }, () => a.clock.now);
  assert.notEqual(service2.nodeId, a.service.nodeId);
  service2.start();
  await service2.runner.whenIdle(id);
  assert.equal((await service2.describe(caller, 'books', id)).Status, 'COMPLETED');
  const strip = (f: string) => f.replace(id, 'ID').replace(refId, 'ID');
  assert.deepEqual(files(a.root).map(strip).sort(), files(ref.root).map(strip).sort());
  for (const f of files(ref.root)) {
    if (f.includes('manifest')) continue;
    assert.ok(readFileSync(join(a.root, f)).equals(readFileSync(join(ref.root, f))), f);
  }
  await service2.close();
});

test('at most 2 IN_PROGRESS exports per ledger; DeleteLedger refuses while one runs', async () => {
  let gated!: GatedSink;
  const { service, ledgers } = await setup({ sink: (root) => (gated = new GatedSink(new LocalSink(root), 2)) });
  const a = await service.create(caller, 'books', request());
  const b = await service.create(caller, 'books', request());
  await refused(service.create(caller, 'books', request()), 'LimitExceededException', { ResourceType: 'JOURNAL_S3_EXPORT' });
  assert.ok(await service.hasInProgressExport(ledgers.find(caller, 'books')!.ledgerId));
  await ledgers.update(caller, 'books', { deletionProtection: false });
  await refused(() => ledgers.delete(caller, 'books'), 'ResourceInUseException', { ResourceType: 'JOURNAL_S3_EXPORT' });
  gated.release();
  await service.runner.whenIdle(a);
  await service.runner.whenIdle(b);
  assert.equal(await service.hasInProgressExport(ledgers.find(caller, 'books')!.ledgerId), false);
  await service.create(caller, 'books', request());
  await service.close();
});

class FailingSink implements Sink {
  readonly kind = 's3' as const;
  calls = 0;
  constructor(private readonly okPuts: number, private readonly error: SinkError) {}
  checkKey() {}
  async put() {
    if (++this.calls > this.okPuts) throw this.error;
  }
  async get(): Promise<Buffer> {
    throw this.error;
  }
  async list(): Promise<string[]> {
    throw this.error;
  }
  close() {}
}

test('a refused started manifest is InvalidParameterException on S3ExportConfiguration and creates no job', async () => {
  const { service } = await setup({ sink: () => new FailingSink(0, new SinkError('NoSuchBucket', 'The specified bucket does not exist', false)) });
  await refused(service.create(caller, 'books', request()), 'InvalidParameterException', { ParameterName: 'S3ExportConfiguration' },
    /^QLDB encountered an error validating S3 configuration: NoSuchBucket The specified bucket does not exist$/);
  assert.deepEqual(await service.list(caller, '', 10), []);
  await service.close();
});

test('a local key escaping the root is refused before anything is written', async () => {
  const { service, root } = await setup();
  await refused(service.create(caller, 'books', request({}, { Prefix: '../../escape/' })), 'InvalidParameterException', { ParameterName: 'S3ExportConfiguration' });
  await refused(service.create(caller, 'books', request({}, { Prefix: '/abs/' })), 'InvalidParameterException', { ParameterName: 'S3ExportConfiguration' });
  assert.deepEqual(files(root), []);
  await service.close();
});

test('transient sink errors are retried, then the job is CANCELLED with no completed manifest', async () => {
  const sink = new FailingSink(1, new SinkError('ServiceUnavailable', 'Please reduce your request rate', true));
  const { service } = await setup({ sink: () => sink });
  const id = await service.create(caller, 'books', request());
  await service.runner.whenIdle(id);
  assert.equal((await service.describe(caller, 'books', id)).Status, 'CANCELLED');
  assert.equal(sink.calls, 1 + 3);
  assert.match((await service.store.get(id))!.cancelReason!, /ServiceUnavailable/);
  await service.close();
});

test('finished exports expire after the retention: invisible, then purged; IN_PROGRESS never expires', async () => {
  const { service, clock } = await setup({ retentionMs: 60_000 });
  const id = await service.create(caller, 'books', request());
  await service.runner.whenIdle(id);
  assert.equal((await service.list(caller, '', 10)).length, 1);
  clock.now += 60_001;
  await refused(() => service.describe(caller, 'books', id), 'ResourceNotFoundException', { ResourceType: 'JOURNAL_S3_EXPORT', ResourceName: id });
  assert.deepEqual(await service.list(caller, '', 10), []);
  assert.ok(await service.store.get(id));
  await service.purge();
  assert.equal(await service.store.get(id), undefined);
  await service.close();
});
