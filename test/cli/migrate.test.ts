/**
 * `openqldb migrate` end to end: a SQLite data directory written by a real `openqldb serve`
 * through the official driver and @aws-sdk/client-qldb (several ledgers, tables, an index,
 * updates, deletes, a dropped table, a redaction, tags, a finished export; a running stream and a
 * finished import in the jobs table), the real CLI copying it into a fresh PostgreSQL database,
 * then a server on that database answering the same digests, blocks, proofs, tags, exports,
 * documents and history, and committing on.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { dom, dumpText, load, makeBinaryWriter, makeReader } from 'ion-js';
import {
  CreateLedgerCommand,
  DescribeJournalS3ExportCommand,
  DescribeLedgerCommand,
  ExportJournalToS3Command,
  GetBlockCommand,
  GetDigestCommand,
  ListLedgersCommand,
  ListTagsForResourceCommand,
  QLDBClient,
  TagResourceCommand,
  type GetBlockCommandOutput,
  type GetDigestCommandOutput,
  type JournalS3ExportDescription,
} from '@aws-sdk/client-qldb';
import { startServer, testCredentials, type TestServer } from '../helpers/server';
import { describePostgres, freshDatabase, suiteCleanup } from '../helpers/postgres';
import { connectClient } from '../../src/storage/postgres/db';
import { openPostgresStore } from '../../src/storage/postgres/store';
import { openDatabase } from '../../src/storage/sqlite/db';
import { sqliteStore } from '../../src/storage/sqlite/store';
import type { Job } from '../../src/jobs/types';
import { createLedger, newDriver } from '../clients/sessionHelpers';
import { foldProof } from '../../src/journal/hash';
import { verifyBlock } from '../../src/journal/verify';
import { migrateDataDir } from '../../src/storage/migrate';
import { runMigrate } from '../../src/cli/migrate';

const MAIN = join(__dirname, '..', '..', 'src', 'cli', 'main.js');
const LEDGERS = ['migrate-people', 'migrate-things', 'migrate-empty'];

function openqldb(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

const migrate = (dataDir: string, url: string) => openqldb(['migrate', '--from-data-dir', dataDir, '--database-url', url]);

function client(server: TestServer): QLDBClient {
  return new QLDBClient({ endpoint: server.endpoint, region: 'us-east-1', credentials: testCredentials, maxAttempts: 1 });
}

const text = (v: dom.Value) => dumpText(v);
const sortedTexts = (vs: dom.Value[]) => vs.map(text).sort();

function ionBinary(ionText: string): Buffer {
  const w = makeBinaryWriter();
  w.writeValues(makeReader(ionText));
  w.close();
  return Buffer.from(w.getBytes());
}

const blobs = (ionText: string) => load(ionText)!.elements().map((e) => Buffer.from(e.uInt8ArrayValue()!));

/**
 * What a server answers about the journals and the control plane. Read before any session
 * transaction on the server: every committed transaction, a read-only one too, adds a block.
 */
interface Journals {
  digests: Record<string, GetDigestCommandOutput>;
  block: GetBlockCommandOutput;
  tags: Record<string, Record<string, string> | undefined>;
  exportDescription: JournalS3ExportDescription;
  secondPage: string[];
}

async function journals(server: TestServer, exportId: string, blockAddressOf: (d: GetDigestCommandOutput) => string, token: string): Promise<Journals> {
  const qldb = client(server);
  try {
    const digests: Record<string, GetDigestCommandOutput> = {};
    const tags: Journals['tags'] = {};
    for (const name of LEDGERS) {
      const d = await qldb.send(new GetDigestCommand({ Name: name }));
      digests[name] = { Digest: d.Digest, DigestTipAddress: d.DigestTipAddress, $metadata: {} };
      const arn = (await qldb.send(new DescribeLedgerCommand({ Name: name }))).Arn!;
      tags[name] = (await qldb.send(new ListTagsForResourceCommand({ ResourceArn: arn }))).Tags;
    }
    const people = digests['migrate-people'];
    const block = await qldb.send(
      new GetBlockCommand({ Name: 'migrate-people', BlockAddress: { IonText: blockAddressOf(people) }, DigestTipAddress: people.DigestTipAddress }),
    );
    return {
      digests,
      block: { Block: block.Block, Proof: block.Proof, $metadata: {} },
      tags,
      exportDescription: (await qldb.send(new DescribeJournalS3ExportCommand({ Name: 'migrate-people', ExportId: exportId }))).ExportDescription!,
      // a pagination token of the SQLite server: the secret that signs it was copied
      secondPage: ((await qldb.send(new ListLedgersCommand({ MaxResults: 1, NextToken: token }))).Ledgers ?? []).map((l) => l.Name!),
    };
  } finally {
    qldb.destroy();
  }
}

/** What the driver reads: documents, history (the redacted revision included), an index lookup. */
async function documents(server: TestServer): Promise<Record<string, string[]>> {
  const people = newDriver(server.endpoint, 'migrate-people');
  const things = newDriver(server.endpoint, 'migrate-things');
  const read = async (driver: typeof people, statement: string, ...params: unknown[]) =>
    sortedTexts(await driver.executeLambda(async (t) => (await t.execute(statement, ...params)).getResultList()));
  try {
    return {
      people: await read(people, 'SELECT * FROM Person'),
      committed: await read(people, 'SELECT * FROM _ql_committed_Person'),
      history: await read(people, 'SELECT * FROM history(Person)'),
      byIndex: await read(people, 'SELECT p.Name FROM Person AS p WHERE p.GovId = ?', 'G2'),
      tables: await read(things, 'SELECT name, status FROM information_schema.user_tables'),
      things: await read(things, 'SELECT * FROM Thing'),
    };
  } finally {
    people.close();
    things.close();
  }
}

describe('openqldb migrate: usage', () => {
  it('prints its help, and exits 2 for an unknown option or a missing flag', async () => {
    const run = async (argv: string[], env: NodeJS.ProcessEnv = {}) => {
      let out = '';
      let err = '';
      const code = await runMigrate(argv, { out: (t) => (out += t), err: (t) => (err += t), env });
      return { code, out, err };
    };
    const help = await run(['--help']);
    assert.equal(help.code, 0);
    assert.match(help.out, /^Usage: openqldb migrate --from-data-dir <dir> --database-url <postgres:\/\/…>\n/);
    assert.match((await run(['--from-data-dir', 'x', '--bogus', 'y'])).err, /^openqldb migrate: unknown option --bogus\n\nUsage:/);
    assert.equal((await run(['--from-data-dir', 'x'])).code, 2);
    assert.match((await run(['--from-data-dir', 'x'])).err, /--database-url \(or OPENQLDB_DATABASE_URL\) is required/);
    assert.match((await run(['--database-url', 'postgres://h/d'])).err, /required: --from-data-dir/);
    // the environment variable stands in for the flag: the missing directory is refused next
    const fromEnv = await run(['--from-data-dir', join(tmpdir(), 'openqldb-no-such-dir')], { OPENQLDB_DATABASE_URL: 'postgres://h/d' });
    assert.equal(fromEnv.code, 1);
    assert.match(fromEnv.err, /is not an openqldb data directory/);
  });
});

describePostgres('openqldb migrate: a SQLite data directory into PostgreSQL', () => {
  let dataDir: string;
  let exportId: string;
  let token: string;
  let journalsBefore: Journals;
  let documentsBefore: Record<string, string[]>;
  let jobsBefore: Job[];
  const scratch = mkdtempSync(join(tmpdir(), 'openqldb-migrate-'));
  const blockAddressOf = (d: GetDigestCommandOutput) => {
    const tip = load(d.DigestTipAddress!.IonText!)!;
    return `{strandId: "${tip.get('strandId')!.stringValue()}", sequenceNo: 2}`;
  };

  before(async () => {
    const server = await startServer([], { store: 'sqlite' });
    dataDir = server.dataDir;
    const qldb = client(server);
    try {
      await createLedger(server.endpoint, 'migrate-people');
      await createLedger(server.endpoint, 'migrate-things');
      await qldb.send(new CreateLedgerCommand({ Name: 'migrate-empty', PermissionsMode: 'ALLOW_ALL', DeletionProtection: true, Tags: { team: 'audit', 'cost center': '42' } }));
      const arn = (await qldb.send(new DescribeLedgerCommand({ Name: 'migrate-people' }))).Arn!;
      await qldb.send(new TagResourceCommand({ ResourceArn: arn, Tags: { env: 'test', owner: 'ana' } }));

      const people = newDriver(server.endpoint, 'migrate-people');
      try {
        await people.executeLambda(async (t) => {
          await t.execute('CREATE TABLE Person');
          await t.execute('CREATE INDEX ON Person (GovId)');
        });
        for (let i = 0; i < 6; i++) {
          await people.executeLambda((t) => t.execute('INSERT INTO Person ?', { GovId: `G${i}`, Name: `Person ${i}`, Born: 1980 + i }));
        }
        await people.executeLambda((t) => t.execute('UPDATE Person AS p SET p.Name = ? WHERE p.GovId = ?', 'Renamed', 'G2'));
        await people.executeLambda((t) => t.execute('DELETE FROM Person AS p WHERE p.GovId = ?', 'G4'));
        const tableId = (await people.executeLambda((t) => t.execute("SELECT VALUE tableId FROM information_schema.user_tables WHERE name = 'Person'")))
          .getResultList()[0]
          .stringValue()!;
        const v0 = (
          await people.executeLambda((t) => t.execute('SELECT * FROM history(Person) AS h WHERE h.data.GovId = ? AND h.metadata.version = 0', 'G2'))
        ).getResultList()[0];
        const id = v0.get('metadata', 'id')!.stringValue()!;
        await people.executeLambda((t) => t.execute(`EXEC redact_revision ?, '${tableId}', '${id}'`, v0.get('blockAddress')!));
      } finally {
        people.close();
      }
      const things = newDriver(server.endpoint, 'migrate-things');
      try {
        await things.executeLambda(async (t) => {
          await t.execute('CREATE TABLE Thing');
          await t.execute('CREATE TABLE Old');
          for (let i = 0; i < 3; i++) await t.execute('INSERT INTO Thing ?', { n: i, bytes: new Uint8Array([i, 1, 2]) });
        });
        await things.executeLambda((t) => t.execute('DROP TABLE Old'));
      } finally {
        things.close();
      }

      const started = await qldb.send(
        new ExportJournalToS3Command({
          Name: 'migrate-people',
          InclusiveStartTime: new Date(Date.now() - 3_600_000),
          ExclusiveEndTime: new Date(),
          RoleArn: 'arn:aws:iam::123456789012:role/export',
          S3ExportConfiguration: { Bucket: 'audit', Prefix: 'migrate/', EncryptionConfiguration: { ObjectEncryptionType: 'NO_ENCRYPTION' } },
        }),
      );
      exportId = started.ExportId!;
      for (let i = 0; ; i++) {
        const d = (await qldb.send(new DescribeJournalS3ExportCommand({ Name: 'migrate-people', ExportId: exportId }))).ExportDescription!;
        if (d.Status === 'COMPLETED') break;
        assert.equal(d.Status, 'IN_PROGRESS');
        assert.ok(i < 500, 'the export did not finish');
        await new Promise((r) => setTimeout(r, 20));
      }
      token = (await qldb.send(new ListLedgersCommand({ MaxResults: 1 }))).NextToken!;
      assert.ok(token);
      documentsBefore = await documents(server);
      journalsBefore = await journals(server, exportId, blockAddressOf, token);
    } finally {
      qldb.destroy();
      await server.stop();
    }

    // the background jobs kept beside the journal: a stream still running, under the stopped
    // server's lease for another hour, and a finished import
    const store = sqliteStore(openDatabase(dataDir));
    try {
      const ledgerId = (await store.ledgers.all()).find((l) => l.name === 'migrate-people')!.ledgerId;
      const of = { accountId: '000000000000', region: 'us-east-1', ledgerId, ledgerName: 'migrate-people' };
      await store.jobs.insert({ ...of, kind: 'stream', id: 'migrateStream0000000001', createdMs: Date.now() - 5000, status: 'ACTIVE', active: true,
        spec: '{"StreamName":"audit"}', progress: '{"nextSeq":7}' }, 5);
      await store.jobs.insert({ ...of, kind: 'import', id: 'migrateImport0000000001', createdMs: Date.now() - 4000, status: 'IN_PROGRESS', active: true,
        spec: '{"Bucket":"imports"}', progress: '{}' });
      assert.equal((await store.jobs.claim('stream', 'the-sqlite-server', Date.now() + 3_600_000, Date.now()))?.id, 'migrateStream0000000001');
      assert.equal(await store.jobs.finish('migrateImport0000000001', 'FAILED', Date.now(), 'the bucket is gone'), true);
      jobsBefore = [(await store.jobs.get('stream', 'migrateStream0000000001'))!, (await store.jobs.get('import', 'migrateImport0000000001'))!];
    } finally {
      await store.close();
    }
  });

  after(() => {
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(scratch, { recursive: true, force: true });
  });

  it('copies every ledger; a server on PostgreSQL answers the same digests, blocks, proofs, tags, exports, documents and history, and commits on', async () => {
    const url = await freshDatabase(suiteCleanup);
    const r = await migrate(dataDir, url);
    assert.equal(r.code, 0, r.stderr);
    for (const name of LEDGERS) {
      const digest = Buffer.from(journalsBefore.digests[name].Digest!).toString('base64');
      const line = r.stdout.split('\n').find((l) => l.startsWith(`ledger ${name} `));
      assert.ok(line, r.stdout);
      const tip = load(journalsBefore.digests[name].DigestTipAddress!.IonText!)!.get('sequenceNo')!.numberValue()!;
      const live = { 'migrate-people': 5, 'migrate-things': 3, 'migrate-empty': 0 }[name];
      assert.equal(line, `ledger ${name} (ACTIVE): ${tip + 1} blocks, ${live} documents, digest ${digest} at tip ${tip}`);
    }
    assert.match(r.stdout, /migrated 3 ledgers, 1 finished export job and 2 import and stream jobs to postgres:\/\/.*; every journal verified\n$/);

    // the jobs as they were, and the running stream free for the first PostgreSQL node to take
    // over at once, not only when the stopped server's lease would have run out
    const pg = await openPostgresStore(url);
    try {
      assert.deepEqual([await pg.jobs.get('stream', jobsBefore[0].id), await pg.jobs.get('import', jobsBefore[1].id)], jobsBefore);
      assert.equal((await pg.jobs.claim('stream', 'a-postgres-node', Date.now() + 30_000, Date.now()))?.id, jobsBefore[0].id);
      assert.equal(await pg.jobs.renew(jobsBefore[0].id, 'a-postgres-node', 0), true);
      assert.equal(await pg.jobs.claim('import', 'a-postgres-node', Date.now() + 30_000, Date.now()), undefined, 'the import finished');
    } finally {
      await pg.close();
    }

    const server = await startServer(['--database-url', url], { store: 'sqlite' });
    try {
      const after_ = await journals(server, exportId, blockAddressOf, token);
      assert.deepEqual(after_, journalsBefore);
      assert.deepEqual(await documents(server), documentsBefore);
      // the proof GetBlock gave still folds to the digest
      const tipDigest = Buffer.from(after_.digests['migrate-people'].Digest!);
      const block = load(after_.block.Block!.IonText!)!;
      assert.deepEqual(foldProof(Buffer.from(block.get('blockHash')!.uInt8ArrayValue()!), blobs(after_.block.Proof!.IonText!)), tipDigest);

      // a new commit chains onto the migrated journal, and the whole journal verifies against the new digest
      const qldb = client(server);
      const driver = newDriver(server.endpoint, 'migrate-people');
      try {
        const last = await qldb.send(new GetDigestCommand({ Name: 'migrate-people' }));
        await driver.executeLambda((t) => t.execute('INSERT INTO Person ?', { GovId: 'G9', Name: 'After' }));
        const d = await qldb.send(new GetDigestCommand({ Name: 'migrate-people' }));
        const address = load(d.DigestTipAddress!.IonText!)!;
        const tip = address.get('sequenceNo')!.numberValue()!;
        assert.equal(tip, load(last.DigestTipAddress!.IonText!)!.get('sequenceNo')!.numberValue()! + 1);
        let previous: Buffer | undefined;
        for (let seq = 0; seq <= tip; seq++) {
          const BlockAddress = { IonText: `{strandId: "${address.get('strandId')!.stringValue()}", sequenceNo: ${seq}}` };
          const b = await qldb.send(new GetBlockCommand({ Name: 'migrate-people', BlockAddress, DigestTipAddress: d.DigestTipAddress }));
          const v = verifyBlock(ionBinary(b.Block!.IonText!), previous);
          assert.equal(v.ok, true, v.ok ? '' : v.message);
          previous = Buffer.from(load(b.Block!.IonText!)!.get('blockHash')!.uInt8ArrayValue()!);
          assert.deepEqual(foldProof(previous, blobs(b.Proof!.IonText!)), Buffer.from(d.Digest!), `block ${seq}`);
        }
        const found = await driver.executeLambda((t) => t.execute('SELECT p.Name FROM Person AS p WHERE p.GovId = ?', 'G9'));
        assert.deepEqual(sortedTexts(found.getResultList()), ['{Name:"After"}']);
      } finally {
        driver.close();
        qldb.destroy();
      }
    } finally {
      await server.stop();
    }

    // the target is not empty any more: a second run is refused and changes nothing
    const count = async () => {
      const c = await connectClient(url);
      try {
        return (await c.query('SELECT (SELECT count(*) FROM ledgers) AS l, (SELECT count(*) FROM journal_blocks) AS b, (SELECT count(*) FROM revisions) AS r')).rows[0];
      } finally {
        await c.end();
      }
    };
    const was = await count();
    const again = await migrate(dataDir, url);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /^openqldb migrate: the target database is not empty: it holds 3 ledgers, \d+ journal blocks, 1 export job, \d+ documents, 2 import and stream jobs\. /);
    assert.equal(again.stdout, '');
    assert.deepEqual(await count(), was);
  });

  it('refuses a database it cannot reach with the message serve gives, never showing the password', async () => {
    const url = 'postgres://openqldb:hunter2-secret@127.0.0.1:1/nowhere';
    const r = await migrate(dataDir, url);
    assert.equal(r.code, 1);
    assert.doesNotMatch(r.stdout + r.stderr, /hunter2/);
    assert.match(r.stderr, /^openqldb migrate: cannot connect to PostgreSQL at 127\.0\.0\.1:1, database "nowhere", user "openqldb": .*ECONNREFUSED/);
    const serve = await openqldb(['serve', '--database-url', url, '--data-dir', join(scratch, 'serve'), '--port', '0']);
    assert.equal(serve.code, 1);
    const message = /cannot connect to PostgreSQL[^\n]*/.exec(serve.stderr)?.[0];
    assert.ok(message, serve.stderr);
    assert.ok(r.stderr.includes(message), `${r.stderr}\n${serve.stderr}`);
    const bad = await migrate(dataDir, 'mysql://root:hunter2-secret@localhost/x');
    assert.equal(bad.code, 1);
    assert.doesNotMatch(bad.stderr, /hunter2/);
    assert.match(bad.stderr, /invalid PostgreSQL URL mysql:\/\/root:\*\*\*@localhost\/x/);
  });

  it('refuses a missing data directory and one a running server holds', async () => {
    const url = await freshDatabase(suiteCleanup);
    const missing = await migrate(join(scratch, 'no-such-dir'), url);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /is not an openqldb data directory \(there is no .*openqldb\.sqlite\)/);
    const server = await startServer([], { store: 'sqlite' });
    try {
      const held = await migrate(server.dataDir, url);
      assert.equal(held.code, 1);
      assert.match(held.stderr, /the data directory .* is in use by openqldb process \d+/);
      assert.match(held.stderr, /no data was written/);
    } finally {
      await server.dispose();
    }
  });

  it('refuses a data directory whose export is still IN_PROGRESS, naming it', async () => {
    const copy = join(scratch, 'in-progress');
    cpSync(dataDir, copy, { recursive: true });
    const db = new Database(join(copy, 'openqldb.sqlite'));
    db.prepare(`UPDATE journal_s3_exports SET status = 'IN_PROGRESS', finished_ms = NULL WHERE export_id = ?`).run(exportId);
    db.close();
    const url = await freshDatabase(suiteCleanup);
    const r = await migrate(copy, url);
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`an export is IN_PROGRESS: ${exportId} \\(ledger migrate-people\\)\\. Let it finish first: run \`openqldb serve --data-dir `));
    const c = await connectClient(url);
    try {
      assert.equal((await c.query(`SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public'`)).rows[0].n, 0);
    } finally {
      await c.end();
    }
  });

  it('verifies across pages of the journal (in process, 3 blocks a page)', async () => {
    const url = await freshDatabase(suiteCleanup);
    const result = await migrateDataDir({ dataDir, databaseUrl: url, pageBlocks: 3 });
    assert.deepEqual(
      Object.fromEntries(result.ledgers.map((l) => [l.name, l.digest!.toString('base64')])),
      Object.fromEntries(LEDGERS.map((name) => [name, Buffer.from(journalsBefore.digests[name].Digest!).toString('base64')])),
    );
    assert.equal(result.exports, 1);
    assert.equal(result.jobs, 2);
  });

  it('fails verification of a changed block or digest-tree node with exit 1, and writes nothing', async () => {
    const tampered = (name: string, change: (db: Database.Database, ledgerId: string) => void) => {
      const copy = join(scratch, name);
      cpSync(dataDir, copy, { recursive: true });
      const db = new Database(join(copy, 'openqldb.sqlite'));
      change(db, (db.prepare(`SELECT ledger_id FROM ledgers WHERE name = 'migrate-people'`).pluck().get() as string));
      db.close();
      return copy;
    };
    const changedBlock = tampered('changed-block', (db, ledgerId) => {
      const ion = db.prepare('SELECT ion FROM journal_blocks WHERE ledger_id = ? AND seq = 3').pluck().get(ledgerId) as Buffer;
      const at = ion.indexOf('Person 1');
      assert.ok(at > 0);
      ion.write('Xerson 1', at);
      db.prepare('UPDATE journal_blocks SET ion = ? WHERE ledger_id = ? AND seq = 3').run(ion, ledgerId);
    });
    const changedNode = tampered('changed-node', (db, ledgerId) => {
      db.prepare('UPDATE journal_tree_nodes SET hash = zeroblob(32) WHERE ledger_id = ? AND level = 1 AND idx = 1').run(ledgerId);
    });
    for (const [dir, why] of [
      [changedBlock, /verification of ledger migrate-people \(\w+\) failed: revisionHash: block \{strandId:"\w+",sequenceNo:3\}: revision 0 .*hash does not match/],
      [changedNode, /verification of ledger migrate-people \(\w+\) failed: digest-tree node \(1, 1\) differs from the one recomputed from the blocks/],
    ] as const) {
      const url = await freshDatabase(suiteCleanup);
      const r = await migrate(dir, url);
      assert.equal(r.code, 1, r.stdout);
      assert.match(r.stderr, why);
      const c = await connectClient(url);
      try {
        const rows = (await c.query('SELECT (SELECT count(*)::int FROM ledgers) AS l, (SELECT count(*)::int FROM journal_blocks) AS b, (SELECT count(*)::int FROM server_meta) AS m')).rows[0];
        assert.deepEqual(rows, { l: 0, b: 0, m: 0 });
      } finally {
        await c.end();
      }
    }
  });
});
