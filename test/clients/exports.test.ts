/**
 * Journal exports against a live server with the real clients: @aws-sdk/client-qldb 3.918.0 and
 * /usr/bin/aws (awscli 2.9.19). Journals are written through the session API with the official
 * driver (or, for the large one, straight into the stopped server's store). Every exported object
 * is read back and compared with the ledger's stored blocks; the S3 sink runs against s3rver
 * behind a recording proxy (so the headers of every PUT are checked), the local sink against
 * the data directory.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ion from 'ion-js';
import {
  DeleteLedgerCommand,
  DescribeLedgerCommand,
  DescribeJournalS3ExportCommand,
  ExportJournalToS3Command,
  ListJournalS3ExportsCommand,
  ListJournalS3ExportsForLedgerCommand,
  QLDBClient,
  UpdateLedgerCommand,
  type ExportJournalToS3CommandInput,
  type JournalS3ExportDescription,
} from '@aws-sdk/client-qldb';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
// eslint-disable-next-line @typescript-eslint/no-var-requires
const S3rver = require('s3rver');
import { startServer, testCredentials, type TestServer } from '../helpers/server';
import { aws } from '../helpers/awscli';
import { createLedger, newDriver, storedBlocks } from './sessionHelpers';
import { appendBlocks, serverStore, vehicleBlock } from '../helpers/serverStore';
import { parseBlock } from '../../src/journal/block';
import { verifyBlock } from '../../src/journal/verify';
import { rejectsWith } from '../helpers/sdkErrors';

type Format = 'ION_TEXT' | 'ION_BINARY' | 'JSON';
const ROLE = 'arn:aws:iam::123456789012:role/qldb-export';
const EXT: Record<Format, string> = { ION_TEXT: 'ion', ION_BINARY: 'ion', JSON: 'json' };

function client(server: TestServer): QLDBClient {
  return new QLDBClient({ endpoint: server.endpoint, region: 'us-east-1', credentials: testCredentials, maxAttempts: 1 });
}


function exportInput(name: string, over: Partial<ExportJournalToS3CommandInput> = {}, s3: Record<string, unknown> = {}): ExportJournalToS3CommandInput {
  return {
    Name: name,
    InclusiveStartTime: new Date(Date.now() - 3_600_000),
    ExclusiveEndTime: new Date(),
    RoleArn: ROLE,
    ...over,
    S3ExportConfiguration: {
      Bucket: 'audit-bucket',
      Prefix: 'journalExport/',
      EncryptionConfiguration: { ObjectEncryptionType: 'SSE_S3' },
      ...(s3 as object),
    },
  };
}

/**
 * A whole-second end time in the past and after the ledger's creation (an export range that ends
 * before the ledger existed is refused), waiting for the clock when the ledger is that new.
 */
async function recentEnd(qldb: QLDBClient, name: string): Promise<Date> {
  const created = (await qldb.send(new DescribeLedgerCommand({ Name: name }))).CreationDateTime!.getTime();
  const wait = created + 2000 - Date.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  return new Date(Math.floor(Date.now() / 1000) * 1000 - 1000);
}

async function waitFinished(qldb: QLDBClient, name: string, id: string, timeoutMs = 30_000): Promise<JournalS3ExportDescription> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const d = (await qldb.send(new DescribeJournalS3ExportCommand({ Name: name, ExportId: id }))).ExportDescription!;
    if (d.Status !== 'IN_PROGRESS') return d;
    if (Date.now() > until) assert.fail(`export ${id} still IN_PROGRESS`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

interface Stored {
  seq: number;
  ts: number;
  ion: Buffer;
  hash: Buffer;
}

async function blocksOf(server: TestServer, ledger: string): Promise<Stored[]> {
  return (await storedBlocks(server, ledger)).map((b) => {
    const p = parseBlock(b);
    return { seq: p.sequenceNo, ts: p.blockTimestamp!.getTime(), ion: Buffer.from(b), hash: p.blockHash };
  });
}

function toBinary(v: ion.dom.Value): Uint8Array {
  const w = ion.makeBinaryWriter();
  v.writeTo(w);
  w.close();
  return w.getBytes();
}

function ionStrings(v: any, field: string): string[] {
  return v.get(field).elements().map((k: any) => k.stringValue());
}

/**
 * Checks one finished export end to end: the started manifest, the completed manifest, the key
 * layout, and that the data objects hold exactly the ledger's blocks of the range, in order,
 * each re-hashing (Ion) or matching (JSON) and chaining to the one before.
 */
function checkExport(o: {
  read: (key: string) => Buffer;
  d: JournalS3ExportDescription;
  format: Format;
  formatGiven: boolean;
  strandId: string;
  blocks: Stored[];
  maxBlocksPerObject?: number;
}): string[] {
  const { d, format } = o;
  const prefix = d.S3ExportConfiguration!.Prefix!;
  const id = d.ExportId!;
  const start = d.InclusiveStartTime!.getTime();
  const end = d.ExclusiveEndTime!.getTime();

  // started manifest, in the export's format
  const startedRaw = o.read(`${prefix}${id}.started.manifest`);
  let started: Record<string, string>;
  if (format === 'JSON') started = JSON.parse(startedRaw.toString('utf8'));
  else {
    if (format === 'ION_BINARY') assert.deepEqual([...startedRaw.subarray(0, 4)], [0xe0, 0x01, 0x00, 0xea]);
    else assert.equal(startedRaw.toString('utf8')[0], '{');
    const v = ion.load(startedRaw) as any;
    started = Object.fromEntries(v.fields().map(([k, x]: [string, any]) => [k, x.getType() === ion.IonTypes.TIMESTAMP ? x.timestampValue().toString() : x.stringValue()]));
    assert.equal(v.get('inclusiveStartTime').getType(), ion.IonTypes.TIMESTAMP);
  }
  const expectedStarted: Record<string, string> = {
    ledgerName: d.LedgerName!,
    exportId: id,
    inclusiveStartTime: new Date(start).toISOString(),
    exclusiveEndTime: new Date(end).toISOString(),
    bucket: d.S3ExportConfiguration!.Bucket!,
    prefix,
    objectEncryptionType: d.S3ExportConfiguration!.EncryptionConfiguration!.ObjectEncryptionType!,
  };
  if (o.formatGiven) expectedStarted.outputFormat = format;
  assert.deepEqual(started, expectedStarted);

  // completed manifest: the full keys in journal order
  const completedRaw = o.read(`${prefix}${id}.${o.strandId}.completed.manifest`);
  const keys = format === 'JSON' ? (JSON.parse(completedRaw.toString('utf8')).keys as string[]) : ionStrings(ion.load(completedRaw), 'keys');
  const c = d.ExportCreationTime!;
  const hour = `${c.getUTCFullYear()}/${String(c.getUTCMonth() + 1).padStart(2, '0')}/${String(c.getUTCDate()).padStart(2, '0')}/${String(c.getUTCHours()).padStart(2, '0')}`;
  const inRange = o.blocks.filter((b) => b.ts >= start && b.ts < end);
  let next = inRange.length ? inRange[0].seq : 0;
  const exported: Stored[] = [];
  for (const key of keys) {
    const m = new RegExp(`^${prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}${hour}/${o.strandId}\\.(\\d+)-(\\d+)\\.${EXT[format]}$`).exec(key);
    assert.ok(m, `key layout: ${key}`);
    const [a, b] = [Number(m[1]), Number(m[2])];
    assert.equal(a, next, 'objects are consecutive runs');
    if (o.maxBlocksPerObject) assert.ok(b - a + 1 <= o.maxBlocksPerObject);
    next = b + 1;
    const body = o.read(key);
    let seqs: number[];
    if (format === 'ION_BINARY') {
      assert.ok(body.equals(Buffer.concat(o.blocks.slice(a, b + 1).map((x) => x.ion))), 'ION_BINARY is the stored bytes');
      seqs = ion.loadAll(body).map((v: any) => v.get('blockAddress', 'sequenceNo').numberValue());
    } else if (format === 'ION_TEXT') {
      const lines = body.toString('utf8').split('\n');
      assert.equal(lines.pop(), '', 'one block per line');
      seqs = lines.map((line, i) => {
        const v = ion.load(line)!;
        assert.ok(v.ionEquals(ion.load(o.blocks[a + i].ion)!), `block ${a + i} as Ion text`);
        const r = verifyBlock(toBinary(v), a + i > 0 ? o.blocks[a + i - 1].hash : undefined);
        assert.ok(r.ok, `block ${a + i} re-hashes and chains: ${!r.ok && r.message}`);
        return (v as any).get('blockAddress', 'sequenceNo').numberValue();
      });
    } else {
      const lines = body.toString('utf8').split('\n');
      assert.equal(lines.pop(), '');
      seqs = lines.map((line, i) => {
        const j = JSON.parse(line);
        const s = o.blocks[a + i];
        assert.equal(j.blockHash, s.hash.toString('base64'));
        assert.equal(j.blockTimestamp, new Date(s.ts).toISOString());
        if (a + i > 0) assert.equal(j.previousBlockHash, o.blocks[a + i - 1].hash.toString('base64'), 'unbroken chain');
        return j.blockAddress.sequenceNo;
      });
    }
    assert.deepEqual(seqs, Array.from({ length: b - a + 1 }, (_, i) => a + i));
    exported.push(...o.blocks.slice(a, b + 1));
  }
  assert.deepEqual(exported.map((b) => b.seq), inRange.map((b) => b.seq), 'exactly the blocks of the range');
  return keys;
}

function listFiles(root: string): string[] {
  if (!existsSync(root)) return [];
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath ?? (e as any).path, e.name));
}

/** Writes a ledger's journal through the official driver: DDL, inserts of many Ion types, updates, a delete. */
async function writeJournal(endpoint: string, ledger: string, inserts: number): Promise<void> {
  const driver = newDriver(endpoint, ledger);
  try {
    await driver.executeLambda((t) => t.execute('CREATE TABLE Vehicle'));
    await driver.executeLambda((t) => t.execute('CREATE INDEX ON Vehicle (VIN)'));
    for (let i = 0; i < inserts; i++) {
      const doc = ion.load(
        `{VIN:"VIN${i}", Price:${i}.50, Year:${2000 + i}, Sold:${i % 2 === 0}, Tags:[a, "b", 1e0], When:2024-01-0${1 + (i % 9)}T10:00:00.5+02:00, ` +
          `Raw:{{AQID}}, Clob:{{"x\\xff"}}, Note:"quote\\" é\\n", Nothing:null.int, Ann:unit::12, Big:123456789012345678901234567890}`,
      );
      await driver.executeLambda((t) => t.execute('INSERT INTO Vehicle ?', doc));
    }
    await driver.executeLambda((t) => t.execute(`UPDATE Vehicle SET Price = 1.00 WHERE VIN = 'VIN0'`));
    await driver.executeLambda((t) => t.execute(`DELETE FROM Vehicle WHERE VIN = 'VIN1'`));
  } finally {
    driver.close();
  }
}

describe('journal exports to the local directory', () => {
  let server: TestServer;
  let qldb: QLDBClient;
  let blocks: Stored[];
  let strandId: string;
  const LEDGER = 'exports-local';
  const root = () => join(server.dataDir, 's3');
  const read = (key: string) => readFileSync(join(root(), 'audit-bucket', key));

  before(async () => {
    server = await startServer(['--export-object-max-blocks', '4']);
    qldb = client(server);
    await createLedger(server.endpoint, LEDGER);
    await createLedger(server.endpoint, 'other-ledger');
    await writeJournal(server.endpoint, LEDGER, 9);
    await new Promise((r) => setTimeout(r, 5));
    blocks = await blocksOf(server, LEDGER);
    strandId = parseBlock(blocks[0].ion).strandId;
  });
  after(async () => {
    qldb?.destroy();
    await server?.dispose();
  });

  for (const format of ['ION_TEXT', 'ION_BINARY', 'JSON'] as Format[]) {
    it(`exports the whole journal as ${format}: every object read back, blocks exact, manifests as QLDB lays them out`, async () => {
      const { ExportId } = await qldb.send(new ExportJournalToS3Command(exportInput(LEDGER, { OutputFormat: format, InclusiveStartTime: new Date(0) })));
      assert.match(ExportId!, /^[A-Za-z0-9]{22}$/);
      const d = await waitFinished(qldb, LEDGER, ExportId!);
      assert.equal(d.Status, 'COMPLETED');
      assert.equal(d.OutputFormat, format);
      const keys = checkExport({ read, d, format, formatGiven: true, strandId, blocks, maxBlocksPerObject: 4 });
      assert.equal(keys.length, Math.ceil(blocks.length / 4));
    });
  }

  it('without OutputFormat: ION_TEXT data, Describe says ION_TEXT, the started manifest has no outputFormat', async () => {
    const input = exportInput(LEDGER, { InclusiveStartTime: new Date(0) });
    const { ExportId } = await qldb.send(new ExportJournalToS3Command(input));
    const d = await waitFinished(qldb, LEDGER, ExportId!);
    assert.equal(d.OutputFormat, 'ION_TEXT');
    checkExport({ read, d, format: 'ION_TEXT', formatGiven: false, strandId, blocks });
  });

  it('a range inside the journal holds exactly its blocks; a start before the ledger is moved to its creation', async () => {
    const start = blocks[3].ts;
    const end = blocks[8].ts;
    assert.ok(start < end);
    const { ExportId } = await qldb.send(
      new ExportJournalToS3Command(exportInput(LEDGER, { OutputFormat: 'JSON', InclusiveStartTime: new Date(start), ExclusiveEndTime: new Date(end) }, { Prefix: 'range-' })),
    );
    const d = await waitFinished(qldb, LEDGER, ExportId!);
    checkExport({ read, d, format: 'JSON', formatGiven: true, strandId, blocks });

    const early = new Date(Date.UTC(2019, 3, 15));
    const r2 = await qldb.send(new ExportJournalToS3Command(exportInput(LEDGER, { InclusiveStartTime: early }, { Prefix: '' })));
    const d2 = await waitFinished(qldb, LEDGER, r2.ExportId!);
    const created = (await qldb.send(new DescribeLedgerCommand({ Name: LEDGER }))).CreationDateTime!;
    assert.equal(d2.InclusiveStartTime!.getTime(), created.getTime());
    assert.ok(existsSync(join(root(), 'audit-bucket', `${r2.ExportId}.started.manifest`)), 'an empty prefix adds no slash');
    checkExport({ read, d: d2, format: 'ION_TEXT', formatGiven: false, strandId, blocks });
  });

  it('Describe returns every field of the request (KMS key included); errors for unknown ledger and export', async () => {
    const kms = 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    const end = await recentEnd(qldb, LEDGER);
    const { ExportId } = await qldb.send(
      new ExportJournalToS3Command(
        exportInput(LEDGER, { InclusiveStartTime: new Date(end.getTime() - 5000), ExclusiveEndTime: end, OutputFormat: 'ION_BINARY' }, {
          Prefix: 'kms/',
          EncryptionConfiguration: { ObjectEncryptionType: 'SSE_KMS', KmsKeyArn: kms },
        }),
      ),
    );
    await waitFinished(qldb, LEDGER, ExportId!);
    const d = (await qldb.send(new DescribeJournalS3ExportCommand({ Name: LEDGER, ExportId }))).ExportDescription!;
    const created = (await qldb.send(new DescribeLedgerCommand({ Name: LEDGER }))).CreationDateTime!.getTime();
    assert.deepEqual(
      { ...d, ExportCreationTime: undefined },
      {
        LedgerName: LEDGER,
        ExportId,
        ExportCreationTime: undefined,
        Status: 'COMPLETED',
        InclusiveStartTime: new Date(Math.max(end.getTime() - 5000, created)),
        ExclusiveEndTime: end,
        S3ExportConfiguration: { Bucket: 'audit-bucket', Prefix: 'kms/', EncryptionConfiguration: { ObjectEncryptionType: 'SSE_KMS', KmsKeyArn: kms } },
        RoleArn: ROLE,
        OutputFormat: 'ION_BINARY',
      },
    );
    assert.ok(Math.abs(d.ExportCreationTime!.getTime() - Date.now()) < 60_000);
    await rejectsWith(qldb.send(new DescribeJournalS3ExportCommand({ Name: LEDGER, ExportId: 'A'.repeat(22) })), 'ResourceNotFoundException', 404, {
      ResourceType: 'JOURNAL_S3_EXPORT',
      ResourceName: 'A'.repeat(22),
    });
    await rejectsWith(qldb.send(new DescribeJournalS3ExportCommand({ Name: 'other-ledger', ExportId })), 'ResourceNotFoundException', 404, {
      ResourceType: 'JOURNAL_S3_EXPORT',
      ResourceName: ExportId!,
    });
    await rejectsWith(qldb.send(new DescribeJournalS3ExportCommand({ Name: 'no-such-ledger', ExportId })), 'ResourceNotFoundException', 404, {
      ResourceType: 'LEDGER',
    });
  });

  it('refuses, in order and with the messages of §4.1', async () => {
    const e = (over: Partial<ExportJournalToS3CommandInput>, s3: Record<string, unknown> = {}) =>
      qldb.send(new ExportJournalToS3Command(exportInput(LEDGER, over, s3)));
    await rejectsWith(qldb.send(new ExportJournalToS3Command(exportInput('no-such-ledger'))), 'ResourceNotFoundException', 404, { ResourceType: 'LEDGER', ResourceName: 'no-such-ledger' }, /The ledger no-such-ledger does not exist/);
    await rejectsWith(e({ ExclusiveEndTime: new Date(Date.now() + 3_600_000) }), 'InvalidParameterException', 400, { ParameterName: 'ExclusiveEndTime' }, /^The end date cannot be in the future$/);
    await rejectsWith(e({ InclusiveStartTime: new Date(Date.now() - 1000), ExclusiveEndTime: new Date(Date.now() - 2000) }), 'InvalidParameterException', 400, { ParameterName: 'InclusiveStartTime' });
    await rejectsWith(e({}, { Prefix: 'p'.repeat(129) }), 'InvalidParameterException', 400, { ParameterName: 'Prefix' }, /length less than or equal to 128/);
    await rejectsWith(e({}, { Bucket: 'a/b' }), 'InvalidParameterException', 400, { ParameterName: 'Bucket' });
    await rejectsWith(e({}, { EncryptionConfiguration: { ObjectEncryptionType: 'SSE_KMS' } }), 'InvalidParameterException', 400, { ParameterName: 'KmsKeyArn' });
    await rejectsWith(e({}, { EncryptionConfiguration: { ObjectEncryptionType: 'SSE_S3', KmsKeyArn: 'arn:aws:kms:us-east-1:123456789012:key/k' } }), 'InvalidParameterException', 400, { ParameterName: 'KmsKeyArn' });
    await rejectsWith(e({ RoleArn: 'arn:aws:iam::123456789012:user/alice' }), 'InvalidParameterException', 400, { ParameterName: 'RoleArn' });
    await rejectsWith(e({ OutputFormat: 'XML' as any }), 'InvalidParameterException', 400, { ParameterName: 'OutputFormat' });
  });

  it('refuses prefixes and buckets that would escape the export directory, writing nothing outside', async () => {
    const before = listFiles(server.dataDir).length;
    for (const [bucket, prefix] of [
      ['audit-bucket', '../../escaped/'],
      ['audit-bucket', '/etc/'],
      ['audit-bucket', 'a\\..\\..\\x'],
      ['audit-bucket', '..%2F..%2Fx'],
      ['audit-bucket', 'x\u0000y'],
      ['audit-bucket', 'a//b'],
      ['...', '../x'],
    ]) {
      await rejectsWith(qldb.send(new ExportJournalToS3Command(exportInput(LEDGER, {}, { Bucket: bucket, Prefix: prefix }))), 'InvalidParameterException', 400, {
        ParameterName: 'S3ExportConfiguration',
      }, /^QLDB encountered an error validating S3 configuration: /);
    }
    assert.equal(listFiles(server.dataDir).length, before);
    assert.ok(!existsSync(join(server.dataDir, 'escaped')));
    assert.ok(!existsSync(join(server.dataDir, '..', 'escaped')));
  });

  it("refuses bucket names S3 refuses, as QLDB quoted S3, from the SDK and /usr/bin/aws; the model's limits first", async () => {
    const before = listFiles(server.dataDir).length;
    const exportsBefore = (await qldb.send(new ListJournalS3ExportsForLedgerCommand({ Name: LEDGER }))).JournalS3Exports!.length;
    const refusal = 'QLDB encountered an error validating S3 configuration: InvalidBucketName The specified bucket is not valid.';
    for (const bucket of ['Bad_Bucket', '192.168.1.1', 'a'.repeat(64), 'my..bucket', '-dash-first', 'xn--bucket', 'sthree-bucket', 'data-s3alias', 'data--ol-s3']) {
      await rejectsWith(qldb.send(new ExportJournalToS3Command(exportInput(LEDGER, {}, { Bucket: bucket }))), 'InvalidParameterException', 400, {
        ParameterName: 'S3ExportConfiguration',
      }, refusal);
      assert.ok(!existsSync(join(root(), bucket)), bucket);
    }
    // shorter than the model's 3 characters: refused by validation before S3 is asked
    await rejectsWith(qldb.send(new ExportJournalToS3Command(exportInput(LEDGER, {}, { Bucket: 'ab' }))), 'InvalidParameterException', 400, {
      ParameterName: 'Bucket',
    }, /^1 validation error detected: Value 'ab' at 's3ExportConfiguration.bucket' failed to satisfy constraint: Member must have length greater than or equal to 3$/);
    const end = String((await recentEnd(qldb, LEDGER)).getTime() / 1000);
    for (const bucket of ['Bad_Bucket', '192.168.1.1']) {
      const cli = await aws(server.endpoint, [
        'qldb', 'export-journal-to-s3', '--name', LEDGER, '--inclusive-start-time', '0', '--exclusive-end-time', end,
        '--s3-export-configuration', JSON.stringify({ Bucket: bucket, Prefix: 'x/', EncryptionConfiguration: { ObjectEncryptionType: 'SSE_S3' } }),
        '--role-arn', ROLE,
      ]);
      assert.equal(cli.errorCode, 'InvalidParameterException', cli.stderr);
      assert.ok(cli.stderr.includes(refusal), cli.stderr);
    }
    assert.equal(listFiles(server.dataDir).length, before);
    assert.equal((await qldb.send(new ListJournalS3ExportsForLedgerCommand({ Name: LEDGER }))).JournalS3Exports!.length, exportsBefore);
    // a name S3 accepts, dots and digits included, still works
    const { ExportId } = await qldb.send(new ExportJournalToS3Command(exportInput(LEDGER, {}, { Bucket: 'audit.2024-bucket' })));
    assert.equal((await waitFinished(qldb, LEDGER, ExportId!)).Status, 'COMPLETED');
    assert.ok(existsSync(join(root(), 'audit.2024-bucket', `journalExport/${ExportId}.started.manifest`)));
  });

  it('lists exports by creation time across pages; a forged token is refused', async () => {
    const all: JournalS3ExportDescription[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const r = await qldb.send(new ListJournalS3ExportsForLedgerCommand({ Name: LEDGER, MaxResults: 2, NextToken: token }));
      assert.ok(r.JournalS3Exports!.length <= 2);
      all.push(...r.JournalS3Exports!);
      token = r.NextToken;
      pages++;
    } while (token);
    assert.ok(all.length >= 7, String(all.length));
    assert.equal(pages, Math.ceil(all.length / 2), 'no NextToken on the last page');
    const times = all.map((d) => d.ExportCreationTime!.getTime());
    assert.deepEqual(times, [...times].sort((a, b) => a - b));
    assert.equal(new Set(all.map((d) => d.ExportId)).size, all.length);
    const whole = await qldb.send(new ListJournalS3ExportsCommand({}));
    assert.deepEqual(whole.JournalS3Exports!.map((d) => d.ExportId), all.map((d) => d.ExportId));
    assert.equal(whole.NextToken, undefined);
    const first = await qldb.send(new ListJournalS3ExportsCommand({ MaxResults: 3 }));
    await rejectsWith(qldb.send(new ListJournalS3ExportsForLedgerCommand({ Name: LEDGER, NextToken: first.NextToken })), 'InvalidParameterException', 400, { ParameterName: 'NextToken' });
    await rejectsWith(qldb.send(new ListJournalS3ExportsCommand({ NextToken: 'Zm9yZ2VkLXRva2Vu' })), 'InvalidParameterException', 400, { ParameterName: 'NextToken' });
    await rejectsWith(qldb.send(new ListJournalS3ExportsForLedgerCommand({ Name: 'no-such-ledger' })), 'ResourceNotFoundException', 404, { ResourceType: 'LEDGER' });
  });

  it('/usr/bin/aws: export-journal-to-s3, describe, list, list-for-ledger, and errors', async () => {
    const end = (await recentEnd(qldb, LEDGER)).getTime() / 1000;
    const r = await aws(server.endpoint, [
      'qldb', 'export-journal-to-s3', '--name', LEDGER,
      '--inclusive-start-time', '0', '--exclusive-end-time', String(end),
      '--s3-export-configuration', JSON.stringify({ Bucket: 'audit-bucket', Prefix: 'cli/', EncryptionConfiguration: { ObjectEncryptionType: 'NO_ENCRYPTION' } }),
      '--role-arn', ROLE, '--output-format', 'JSON',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const id = r.json.ExportId as string;
    assert.match(id, /^[A-Za-z0-9]{22}$/);
    const d = await waitFinished(qldb, LEDGER, id);
    checkExport({ read, d, format: 'JSON', formatGiven: true, strandId, blocks });
    const desc = await aws(server.endpoint, ['qldb', 'describe-journal-s3-export', '--name', LEDGER, '--export-id', id]);
    assert.equal(desc.code, 0, desc.stderr);
    const x = desc.json.ExportDescription;
    assert.equal(x.ExportId, id);
    assert.equal(x.LedgerName, LEDGER);
    assert.equal(x.Status, 'COMPLETED');
    assert.equal(x.OutputFormat, 'JSON');
    assert.equal(x.RoleArn, ROLE);
    assert.deepEqual(x.S3ExportConfiguration, { Bucket: 'audit-bucket', Prefix: 'cli/', EncryptionConfiguration: { ObjectEncryptionType: 'NO_ENCRYPTION' } });
    assert.equal(new Date(x.ExclusiveEndTime).getTime(), end * 1000);
    assert.ok(!Number.isNaN(new Date(x.ExportCreationTime).getTime()));
    const list = await aws(server.endpoint, ['qldb', 'list-journal-s3-exports']);
    assert.equal(list.code, 0, list.stderr);
    assert.ok(list.json.JournalS3Exports.some((e: any) => e.ExportId === id));
    // botocore has no paginator for QLDB: the CLI shows one page and its NextToken
    const page1 = await aws(server.endpoint, ['qldb', 'list-journal-s3-exports-for-ledger', '--name', LEDGER, '--max-results', '2']);
    assert.equal(page1.code, 0, page1.stderr);
    assert.equal(page1.json.JournalS3Exports.length, 2);
    assert.ok(page1.json.NextToken);
    const page2 = await aws(server.endpoint, ['qldb', 'list-journal-s3-exports-for-ledger', '--name', LEDGER, '--max-results', '2', '--next-token', page1.json.NextToken]);
    assert.equal(page2.code, 0, page2.stderr);
    assert.equal(page2.json.JournalS3Exports.length, 2);
    assert.notDeepEqual(page2.json.JournalS3Exports.map((e: any) => e.ExportId), page1.json.JournalS3Exports.map((e: any) => e.ExportId));
    const future = await aws(server.endpoint, [
      'qldb', 'export-journal-to-s3', '--name', LEDGER, '--inclusive-start-time', '0', '--exclusive-end-time', String(end + 3600),
      '--s3-export-configuration', JSON.stringify({ Bucket: 'audit-bucket', Prefix: 'cli/', EncryptionConfiguration: { ObjectEncryptionType: 'SSE_S3' } }),
      '--role-arn', ROLE,
    ]);
    assert.equal(future.errorCode, 'InvalidParameterException');
    assert.match(future.stderr, /The end date cannot be in the future/);
    const kms = await aws(server.endpoint, [
      'qldb', 'export-journal-to-s3', '--name', LEDGER, '--inclusive-start-time', '0', '--exclusive-end-time', String(end),
      '--s3-export-configuration', JSON.stringify({ Bucket: 'audit-bucket', Prefix: 'cli/', EncryptionConfiguration: { ObjectEncryptionType: 'SSE_KMS' } }),
      '--role-arn', ROLE,
    ]);
    assert.equal(kms.errorCode, 'InvalidParameterException');
    const unknown = await aws(server.endpoint, ['qldb', 'describe-journal-s3-export', '--name', LEDGER, '--export-id', 'B'.repeat(22)]);
    assert.equal(unknown.errorCode, 'ResourceNotFoundException');
    // botocore checks no maximum length, so a 129-character prefix reaches the server
    const longPrefix = await aws(server.endpoint, [
      'qldb', 'export-journal-to-s3', '--name', LEDGER, '--inclusive-start-time', '0', '--exclusive-end-time', String(end),
      '--s3-export-configuration', JSON.stringify({ Bucket: 'audit-bucket', Prefix: 'p'.repeat(129), EncryptionConfiguration: { ObjectEncryptionType: 'SSE_S3' } }),
      '--role-arn', ROLE,
    ]);
    assert.equal(longPrefix.errorCode, 'InvalidParameterException', longPrefix.stderr);
    assert.match(longPrefix.stderr, /Member must have length less than or equal to 128/);
  });
});

describe('a large export: the per-ledger limit, DeleteLedger refused, kill -9 and resume', () => {
  let server: TestServer;
  let qldb: QLDBClient;
  const LEDGER = 'exports-large';
  const BLOCKS = 5000;

  before(async () => {
    server = await startServer(['--export-object-max-blocks', '10']);
    qldb = client(server);
    await createLedger(server.endpoint, LEDGER);
    await server.stop();
    // the ledger holds its genesis block only: block 1 is the first appended
    // 20 blocks per millisecond
    const t0 = Date.now();
    await appendBlocks(server, LEDGER, BLOCKS, vehicleBlock('{VIN:"1N4AL11D75C109151", Make:"Nissan", Price:12.50, Tags:[a, b]}', (seq) => new Date(t0 + Math.floor(seq / 20))));
    await new Promise((r) => setTimeout(r, BLOCKS / 20 + 10));
    await server.restart();
    qldb.destroy();
    qldb = client(server);
  });
  after(async () => {
    qldb?.destroy();
    await server?.dispose();
  });

  it('a third concurrent export is LimitExceeded; DeleteLedger is ResourceInUse; kill -9 mid-export, restart, the export completes with the same content', async () => {
    const input = exportInput(LEDGER, { InclusiveStartTime: new Date(0), OutputFormat: 'ION_TEXT' }, { Prefix: 'big/' });
    const a = await qldb.send(new ExportJournalToS3Command(input));
    const b = await qldb.send(new ExportJournalToS3Command({ ...input, OutputFormat: 'ION_BINARY', S3ExportConfiguration: { ...input.S3ExportConfiguration!, Prefix: 'big2/' } }));
    await rejectsWith(qldb.send(new ExportJournalToS3Command(input)), 'LimitExceededException', 400, { ResourceType: 'JOURNAL_S3_EXPORT' });
    const first = (await qldb.send(new DescribeJournalS3ExportCommand({ Name: LEDGER, ExportId: a.ExportId }))).ExportDescription!;
    assert.equal(first.Status, 'IN_PROGRESS');
    await qldb.send(new UpdateLedgerCommand({ Name: LEDGER, DeletionProtection: false }));
    await rejectsWith(qldb.send(new DeleteLedgerCommand({ Name: LEDGER })), 'ResourceInUseException', 409, { ResourceType: 'JOURNAL_S3_EXPORT' });
    await qldb.send(new UpdateLedgerCommand({ Name: LEDGER, DeletionProtection: true }));

    // kill -9 as soon as the first data objects of export A exist
    const dir = join(server.dataDir, 's3', 'audit-bucket', 'big');
    const until = Date.now() + 20_000;
    while (!(existsSync(dir) && listFiles(dir).some((f) => f.endsWith('.ion')))) {
      if (Date.now() > until) assert.fail('no data object appeared');
      await new Promise((r) => setImmediate(r));
    }
    await server.kill9();
    const completedPath = join(dir, `${a.ExportId}.`);
    assert.ok(!listFiles(dir).some((f) => f.startsWith(completedPath) && f.endsWith('completed.manifest')), 'killed mid-export');
    await server.restart();
    qldb.destroy();
    qldb = client(server);
    const blocks = await blocksOf(server, LEDGER);
    assert.equal(blocks.length, BLOCKS + 1);
    const strandId = parseBlock(blocks[0].ion).strandId;
    const read = (key: string) => readFileSync(join(server.dataDir, 's3', 'audit-bucket', key));
    for (const [id, format] of [[a.ExportId!, 'ION_TEXT'], [b.ExportId!, 'ION_BINARY']] as [string, Format][]) {
      const d = await waitFinished(qldb, LEDGER, id, 60_000);
      assert.equal(d.Status, 'COMPLETED');
      const keys = checkExport({ read, d, format, formatGiven: true, strandId, blocks, maxBlocksPerObject: 10 });
      assert.equal(keys.length, Math.ceil((BLOCKS + 1) / 10));
    }
  });
});

/**
 * A recording HTTP proxy in front of s3rver: every request's method, path and headers. While
 * `hold` is set, PUTs of data objects (keys with a `yyyy/` hour path) wait, so exports stay
 * IN_PROGRESS for as long as a test needs.
 */
function recordingProxy(target: number): Promise<{
  port: number;
  requests: { method: string; url: string; headers: http.IncomingHttpHeaders }[];
  hold(on: boolean): void;
  close(): Promise<void>;
}> {
  const requests: { method: string; url: string; headers: http.IncomingHttpHeaders }[] = [];
  let held: (() => void)[] | undefined;
  const srv = http.createServer((req, res) => {
    requests.push({ method: req.method!, url: req.url!, headers: req.headers });
    if (held && req.method === 'PUT' && /\/\d{4}\/\d\d\/\d\d\/\d\d\//.test(req.url!)) {
      req.pause();
      held.push(() => forward(req, res));
      return;
    }
    forward(req, res);
  });
  const forward = (req: http.IncomingMessage, res: http.ServerResponse) => {
    req.resume();
    const up = http.request({ host: '127.0.0.1', port: target, method: req.method, path: req.url, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode!, r.headers);
      r.pipe(res);
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  };
  return new Promise((resolve) =>
    srv.listen(0, '127.0.0.1', () =>
      resolve({
        port: (srv.address() as AddressInfo).port,
        requests,
        hold(on: boolean) {
          if (on) held ??= [];
          else {
            const waiting = held ?? [];
            held = undefined;
            for (const go of waiting) go();
          }
        },
        close: () => new Promise<void>((r) => {
          srv.closeAllConnections();
          srv.close(() => r());
        }),
      }),
    ),
  );
}

describe('journal exports to an S3 endpoint (s3rver)', () => {
  let s3rver: any;
  let proxy: Awaited<ReturnType<typeof recordingProxy>>;
  let server: TestServer;
  let qldb: QLDBClient;
  let s3: S3Client;
  let s3dir: string;
  let blocks: Stored[];
  let strandId: string;
  const LEDGER = 'exports-s3';
  const BUCKET = 'qldb-exports';

  before(async () => {
    s3dir = mkdtempSync(join(tmpdir(), 's3rver-'));
    s3rver = new S3rver({ port: 0, address: '127.0.0.1', directory: s3dir, silent: true, configureBuckets: [{ name: BUCKET }] });
    const { port } = await s3rver.run();
    proxy = await recordingProxy(port);
    const endpoint = `http://127.0.0.1:${proxy.port}`;
    // credentials by flag (s3rver accepts only S3RVER/S3RVER; the environment's AWS_* are other keys)
    server = await startServer(
      ['--s3-endpoint', endpoint, '--s3-force-path-style', '--export-object-max-blocks', '5', '--s3-access-key-id', 'S3RVER', '--s3-secret-access-key', 'S3RVER'],
      { env: { AWS_ACCESS_KEY_ID: 'AKIDNOTFORS3', AWS_SECRET_ACCESS_KEY: 'wrong' } },
    );
    qldb = client(server);
    s3 = new S3Client({
      endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
    await createLedger(server.endpoint, LEDGER);
    await writeJournal(server.endpoint, LEDGER, 6);
    await new Promise((r) => setTimeout(r, 5));
    blocks = await blocksOf(server, LEDGER);
    strandId = parseBlock(blocks[0].ion).strandId;
  });
  after(async () => {
    qldb?.destroy();
    s3?.destroy();
    await server?.dispose();
    await proxy?.close();
    await s3rver?.close();
    rmSync(s3dir, { recursive: true, force: true });
  });

  const cases: [Format, string, Record<string, string | undefined>][] = [
    ['ION_TEXT', 'SSE_S3', { 'x-amz-server-side-encryption': 'AES256', 'x-amz-server-side-encryption-aws-kms-key-id': undefined }],
    ['ION_BINARY', 'SSE_KMS', { 'x-amz-server-side-encryption': 'aws:kms', 'x-amz-server-side-encryption-aws-kms-key-id': 'arn:aws:kms:us-east-1:123456789012:key/k-1' }],
    ['JSON', 'NO_ENCRYPTION', { 'x-amz-server-side-encryption': undefined, 'x-amz-server-side-encryption-aws-kms-key-id': undefined }],
  ];
  for (const [format, encryption, headers] of cases) {
    it(`exports as ${format} with ${encryption}: objects read back through S3, content types and encryption headers on every PUT`, async () => {
      const seen = proxy.requests.length;
      const enc: Record<string, string> = { ObjectEncryptionType: encryption };
      if (encryption === 'SSE_KMS') enc.KmsKeyArn = 'arn:aws:kms:us-east-1:123456789012:key/k-1';
      const prefix = `s3/${format}/`;
      const { ExportId } = await qldb.send(
        new ExportJournalToS3Command(exportInput(LEDGER, { OutputFormat: format, InclusiveStartTime: new Date(0) }, { Bucket: BUCKET, Prefix: prefix, EncryptionConfiguration: enc })),
      );
      const d = await waitFinished(qldb, LEDGER, ExportId!);
      assert.equal(d.Status, 'COMPLETED');
      const bodies = new Map<string, Buffer>();
      const puts = proxy.requests.slice(seen).filter((r) => r.method === 'PUT');
      for (const p of puts) {
        const key = decodeURIComponent(p.url.split('?')[0].slice(`/${BUCKET}/`.length));
        const o = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
        bodies.set(key, Buffer.from(await o.Body!.transformToByteArray()) as Buffer);
        const manifest = key.endsWith('.manifest');
        const type = manifest
          ? { ION_TEXT: 'text/x-amzn-ion', ION_BINARY: 'application/x-amzn-ion', JSON: 'application/json' }[format]
          : { ION_TEXT: 'text/x-amzn-ion', ION_BINARY: 'application/x-amzn-ion', JSON: 'application/x-ndjson' }[format];
        assert.equal(p.headers['content-type'], type, key);
        assert.equal(o.ContentType, type);
        assert.equal(p.headers['content-encoding'], undefined, 'no aws-chunked body');
        for (const [h, v] of Object.entries(headers)) assert.equal(p.headers[h], v, `${h} on ${key}`);
      }
      const keys = checkExport({
        read: (key) => {
          const b = bodies.get(key);
          assert.ok(b, `object ${key} was PUT`);
          return b;
        },
        d,
        format,
        formatGiven: true,
        strandId,
        blocks,
        maxBlocksPerObject: 5,
      });
      assert.equal(puts.length, keys.length + 2, 'started manifest, data objects, completed manifest');
      assert.ok(puts[0].url.includes('.started.manifest'), 'the started manifest first');
      assert.ok(puts[puts.length - 1].url.includes('.completed.manifest'), 'the completed manifest last');
    });
  }

  it('a third export while two are IN_PROGRESS is LimitExceededException, from the SDK and /usr/bin/aws', async () => {
    const end = await recentEnd(qldb, LEDGER);
    const input = (prefix: string) =>
      exportInput(LEDGER, { InclusiveStartTime: new Date(0), ExclusiveEndTime: end }, { Bucket: BUCKET, Prefix: prefix });
    proxy.hold(true);
    try {
      const a = await qldb.send(new ExportJournalToS3Command(input('held-a/')));
      const b = await qldb.send(new ExportJournalToS3Command(input('held-b/')));
      for (const id of [a.ExportId!, b.ExportId!]) {
        const d = await qldb.send(new DescribeJournalS3ExportCommand({ Name: LEDGER, ExportId: id }));
        assert.equal(d.ExportDescription!.Status, 'IN_PROGRESS');
      }
      await rejectsWith(qldb.send(new ExportJournalToS3Command(input('held-c/'))), 'LimitExceededException', 400, { ResourceType: 'JOURNAL_S3_EXPORT' });
      const cli = await aws(server.endpoint, [
        'qldb', 'export-journal-to-s3', '--name', LEDGER, '--inclusive-start-time', '0', '--exclusive-end-time', String(end.getTime() / 1000),
        '--s3-export-configuration', JSON.stringify(input('held-c/').S3ExportConfiguration), '--role-arn', ROLE,
      ]);
      assert.equal(cli.errorCode, 'LimitExceededException', cli.stderr);
      proxy.hold(false);
      for (const id of [a.ExportId!, b.ExportId!]) assert.equal((await waitFinished(qldb, LEDGER, id)).Status, 'COMPLETED');
    } finally {
      proxy.hold(false);
    }
  });

  it('a bucket name S3 refuses is refused before anything reaches the endpoint, from the SDK and /usr/bin/aws', async () => {
    const seen = proxy.requests.length;
    const refusal = 'QLDB encountered an error validating S3 configuration: InvalidBucketName The specified bucket is not valid.';
    for (const bucket of ['Bad_Bucket', '192.168.1.1', 'QLDB-EXPORTS', 'b'.repeat(64)]) {
      await rejectsWith(qldb.send(new ExportJournalToS3Command(exportInput(LEDGER, {}, { Bucket: bucket }))), 'InvalidParameterException', 400, {
        ParameterName: 'S3ExportConfiguration',
      }, refusal);
    }
    const cli = await aws(server.endpoint, [
      'qldb', 'export-journal-to-s3', '--name', LEDGER, '--inclusive-start-time', '0', '--exclusive-end-time', String((await recentEnd(qldb, LEDGER)).getTime() / 1000),
      '--s3-export-configuration', JSON.stringify({ Bucket: 'Bad_Bucket', Prefix: 'x/', EncryptionConfiguration: { ObjectEncryptionType: 'SSE_S3' } }),
      '--role-arn', ROLE,
    ]);
    assert.equal(cli.errorCode, 'InvalidParameterException', cli.stderr);
    assert.ok(cli.stderr.includes(refusal), cli.stderr);
    assert.equal(proxy.requests.length, seen, 'no request reached S3');
  });

  it('a bucket that does not exist: InvalidParameterException quoting S3, and no export is created', async () => {
    const before = (await qldb.send(new ListJournalS3ExportsForLedgerCommand({ Name: LEDGER }))).JournalS3Exports!.length;
    await rejectsWith(
      qldb.send(new ExportJournalToS3Command(exportInput(LEDGER, {}, { Bucket: 'no-such-bucket' }))),
      'InvalidParameterException',
      400,
      { ParameterName: 'S3ExportConfiguration' },
      /^QLDB encountered an error validating S3 configuration: NoSuchBucket /,
    );
    const cli = await aws(server.endpoint, [
      'qldb', 'export-journal-to-s3', '--name', LEDGER, '--inclusive-start-time', '0', '--exclusive-end-time', String((await recentEnd(qldb, LEDGER)).getTime() / 1000),
      '--s3-export-configuration', JSON.stringify({ Bucket: 'no-such-bucket', Prefix: 'x/', EncryptionConfiguration: { ObjectEncryptionType: 'SSE_S3' } }),
      '--role-arn', ROLE,
    ]);
    assert.equal(cli.errorCode, 'InvalidParameterException', cli.stderr);
    assert.match(cli.stderr, /QLDB encountered an error validating S3 configuration: NoSuchBucket/);
    const after = (await qldb.send(new ListJournalS3ExportsForLedgerCommand({ Name: LEDGER }))).JournalS3Exports!.length;
    assert.equal(after, before);
  });
});

describe('export expiry (--export-retention)', () => {
  let server: TestServer;
  let qldb: QLDBClient;
  const LEDGER = 'exports-expiry';

  before(async () => {
    server = await startServer(['--export-retention', '3000ms']);
    qldb = client(server);
    await createLedger(server.endpoint, LEDGER);
  });
  after(async () => {
    qldb?.destroy();
    await server?.dispose();
  });

  it('a finished export is visible for the retention, then Describe is ResourceNotFound and List omits it', async () => {
    const { ExportId } = await qldb.send(new ExportJournalToS3Command(exportInput(LEDGER, { InclusiveStartTime: new Date(0) })));
    const d = await waitFinished(qldb, LEDGER, ExportId!);
    assert.equal(d.Status, 'COMPLETED');
    assert.equal((await qldb.send(new ListJournalS3ExportsCommand({}))).JournalS3Exports!.length, 1);
    await new Promise((r) => setTimeout(r, 3200));
    await rejectsWith(qldb.send(new DescribeJournalS3ExportCommand({ Name: LEDGER, ExportId })), 'ResourceNotFoundException', 404, {
      ResourceType: 'JOURNAL_S3_EXPORT',
      ResourceName: ExportId!,
    });
    const cli = await aws(server.endpoint, ['qldb', 'describe-journal-s3-export', '--name', LEDGER, '--export-id', ExportId!]);
    assert.equal(cli.errorCode, 'ResourceNotFoundException');
    assert.deepEqual((await aws(server.endpoint, ['qldb', 'list-journal-s3-exports'])).json.JournalS3Exports, []);
    assert.deepEqual((await qldb.send(new ListJournalS3ExportsCommand({}))).JournalS3Exports, []);
    assert.deepEqual((await qldb.send(new ListJournalS3ExportsForLedgerCommand({ Name: LEDGER }))).JournalS3Exports, []);
    // and it is purged from storage
    await new Promise((r) => setTimeout(r, 1200));
    const store = await serverStore(server);
    try {
      assert.equal(await store.exports.get(ExportId!), undefined);
      assert.deepEqual(await store.exports.countByStatus(0), []);
    } finally {
      await store.close();
    }
  });
});
