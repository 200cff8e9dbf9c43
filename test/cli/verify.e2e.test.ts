/**
 * `openqldb verify` over real exports: a live server, a journal written by the official driver,
 * ExportJournalToS3 through @aws-sdk/client-qldb to the local-directory sink and to s3rver, then
 * the verifier against the digest GetDigest answered — and against one tampered byte.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DescribeJournalS3ExportCommand,
  ExportJournalToS3Command,
  GetDigestCommand,
  QLDBClient,
} from '@aws-sdk/client-qldb';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { load } from 'ion-js';
import { startServer, testCredentials, type TestServer } from '../helpers/server';
import { createLedger, newDriver } from '../clients/sessionHelpers';
import { runVerify } from '../../src/cli/verify';
// eslint-disable-next-line @typescript-eslint/no-var-requires
const S3rver = require('s3rver');

const LEDGER = 'verify-e2e';
const BUCKET = 'audit-bucket';

async function verify(args: string[]) {
  let out = '';
  let err = '';
  const code = await runVerify(args, { out: (t) => (out += t), err: (t) => (err += t) });
  return { code, out, err };
}

async function writeJournal(endpoint: string) {
  await createLedger(endpoint, LEDGER);
  const driver = newDriver(endpoint, LEDGER);
  try {
    await driver.executeLambda((t) => t.execute('CREATE TABLE Vehicle'));
    for (let i = 0; i < 12; i++) {
      await driver.executeLambda((t) => t.execute('INSERT INTO Vehicle ?', { VIN: `V${i}`, Price: 1000 + i, Owners: [{ Name: 'Ann' }] }));
    }
    await driver.executeLambda((t) => t.execute('UPDATE Vehicle SET Price = 1 WHERE VIN = ?', 'V3'));
    await driver.executeLambda((t) => t.execute('DELETE FROM Vehicle WHERE VIN = ?', 'V4'));
  } finally {
    driver.close();
  }
}

async function exportJournal(qldb: QLDBClient, prefix: string, format: 'ION_TEXT' | 'ION_BINARY' | 'JSON'): Promise<string> {
  const { ExportId } = await qldb.send(
    new ExportJournalToS3Command({
      Name: LEDGER,
      InclusiveStartTime: new Date(Date.now() - 3_600_000),
      ExclusiveEndTime: new Date(),
      RoleArn: 'arn:aws:iam::123456789012:role/export',
      OutputFormat: format,
      S3ExportConfiguration: { Bucket: BUCKET, Prefix: prefix, EncryptionConfiguration: { ObjectEncryptionType: 'NO_ENCRYPTION' } },
    }),
  );
  for (let i = 0; i < 200; i++) {
    const d = await qldb.send(new DescribeJournalS3ExportCommand({ Name: LEDGER, ExportId: ExportId! }));
    if (d.ExportDescription!.Status === 'COMPLETED') return ExportId!;
    assert.equal(d.ExportDescription!.Status, 'IN_PROGRESS');
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail('export did not complete');
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? filesUnder(join(dir, n)) : [join(dir, n)]));
}

describe('openqldb verify over real exports (local directory sink)', () => {
  let server: TestServer;
  let qldb: QLDBClient;
  let digest: { b64: string; tip: number };
  before(async () => {
    // small objects, so that the chain crosses object boundaries
    server = await startServer(['--export-object-max-blocks', '4']);
    qldb = new QLDBClient({ endpoint: server.endpoint, region: 'us-east-1', credentials: testCredentials, maxAttempts: 1 });
    await writeJournal(server.endpoint);
    const d = await qldb.send(new GetDigestCommand({ Name: LEDGER }));
    digest = { b64: Buffer.from(d.Digest!).toString('base64'), tip: load(d.DigestTipAddress!.IonText!)!.get('sequenceNo')!.numberValue()! };
  });
  after(async () => {
    qldb.destroy();
    await server.dispose();
  });

  for (const format of ['ION_TEXT', 'ION_BINARY'] as const) {
    it(`${format}: the export verifies against GetDigest's digest; a changed byte is named`, async () => {
      const prefix = `exp-${format}/`;
      const exportId = await exportJournal(qldb, prefix, format);
      const root = join(server.dataDir, 's3');
      const args = ['--dir', root, '--bucket', BUCKET, '--prefix', prefix];
      let r = await verify([...args, '--digest', digest.b64, '--tip', String(digest.tip)]);
      assert.equal(r.code, 0, r.out + r.err);
      assert.match(r.out, new RegExp(`export ${exportId} .*: OK — blocks 0\\.\\.${digest.tip} in \\d+ objects`));
      assert.match(r.out, /fold into the given digest/);
      // change one character of a document inside an exported data object
      // the string "V7" as Ion text, or as Ion binary (type 8, length 2), never a base64 look-alike
      const marker = format === 'ION_TEXT' ? Buffer.from('"V7"') : Buffer.from([0x82, 0x56, 0x37]);
      const file = filesUnder(join(root, BUCKET, prefix)).find((f) => f.endsWith('.ion') && readFileSync(f).includes(marker))!;
      const bytes = readFileSync(file);
      bytes[bytes.indexOf(marker) + marker.length - 1 - (format === 'ION_TEXT' ? 1 : 0)] = '8'.charCodeAt(0);
      writeFileSync(file, bytes);
      r = await verify(args);
      assert.equal(r.code, 1, r.out + r.err);
      assert.match(r.out, /FAILED[\s\S]*hash does not match its metadata and data[\s\S]*check: revisionHash, sequenceNo \d+, object exp-/);
    });
  }

  it('JSON: refuses, saying why', async () => {
    await exportJournal(qldb, 'exp-json/', 'JSON');
    const r = await verify(['--dir', join(server.dataDir, 's3'), '--bucket', BUCKET, '--prefix', 'exp-json/']);
    assert.equal(r.code, 2);
    assert.match(r.err, /JSON export\. JSON keeps no Ion types/);
  });
});

describe('openqldb verify over an export in an S3 endpoint (s3rver)', () => {
  let s3rver: any;
  let s3dir: string;
  let server: TestServer;
  let qldb: QLDBClient;
  let endpoint: string;
  before(async () => {
    s3dir = mkdtempSync(join(tmpdir(), 's3rver-'));
    s3rver = new S3rver({ port: 0, address: '127.0.0.1', directory: s3dir, silent: true, configureBuckets: [{ name: BUCKET }] });
    const { port } = await s3rver.run();
    endpoint = `http://127.0.0.1:${port}`;
    server = await startServer(['--s3-endpoint', endpoint, '--s3-force-path-style', '--export-object-max-blocks', '5'], {
      env: { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', AWS_REGION: 'us-east-1' },
    });
    qldb = new QLDBClient({ endpoint: server.endpoint, region: 'us-east-1', credentials: testCredentials, maxAttempts: 1 });
    await writeJournal(server.endpoint);
  });
  after(async () => {
    qldb.destroy();
    await server?.dispose();
    await s3rver?.close();
    rmSync(s3dir, { recursive: true, force: true });
  });

  it('reads the manifest and objects through the S3 API', async () => {
    const exportId = await exportJournal(qldb, 'journal/', 'ION_BINARY');
    const r = await verify([
      '--s3-endpoint', endpoint, '--s3-access-key-id', 'S3RVER', '--s3-secret-access-key', 'S3RVER',
      '--bucket', BUCKET, '--prefix', 'journal/', '--export-id', exportId,
    ]);
    assert.equal(r.code, 0, r.out + r.err);
    assert.match(r.out, new RegExp(`export ${exportId} .*: OK — blocks 0\\.\\.\\d+ in \\d+ objects`));
    const missing = await verify([
      '--s3-endpoint', endpoint, '--s3-access-key-id', 'S3RVER', '--s3-secret-access-key', 'S3RVER',
      '--bucket', BUCKET, '--prefix', 'nothing-here/',
    ]);
    assert.equal(missing.code, 2);
    assert.match(missing.err, /no completed manifest/);
  });

  it('names an object left out of the completed manifest, listing the bucket through the S3 API', async () => {
    const prefix = 'omitted/';
    const exportId = await exportJournal(qldb, prefix, 'ION_TEXT');
    const s3 = new S3Client({
      endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    });
    try {
      const args = ['--s3-endpoint', endpoint, '--s3-access-key-id', 'S3RVER', '--s3-secret-access-key', 'S3RVER', '--bucket', BUCKET, '--prefix', prefix];
      const intact = await verify(args);
      assert.equal(intact.code, 0, intact.out + intact.err);
      const completed = `${prefix}${exportId}.${/strand (\w+)/.exec(intact.out)![1]}.completed.manifest`;
      const body = await (await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: completed }))).Body!.transformToString();
      const keys: string[] = load(body)!.get('keys')!.elements().map((k) => k.stringValue()!);
      assert.ok(keys.length > 2);
      const put = (k: string[]) => s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: completed, Body: `{keys:${JSON.stringify(k)}}` }));
      // the first, the last, and every object: none of them leaves a gap in the sequence
      const cases: [string[], string][] = [[keys.slice(1), keys[0]], [keys.slice(0, -1), keys[keys.length - 1]], [[], keys[0]]];
      for (const [kept, removed] of cases) {
        await put(kept);
        const r = await verify(args);
        assert.equal(r.code, 1, r.out + r.err);
        assert.match(r.out, /check: omittedObject, sequenceNo \d+, object /);
        assert.ok(r.out.includes(`object ${removed}\n`), r.out);
      }
    } finally {
      s3.destroy();
    }
  });
});
