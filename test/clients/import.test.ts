/**
 * Journal imports (issue #12) against live servers with the real clients: a ledger written
 * through the official driver (tables, an index, updates, deletes, a redaction, a dropped table,
 * a few hundred blocks) is exported by one server (ION_TEXT and ION_BINARY), imported by another
 * on a fresh data directory (ImportJournalFromS3, signed like any AWS call), and must then be the
 * same ledger: the same digest at the same tip, the same blocks byte for byte, GetRevision and
 * GetBlock proofs that fold into the digest saved before, the same answers to queries over the
 * user view, the committed view and history(), and new commits that chain on and verify.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { load, dumpText, type dom } from 'ion-js';
import {
  GetBlockCommand,
  GetDigestCommand,
  GetRevisionCommand,
  DescribeLedgerCommand,
  type GetDigestCommandOutput,
} from '@aws-sdk/client-qldb';
import type { QldbDriver } from 'amazon-qldb-driver-nodejs';
import { startServer, type TestServer } from '../helpers/server';
import { createLedger, newDriver, storedBlocks } from './sessionHelpers';
import { control, exportJournal, until, verifyExport } from './clusterHelpers';
import { importClient, importInput, waitImported } from './importHelpers';
import { dot } from '../../src/journal/hash';

const LEDGER = 'vehicles';
const BUCKET = 'qldb-exports';

const rows = (r: { getResultList(): dom.Value[] }) => r.getResultList().map((v) => dumpText(v)).sort();

/** Writes the source ledger: ~300 blocks of every kind of change. */
async function writeLedger(driver: QldbDriver): Promise<void> {
  await driver.executeLambda((t) => t.execute('CREATE TABLE Vehicle'));
  await driver.executeLambda((t) => t.execute('CREATE TABLE Person'));
  await driver.executeLambda((t) => t.execute('CREATE INDEX ON Vehicle (VIN)'));
  await driver.executeLambda((t) => t.execute('CREATE TABLE Scratch'));
  await driver.executeLambda((t) => t.execute('INSERT INTO Scratch ?', { note: 'to be dropped' }));
  await driver.executeLambda((t) => t.execute('DROP TABLE Scratch'));
  await driver.executeLambda((t) => t.execute('CREATE TABLE Empty'));
  for (let i = 0; i < 120; i++) {
    await driver.executeLambda((t) =>
      t.execute('INSERT INTO Vehicle ?', { VIN: `VIN${i}`, Make: i % 2 ? 'Ford' : 'Tesla', Year: 2000 + (i % 20), Price: load(`${i}.50`) }),
    );
  }
  for (let i = 0; i < 40; i++) await driver.executeLambda((t) => t.execute('INSERT INTO Person ?', { GovId: `P${i}`, Name: `Person ${i}` }));
  for (let i = 0; i < 100; i++) {
    await driver.executeLambda((t) => t.execute('UPDATE Vehicle AS v SET v.Owner = ?, v.Year = ? WHERE v.VIN = ?', `P${i % 40}`, 2030 + i, `VIN${i}`));
  }
  for (let i = 0; i < 20; i++) await driver.executeLambda((t) => t.execute('DELETE FROM Vehicle AS v WHERE v.VIN = ?', `VIN${100 + i}`));
  await driver.executeLambda((t) => t.execute('CREATE INDEX ON Person (GovId)'));
  // a redaction of an old revision
  const v0 = (await driver.executeLambda((t) => t.execute("SELECT * FROM history(Vehicle) AS h WHERE h.data.VIN = 'VIN3' AND h.metadata.version = 0"))).getResultList()[0];
  const tableId = (await driver.executeLambda((t) => t.execute('SELECT VALUE tableId FROM information_schema.user_tables WHERE name = ?', 'Vehicle'))).getResultList()[0].stringValue()!;
  const docId = v0.get('metadata', 'id')!.stringValue()!;
  await driver.executeLambda((t) => t.execute(`EXEC redact_revision ?, '${tableId}', '${docId}'`, v0.get('blockAddress')!));
}

/** The same questions to both ledgers: user view, committed view, history, the catalog. */
const QUERIES = [
  'SELECT * FROM Vehicle',
  'SELECT * FROM Person',
  "SELECT VALUE v FROM Vehicle AS v WHERE v.VIN = 'VIN7'",
  "SELECT p.Name FROM Person AS p WHERE p.GovId = 'P9'",
  'SELECT * FROM _ql_committed_Vehicle',
  'SELECT * FROM _ql_committed_Person',
  'SELECT * FROM history(Vehicle)',
  'SELECT * FROM history(Person)',
  'SELECT name, status FROM information_schema.user_tables',
  // a table no document was ever written to is named in no block with its id (README): Empty's is derived
  "SELECT name, tableId FROM information_schema.user_tables WHERE name <> 'Empty'",
  'SELECT t.name, i.expr FROM information_schema.user_tables AS t, @t.indexes AS i',
  'SELECT COUNT(*) FROM Empty',
];

async function answers(driver: QldbDriver): Promise<string[][]> {
  const out: string[][] = [];
  for (const q of QUERIES) out.push(rows(await driver.executeLambda((t) => t.execute(q))));
  return out;
}

/** Folds a proof as every QLDB verifier does. */
function fold(leaf: Buffer, proofText: string): Buffer {
  let acc = leaf;
  for (const p of load(proofText)!.elements()) acc = dot(acc, Buffer.from(p.uInt8ArrayValue()!));
  return acc;
}

describe('journal import round trip (driver-written ledger → export → import on a fresh server)', () => {
  let source: TestServer;
  let digest: GetDigestCommandOutput;
  let sourceAnswers: string[][];
  let sourceBlocks: Buffer[];
  const prefixes: Record<string, string> = {};

  before(async () => {
    source = await startServer();
    await createLedger(source.endpoint, LEDGER);
    const driver = newDriver(source.endpoint, LEDGER);
    try {
      await writeLedger(driver);
      sourceAnswers = await answers(driver);
    } finally {
      driver.close();
    }
    const c = control(source.endpoint);
    digest = await c.send(new GetDigestCommand({ Name: LEDGER }));
    c.destroy();
    sourceBlocks = await storedBlocks(source, LEDGER);
    assert.ok(sourceBlocks.length > 250, `${sourceBlocks.length} blocks`);
    // the export covers every block: its end is after the last one
    await new Promise((r) => setTimeout(r, 1100));
    for (const format of ['ION_TEXT', 'ION_BINARY'] as const) {
      prefixes[format] = `${format.toLowerCase()}/`;
      await exportFormat(source.endpoint, format, prefixes[format]);
    }
  });

  after(async () => {
    await source?.dispose();
  });

  for (const format of ['ION_TEXT', 'ION_BINARY'] as const) {
    it(`${format}: the imported ledger is the same ledger, and goes on`, async () => {
      const target = await startServer(['--s3-local-dir', `${source.dataDir}/s3`]);
      try {
        const imports = importClient(target.endpoint);
        const tip = load(digest.DigestTipAddress!.IonText!)!;
        const { ImportId } = await imports.importJournal(
          importInput('restored', prefixes[format], { Digest: Buffer.from(digest.Digest!).toString('base64'), DigestTipAddress: { IonText: digest.DigestTipAddress!.IonText! } }),
        );
        const c = control(target.endpoint);
        // nobody reads a ledger being imported
        const early = await c.send(new DescribeLedgerCommand({ Name: 'restored' }));
        const d = await waitImported(imports, ImportId);
        assert.equal(d.Status, 'COMPLETED', d.ErrorMessage);
        assert.ok(['CREATING', 'ACTIVE'].includes(early.State!));
        assert.equal(d.BlocksWritten, sourceBlocks.length);
        assert.equal(d.BlocksVerified, sourceBlocks.length);
        assert.equal(d.TotalBlocks, sourceBlocks.length);
        assert.equal(d.NotUnderstoodCount, undefined, JSON.stringify(d.NotUnderstood));
        assert.equal((await c.send(new DescribeLedgerCommand({ Name: 'restored' }))).State, 'ACTIVE');

        // the same digest at the same tip, and the same blocks byte for byte
        const got = await c.send(new GetDigestCommand({ Name: 'restored' }));
        assert.deepEqual(Buffer.from(got.Digest!), Buffer.from(digest.Digest!));
        assert.equal(got.DigestTipAddress!.IonText, digest.DigestTipAddress!.IonText);
        const imported = await storedBlocks(target, 'restored');
        assert.equal(imported.length, sourceBlocks.length);
        for (let i = 0; i < imported.length; i++) assert.ok(imported[i].equals(sourceBlocks[i]), `block ${i} is stored byte for byte`);

        // proofs from the imported ledger fold into the digest saved from the source
        for (const seq of [1, 57, 200, sourceBlocks.length - 1]) {
          const address = `{strandId:"${tip.get('strandId')!.stringValue()}",sequenceNo:${seq}}`;
          const block = await c.send(new GetBlockCommand({ Name: 'restored', BlockAddress: { IonText: address }, DigestTipAddress: digest.DigestTipAddress }));
          const hash = Buffer.from(load(block.Block!.IonText!)!.get('blockHash')!.uInt8ArrayValue()!);
          assert.deepEqual(fold(hash, block.Proof!.IonText!), Buffer.from(digest.Digest!), `GetBlock ${seq}`);
          const b = load(block.Block!.IonText!)!;
          const revision = b.get('revisions')?.elements()[0];
          if (!revision) continue;
          const r = await c.send(
            new GetRevisionCommand({ Name: 'restored', BlockAddress: { IonText: address }, DocumentId: revision.get('metadata', 'id')!.stringValue()!, DigestTipAddress: digest.DigestTipAddress }),
          );
          const rh = Buffer.from(load(r.Revision!.IonText!)!.get('hash')!.uInt8ArrayValue()!);
          assert.deepEqual(fold(rh, r.Proof!.IonText!), Buffer.from(digest.Digest!), `GetRevision in block ${seq}`);
        }

        // the same answers through the driver, then new commits chain on
        const driver = newDriver(target.endpoint, 'restored');
        try {
          assert.deepEqual(await answers(driver), sourceAnswers);
          await driver.executeLambda((t) => t.execute('INSERT INTO Vehicle ?', { VIN: 'NEW1', Make: 'Rivian' }));
          await driver.executeLambda((t) => t.execute("UPDATE Vehicle AS v SET v.Make = 'Kia' WHERE v.VIN = 'VIN5'"));
          await driver.executeLambda((t) => t.execute('CREATE TABLE Later'));
          assert.equal(rows(await driver.executeLambda((t) => t.execute("SELECT VALUE v.Make FROM Vehicle AS v WHERE v.VIN IN ('NEW1', 'VIN5')"))).join(','), '"Kia","Rivian"');
        } finally {
          driver.close();
        }
        const after = await c.send(new GetDigestCommand({ Name: 'restored' }));
        c.destroy();
        const end = new Date(Date.now() + 1100);
        await new Promise((r) => setTimeout(r, 1200));
        // the imported ledger was created when its journal began: an export of it holds every block
        const again = `again-${format.toLowerCase()}/`;
        await exportJournal(target.endpoint, 'restored', BUCKET, again, end);
        await verifyExport(`${source.dataDir}/s3`, BUCKET, again, after);
      } finally {
        await target.dispose();
      }
    });
  }

  async function exportFormat(endpoint: string, format: 'ION_TEXT' | 'ION_BINARY', prefix: string): Promise<void> {
    const { ExportJournalToS3Command, DescribeJournalS3ExportCommand } = await import('@aws-sdk/client-qldb');
    const c = control(endpoint);
    const created = (await c.send(new DescribeLedgerCommand({ Name: LEDGER }))).CreationDateTime!;
    const { ExportId } = await c.send(
      new ExportJournalToS3Command({
        Name: LEDGER,
        InclusiveStartTime: created,
        ExclusiveEndTime: new Date(),
        RoleArn: 'arn:aws:iam::000000000000:role/export',
        OutputFormat: format,
        S3ExportConfiguration: { Bucket: BUCKET, Prefix: prefix, EncryptionConfiguration: { ObjectEncryptionType: 'SSE_S3' } },
      }),
    );
    await until(`export ${ExportId} completes`, async () => (await c.send(new DescribeJournalS3ExportCommand({ Name: LEDGER, ExportId }))).ExportDescription!.Status === 'COMPLETED', 30_000);
    c.destroy();
  }
});
