/**
 * What a journal import reads and refuses (issue #12), against a live server: several exports of
 * one strand imported together (consecutive, overlapping), and every kind of bad input — a
 * missing object, a gap, a broken hash, unreadable Ion (a symbol id past its table too), a digest that does not match, two
 * strands, a manifest listing keys outside the prefix, a JSON export — each a FAILED import whose
 * message names the object, the block and the check, leaving no ledger (the name is free again)
 * and no journal or document rows behind; the same import read through the S3 API (s3rver).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeLedgerCommand, GetDigestCommand, QLDBClient } from '@aws-sdk/client-qldb';
import { startServer, type TestServer } from '../helpers/server';
import { serverStore } from '../helpers/serverStore';
import { control } from './clusterHelpers';
import { importClient, importInput, waitImported } from './importHelpers';
import { ImportApiError, type ImportClient } from '../../src/cli/commands/importClient';
import { STRAND, writeExport, writeManifest } from '../cli/exportFixture';
import { onTerminal, openqldb } from '../cli/commandsHelpers';

const BUCKET = 'qldb-exports';

describe('journal imports: several exports, and bad input that leaves nothing behind', () => {
  let server: TestServer;
  let root: string;
  let imports: ImportClient;
  let qldb: QLDBClient;

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'openqldb-import-src-'));
    server = await startServer(['--s3-local-dir', root]);
    imports = importClient(server.endpoint);
    qldb = control(server.endpoint);
  });
  after(async () => {
    qldb.destroy();
    await server.dispose();
    rmSync(root, { recursive: true, force: true });
  });

  /** Imports and waits; a FAILED import must have left no ledger and no rows. */
  let ledgers = 0;
  /** the ledger the last import filled */
  let name = '';
  async function run(prefix: string, over: Parameters<typeof importInput>[2] = {}) {
    name = `imported-${++ledgers}`;
    const { ImportId } = await imports.importJournal(importInput(name, prefix, over));
    const d = await waitImported(imports, ImportId);
    if (d.Status === 'FAILED') {
      await assert.rejects(qldb.send(new DescribeLedgerCommand({ Name: name })), { name: 'ResourceNotFoundException' });
      const store = await serverStore(server);
      try {
        const job = (await store.jobs.get('import', ImportId))!;
        assert.equal(await store.journal.strand(job.ledgerId), undefined, 'no journal left');
        assert.deepEqual(await store.documents.catalog(job.ledgerId), { tables: [], indexes: [] }, 'no tables left');
        assert.equal(await store.ledgers.get(job.ledgerId), undefined, 'no ledger row left');
      } finally {
        await store.close();
      }
      // the name is free again
      const { CreateLedgerCommand, DeleteLedgerCommand } = await import('@aws-sdk/client-qldb');
      await qldb.send(new CreateLedgerCommand({ Name: name, PermissionsMode: 'STANDARD', DeletionProtection: false }));
      await qldb.send(new DeleteLedgerCommand({ Name: name }));
    }
    return d;
  }

  async function dropLedger(): Promise<void> {
    const { DeleteLedgerCommand } = await import('@aws-sdk/client-qldb');
    await qldb.send(new DeleteLedgerCommand({ Name: name }));
  }

  it('consecutive exports of one strand (month by month) import together', async () => {
    const a = writeExport(root, BUCKET, 'months/', 30, 'ION_BINARY', 7, { exportId: 'ExMonth00000000000000A' });
    const b = writeExport(root, BUCKET, 'months/', 61, 'ION_TEXT', 9, { exportId: 'ExMonth00000000000000B', from: 30 });
    assert.ok(a.keys.length && b.keys.length);
    const d = await run('months/', { Digest: b.digest.toString('base64'), DigestTipAddress: { IonText: `{strandId:"${STRAND}",sequenceNo:60}` } });
    assert.equal(d.Status, 'COMPLETED', d.ErrorMessage);
    assert.equal(d.BlocksWritten, 61);
    assert.deepEqual(d.S3ImportConfiguration, { Bucket: BUCKET, Prefix: 'months/' });
    const got = await qldb.send(new GetDigestCommand({ Name: name }));
    assert.deepEqual(Buffer.from(got.Digest!), b.digest);
    // the fixture journal writes to a table no CREATE TABLE made: kept, and reported
    assert.ok(d.NotUnderstoodCount! >= 1);
    assert.match(d.NotUnderstood![0], /table Person \(Tb000000000000000000AA\) is written to before any CREATE TABLE/);
    await dropLedger();
  });

  it('overlapping exports holding the same blocks import once', async () => {
    writeExport(root, BUCKET, 'overlap/', 40, 'ION_TEXT', 10, { exportId: 'ExOverlap000000000000A' });
    const b = writeExport(root, BUCKET, 'overlap/', 70, 'ION_BINARY', 12, { exportId: 'ExOverlap000000000000B', from: 25 });
    const d = await run('overlap/');
    assert.equal(d.Status, 'COMPLETED', d.ErrorMessage);
    assert.equal(d.BlocksWritten, 70);
    assert.deepEqual(Buffer.from((await qldb.send(new GetDigestCommand({ Name: name }))).Digest!), b.digest);
    await dropLedger();
  });

  it('export ids choose among the exports under the prefix', async () => {
    writeExport(root, BUCKET, 'choose/', 20, 'ION_TEXT', 10, { exportId: 'ExChoose0000000000000A' });
    writeExport(root, BUCKET, 'choose/', 50, 'ION_TEXT', 10, { exportId: 'ExChoose0000000000000B', from: 35 });
    const d = await run('choose/', { S3ImportConfiguration: { Bucket: BUCKET, Prefix: 'choose/', ExportIds: ['ExChoose0000000000000A'] } });
    assert.equal(d.Status, 'COMPLETED', d.ErrorMessage);
    assert.equal(d.BlocksWritten, 20);
    await dropLedger();
  });

  const failures: [string, (prefix: string) => Parameters<typeof importInput>[2] | void, RegExp][] = [
    [
      'a gap between two exports',
      (p) => {
        writeExport(root, BUCKET, p, 30, 'ION_TEXT', 10, { exportId: 'ExGap00000000000000001' });
        writeExport(root, BUCKET, p, 60, 'ION_TEXT', 10, { exportId: 'ExGap00000000000000002', from: 40 });
      },
      /blocks 30\.\.39 are in no listed object.*starts at block 40/,
    ],
    [
      'a missing object',
      (p) => {
        const e = writeExport(root, BUCKET, p, 30, 'ION_BINARY', 10);
        unlinkSync(join(root, BUCKET, e.keys[1]));
      },
      /\.10-19\.ion: listed in the manifest of export Ex000000000000000000AA but cannot be read \(NoSuchKey/,
    ],
    [
      'a broken revision hash',
      (p) => {
        const e = writeExport(root, BUCKET, p, 30, 'ION_TEXT', 10);
        const file = join(root, BUCKET, e.keys[2]);
        writeFileSync(file, readFileSync(file, 'utf8').replace('LastName:"Doe25"', 'LastName:"Roe25"'));
      },
      /\.20-29\.ion: block \{strandId:"Fx000000000000000000AA",sequenceNo:25\}: revision \d+ .*hash does not match its metadata and data \(check: revisionHash\)/,
    ],
    [
      'unreadable Ion',
      (p) => {
        const e = writeExport(root, BUCKET, p, 20, 'ION_TEXT', 10);
        writeFileSync(join(root, BUCKET, e.keys[1]), '{blockAddress: {strandId: "x", [[[ not ion');
      },
      /\.10-19\.ion: not readable as Ion.*\(check: format\)/,
    ],
    [
      'a symbol id past its block\'s symbol table',
      (p) => {
        const e = writeExport(root, BUCKET, p, 30, 'ION_BINARY', 10);
        const file = join(root, BUCKET, e.keys[2]);
        const b = readFileSync(file);
        // block 25's first revision holds GovId: "G25-0"; the byte before the string is its field name's id
        const value = Buffer.from([0x85, ...Buffer.from('G25-0')]);
        const at = b.indexOf(value);
        assert.ok(at > 0 && b.indexOf(value, at + 1) < 0 && b[at - 1] >= 0x80 && b[at - 1] < 0xff);
        b[at - 1] = 0xff; // the id 127: that block's table holds fewer symbols
        writeFileSync(file, b);
      },
      /\.20-29\.ion: block \{strandId:"Fx000000000000000000AA",sequenceNo:25\}: .*symbol id 127 is beyond the symbol table \(its largest id is \d+\) \(check: format\)/,
    ],
    [
      'a blockTimestamp with fractional seconds of more than 306 digits',
      (p) => {
        const e = writeExport(root, BUCKET, p, 30, 'ION_TEXT', 10);
        const file = join(root, BUCKET, e.keys[2]);
        const text = readFileSync(file, 'utf8');
        // block 25's stamp, with 400 more zero digits: the same instant, which ion-js works at for long
        const stamp = /blockAddress:\{strandId:"Fx000000000000000000AA",sequenceNo:25\}.*?blockTimestamp:(\S+?\.\d+)Z/.exec(text)!;
        writeFileSync(file, text.replace(`blockTimestamp:${stamp[1]}Z`, `blockTimestamp:${stamp[1]}${'0'.repeat(400)}Z`));
      },
      // the block cannot be read whole, but its address can: the message names it
      /\.20-29\.ion: block \{strandId:"Fx000000000000000000AA",sequenceNo:25\}: not a readable block: blockTimestamp: a timestamp's fractional seconds of 403 digits \(ion-js reads at most 306\) \(check: format\)/,
    ],
    [
      'a date that does not exist (30 February)',
      (p) => {
        const e = writeExport(root, BUCKET, p, 30, 'ION_TEXT', 10);
        const file = join(root, BUCKET, e.keys[2]);
        const text = readFileSync(file, 'utf8');
        // block 25's two people were born on 1990-01-26; ion-js would read 30 February as 2 March
        assert.equal(text.split('DOB:1990-01-26T').length, 3);
        writeFileSync(file, text.replaceAll('DOB:1990-01-26T', 'DOB:1990-02-30T'));
      },
      /\.20-29\.ion: not readable as Ion: Ion text at byte \d+: 1990-02-30T: a timestamp's day 30 is out of range \(check: format\)/,
    ],
    [
      'a string that is not valid UTF-8',
      (p) => {
        const e = writeExport(root, BUCKET, p, 30, 'ION_BINARY', 10);
        const file = join(root, BUCKET, e.keys[2]);
        const b = readFileSync(file);
        // block 25's first revision holds GovId: "G25-0": its "5-" becomes an overlong "/", which
        // ion-js would read as "G2/0"
        const at = b.indexOf(Buffer.from('G25-0'));
        assert.ok(at > 0 && b.indexOf(Buffer.from('G25-0'), at + 1) < 0);
        b.set([0xc0, 0xaf], at + 2);
        writeFileSync(file, b);
      },
      /\.20-29\.ion: block \{strandId:"Fx000000000000000000AA",sequenceNo:25\}: revision 0 \(document D0+250 version 0\): not readable: a string that is not valid UTF-8 \(check: format\)/,
    ],
    [
      'a digest that does not match',
      (p) => {
        writeExport(root, BUCKET, p, 30, 'ION_BINARY', 10);
        return { Digest: Buffer.alloc(32, 7).toString('base64'), DigestTipAddress: { IonText: `{strandId:"${STRAND}",sequenceNo:20}` } };
      },
      /blocks 0\.\.20 do not fold into the expected digest BwcH.* \(they give .*\) \(check: digest\)/,
    ],
    [
      'a digest tip beyond the exports',
      (p) => {
        const e = writeExport(root, BUCKET, p, 30, 'ION_BINARY', 10);
        return { Digest: e.digest.toString('base64'), DigestTipAddress: { IonText: `{strandId:"${STRAND}",sequenceNo:45}` } };
      },
      /the expected digest's tip is block 45, but the exports end at block 29/,
    ],
    [
      'two strands',
      (p) => {
        writeExport(root, BUCKET, p, 20, 'ION_TEXT', 10);
        writeManifest(root, BUCKET, `${p}ExOther000000000000001.St000000000000000000BB.completed.manifest`, []);
      },
      /the exports hold two strands: .* of strand Fx000000000000000000AA, .* of strand St000000000000000000BB/,
    ],
    [
      'a manifest listing a key outside the prefix',
      (p) => {
        const e = writeExport(root, BUCKET, p, 20, 'ION_TEXT', 10);
        writeManifest(root, BUCKET, e.manifestKey, [e.keys[0], `elsewhere/2024/01/02/03/${STRAND}.10-19.ion`]);
      },
      /completed\.manifest lists "elsewhere\/2024\/01\/02\/03\/Fx000000000000000000AA\.10-19\.ion", a key outside the prefix/,
    ],
    [
      'a JSON export',
      (p) => {
        const e = writeExport(root, BUCKET, p, 20, 'ION_TEXT', 10);
        writeFileSync(join(root, BUCKET, `${p}Ex000000000000000000AA.started.manifest`), '{"ledgerName":"x","exportId":"Ex000000000000000000AA","inclusiveStartTime":"2024-01-02T03:00:00.000Z","exclusiveEndTime":"2024-01-03T00:00:00.000Z","bucket":"b","prefix":"p","objectEncryptionType":"NO_ENCRYPTION","outputFormat":"JSON"}');
        assert.ok(e.keys.length);
      },
      /is a JSON export, which cannot be imported: JSON keeps no Ion types/,
    ],
    ['no export at all', () => undefined, /no completed manifest .* under s3:\/\/qldb-exports\/empty-\d+\//],
  ];
  failures.forEach(([what, make, message], i) => {
    it(`${what}: FAILED, naming what is wrong, and nothing left behind`, async () => {
      const prefix = what === 'no export at all' ? `empty-${i}/` : `bad-${i}/`;
      const over = make(prefix) ?? {};
      const d = await run(prefix, over);
      assert.equal(d.Status, 'FAILED');
      assert.match(d.ErrorMessage!, message);
    });
  });

  it('a broken hash deep in a large object, found after part of it was written: FAILED, and nothing left behind', async () => {
    // the reading worker hands blocks over a thousand at a time, and they are written in batches
    // as they come: blocks 3000-4999 are in before block 5900 fails its check
    const e = writeExport(root, BUCKET, 'deep/', 6_000, 'ION_BINARY', 3_000);
    const file = join(root, BUCKET, e.keys[1]);
    const bytes = readFileSync(file);
    const at = bytes.indexOf('Doe5900');
    assert.ok(at > 0);
    bytes.write('R', at);
    writeFileSync(file, bytes);
    const d = await run('deep/');
    assert.equal(d.Status, 'FAILED');
    assert.match(d.ErrorMessage!, /\.3000-5999\.ion: block \{strandId:"Fx000000000000000000AA",sequenceNo:5900\}: revision \d+ .*\(check: revisionHash\)/);
    assert.equal(d.BlocksWritten, 5_000, 'the second object was being written when its failure was found');
  });

  it('openqldb import follows an import with plain progress lines and exits 0 when COMPLETED, 1 when FAILED', async () => {
    const e = writeExport(root, BUCKET, 'cli/', 3_000, 'ION_BINARY', 500);
    const tip = `{strandId:"${STRAND}",sequenceNo:${e.tip}}`;
    const ok = await openqldb(server.endpoint, ['import', '--ledger', 'from-cli', '--bucket', BUCKET, '--prefix', 'cli/', '--digest', e.digest.toString('base64'), '--tip', tip, '--no-deletion-protection']);
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(ok.json.ImportDescription.Status, 'COMPLETED');
    assert.equal(ok.json.ImportDescription.BlocksWritten, 3_000);
    assert.match(ok.stderr, /import \w{22} of ledger from-cli: COMPLETED, \[#{24}\] 3000\/3000 blocks, 3000 verified, \d+\.\d MB\/s/);
    assert.equal((await qldb.send(new DescribeLedgerCommand({ Name: 'from-cli' }))).DeletionProtection, false);
    const bad = await openqldb(server.endpoint, ['import', '--ledger', 'from-cli-2', '--bucket', BUCKET, '--prefix', 'cli/', '--digest', Buffer.alloc(32, 1).toString('base64'), '--tip', tip]);
    assert.equal(bad.code, 1);
    assert.equal(bad.json.ImportDescription.Status, 'FAILED');
    assert.match(bad.stderr, /openqldb import: FAILED: blocks 0\.\.2999 do not fold into the expected digest/);
    const usage = await openqldb(server.endpoint, ['import', '--ledger', 'x', '--bucket', BUCKET, '--digest', e.digest.toString('base64')]);
    assert.equal(usage.code, 252);
    assert.match(usage.stderr, /--digest and --tip go together/);
    // on a terminal: one line redrawn in place, then the description as a table
    const tty = await onTerminal(server.endpoint, ['import', '--ledger', 'from-tty', '--bucket', BUCKET, '--prefix', 'cli/']);
    assert.equal(tty.code, 0, tty.output);
    assert.match(tty.output, /\r\x1b\[2Kimport \w{22} of ledger from-tty: (IN_PROGRESS|COMPLETED), \[[#-]{24}\]/);
    assert.match(tty.output, /Status\s*\|?\s*COMPLETED/);
    const refused = await openqldb(server.endpoint, ['import', '--ledger', 'from-cli', '--bucket', BUCKET, '--prefix', 'cli/']);
    assert.equal(refused.code, 254);
    assert.match(refused.stderr, /An error occurred \(ResourceAlreadyExistsException\) when calling the ImportJournalFromS3 operation: Ledger with name from-cli already exists/);
  });

  it('a Digest without its tip address is refused at once', async () => {
    await assert.rejects(imports.importJournal(importInput('imported', 'months/', { Digest: Buffer.alloc(32).toString('base64') })), (e: ImportApiError) => {
      assert.equal(e.name, 'InvalidParameterException');
      assert.equal(e.body.ParameterName, 'DigestTipAddress');
      return true;
    });
    await assert.rejects(imports.describe('NoSuchImport0000000000'), { name: 'ResourceNotFoundException' });
  });
});

describe('journal imports from an S3 endpoint (s3rver)', () => {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const S3rver = require('s3rver');
  let s3rver: { run(): Promise<{ port: number }>; close(): Promise<void> };
  let server: TestServer;
  let local: string;
  let s3dir: string;

  before(async () => {
    s3dir = mkdtempSync(join(tmpdir(), 's3rver-import-'));
    local = mkdtempSync(join(tmpdir(), 'openqldb-import-s3-'));
    s3rver = new S3rver({ port: 0, address: '127.0.0.1', directory: s3dir, silent: true, configureBuckets: [{ name: BUCKET }] });
    const { port } = await s3rver.run();
    const endpoint = `http://127.0.0.1:${port}`;
    server = await startServer(['--s3-endpoint', endpoint, '--s3-force-path-style', '--s3-access-key-id', 'S3RVER', '--s3-secret-access-key', 'S3RVER']);
    // the export is put into the bucket as QLDB left it there
    const e = writeExport(local, BUCKET, 'qldb/', 45, 'ION_BINARY', 10);
    const { S3Client, PutObjectCommand } = await import('@aws-sdk/client-s3');
    const s3 = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
    for (const key of [...e.keys, e.manifestKey, 'qldb/Ex000000000000000000AA.started.manifest']) {
      await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: readFileSync(join(local, BUCKET, key)) }));
    }
    s3.destroy();
  });
  after(async () => {
    await server?.dispose();
    await s3rver?.close();
    rmSync(s3dir, { recursive: true, force: true });
    rmSync(local, { recursive: true, force: true });
  });

  it('reads the manifests and objects through the S3 API; a missing bucket is a FAILED import', async () => {
    const imports = importClient(server.endpoint);
    const { ImportId } = await imports.importJournal(importInput('from-s3', 'qldb/'));
    const d = await waitImported(imports, ImportId);
    assert.equal(d.Status, 'COMPLETED', d.ErrorMessage);
    assert.equal(d.BlocksWritten, 45);
    const missing = await imports.importJournal(importInput('from-nowhere', 'qldb/', { S3ImportConfiguration: { Bucket: 'no-such-bucket', Prefix: 'qldb/' } }));
    const m = await waitImported(imports, missing.ImportId);
    assert.equal(m.Status, 'FAILED');
    assert.match(m.ErrorMessage!, /s3:\/\/no-such-bucket\/qldb\/: cannot be listed \(NoSuchBucket/);
  });
});
