/**
 * The official Node driver (amazon-qldb-driver-nodejs 3.1.0) against a live server: DDL, every
 * Ion type, index lookups, DML, paging and read IOs, OCC retries, statement errors, the
 * committed view, history and redaction — and the blocks those transactions left verify.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { dom, load, type dom as domT } from 'ion-js';
import type { QldbDriver, TransactionExecutor } from 'amazon-qldb-driver-nodejs';
import { startServer, testCredentials, type TestServer } from '../helpers/server';
import { CreateLedgerCommand, QLDBClient, UpdateLedgerPermissionsModeCommand } from '@aws-sdk/client-qldb';
import { createLedger, newDriver, storedBlocks } from './sessionHelpers';
import { MAX_NESTING_DEPTH } from '../../src/partiql/documentSize';
import { verifyBlock } from '../../src/journal/verify';

const LEDGER = 'driver-test';

const values = (r: { getResultList(): domT.Value[] }) => r.getResultList();

describe('amazon-qldb-driver-nodejs against openqldb', () => {
  let server: TestServer;
  let driver: QldbDriver;
  before(async () => {
    server = await startServer(['--statement-time-limit', '3s']);
    await createLedger(server.endpoint, LEDGER);
    driver = newDriver(server.endpoint, LEDGER);
  });
  after(async () => {
    driver?.close();
    await server?.dispose();
  });

  it('creates tables and indexes; getTableNames and the catalog show them', async () => {
    await driver.executeLambda(async (txn) => {
      await txn.execute('CREATE TABLE NodeTestTable');
      await txn.execute('CREATE TABLE Other');
    });
    const r = await driver.executeLambda((txn) => txn.execute('CREATE INDEX on NodeTestTable (Name)'));
    assert.equal(values(r).length, 1);
    assert.equal(values(r)[0].get('tableId')!.stringValue()!.length, 22);
    assert.deepEqual((await driver.getTableNames()).sort(), ['NodeTestTable', 'Other']);
    const idx = await driver.executeLambda((txn) =>
      txn.execute(`SELECT VALUE indexes[0] FROM information_schema.user_tables WHERE status = 'ACTIVE'AND name = 'NodeTestTable'`),
    );
    assert.equal(values(idx)[0].get('expr')!.stringValue(), '[Name]');
    await driver.executeLambda((txn) => txn.execute('DROP TABLE Other'));
    assert.deepEqual(await driver.getTableNames(), ['NodeTestTable']);
  });

  it('stores every Ion type losslessly and finds it through the index', async () => {
    const texts = [
      'true', '0', '-17', '123456789012345678901234567890', '1.5', '1.50', '-0.0', '1.5e0', '-2.25e-3',
      '2024-01-02T03:04:05.678Z', '2024-01-02T03:04:05.678+01:00', '2024T', 'sym', '"str"', '""',
      '{{"a clob"}}', '{{aGVsbG8=}}', '[1, "a", [b]]', '(a 1 "x")', '{a:1, b:[2, {c:3}]}',
      'ann::1', 'a::b::"x"', 'x::{y:z::2}',
    ];
    const nulls = ['null', 'null.bool', 'null.int', 'null.float', 'null.decimal', 'null.timestamp', 'null.string',
      'null.symbol', 'null.blob', 'null.clob', 'null.list', 'null.sexp', 'null.struct'];
    // one value at a time, as the driver's own integration test does: PartiQL `=` compares
    // numbers across types (0 = 0.0), so several numeric values in the table would all match
    for (const t of [...texts, ...nulls]) {
      const v = dom.load(t)!;
      await driver.executeLambda((txn) => txn.execute('INSERT INTO NodeTestTable ?', dom.load(`{Name: ${t}}`)!));
      const r = await driver.executeLambda((txn) =>
        v.isNull()
          ? txn.execute('SELECT VALUE Name FROM NodeTestTable WHERE Name IS NULL')
          : txn.execute('SELECT VALUE Name FROM NodeTestTable WHERE Name = ?', load(t)!),
      );
      assert.equal(values(r).length, 1, `exactly one match for ${t}`);
      assert.ok(values(r)[0].ionEquals(v), `${t} came back as ${values(r)[0]}`);
      const del = await driver.executeLambda((txn) => txn.execute('DELETE FROM NodeTestTable'));
      assert.equal(values(del).length, 1);
    }
  });

  it('INSERT, UPDATE, DELETE and COUNT(*); documentId rows', async () => {
    const ins = await driver.executeLambda((txn) =>
      txn.execute(`INSERT INTO NodeTestTable << {'Name': 'a', 'n': 1}, {'Name': 'b', 'n': 2}, {'Name': 'c', 'n': 3} >>`),
    );
    assert.equal(values(ins).length, 3);
    assert.equal(values(ins)[0].get('documentId')!.stringValue()!.length, 22);
    assert.equal(ins.getConsumedIOs()?.getReadIOs() !== undefined, true);
    const upd = await driver.executeLambda((txn) => txn.execute('UPDATE NodeTestTable SET n = 10 WHERE Name = ?', 'b'));
    assert.equal(values(upd).length, 1);
    const del = await driver.executeLambda((txn) => txn.execute(`DELETE FROM NodeTestTable WHERE Name = ?`, 'c'));
    assert.equal(values(del).length, 1);
    const count = await driver.executeLambda((txn) => txn.execute('SELECT COUNT(*) FROM NodeTestTable'));
    assert.equal(values(count)[0].get('_1')!.numberValue(), 2);
    const b = await driver.executeLambda((txn) => txn.execute('SELECT VALUE n FROM "NodeTestTable" WHERE Name = ?', 'b'));
    assert.equal(values(b)[0].numberValue(), 10);
  });

  it("renews a driver's license as AWS's tutorial does: one row per assignment, one revision", async () => {
    await driver.executeLambda((txn) => txn.execute('CREATE TABLE DriversLicense'));
    const ins = await driver.executeLambda((txn) =>
      txn.execute('INSERT INTO DriversLicense ?', { LicenseNumber: 'LEWISR261LL', ValidFromDate: new Date('2017-12-06') }),
    );
    const id = values(ins)[0].get('documentId')!.stringValue()!;
    const actual = await driver.executeLambda(async (txn) => {
      const r = await txn.execute(
        'UPDATE DriversLicense AS d SET d.ValidFromDate = ?, d.ValidToDate = ? WHERE d.LicenseNumber = ?',
        new Date('2019-04-19'), new Date('2023-04-19'), 'LEWISR261LL',
      );
      return r.getResultList();
    });
    // the assertions of the tutorial's Sequence.test.ts, which AWS ran against QLDB
    assert.equal(actual.length, 2);
    assert.ok(actual[0].ionEquals(actual[1]));
    assert.equal(actual[0].allFields().length, 1);
    assert.equal(actual[0].allFields()[0][0], 'documentId');
    assert.equal(actual[0].get('documentId')!.stringValue(), id);

    const blocks = (await storedBlocks(server, LEDGER));
    const revisions = load(blocks[blocks.length - 1])!.get('revisions')!.elements();
    assert.equal(revisions.length, 1);
    assert.equal(revisions[0].get('metadata', 'id')!.stringValue(), id);
    assert.equal(revisions[0].get('metadata', 'version')!.numberValue(), 1);
    const mixed = await driver.executeLambda((txn) =>
      txn.execute('FROM DriversLicense AS d WHERE d.LicenseNumber = ? SET d.Renewed = true REMOVE d.ValidFromDate, d.ValidToDate', 'LEWISR261LL'),
    );
    assert.equal(values(mixed).length, 3);
    const del = await driver.executeLambda((txn) => txn.execute('DELETE FROM DriversLicense AS d WHERE d.LicenseNumber = ?', 'LEWISR261LL'));
    assert.equal(values(del).length, 1);
  });

  it('pages a 6-way self cross join and sums its read IOs to 1092', async () => {
    await driver.executeLambda(async (txn) => {
      await txn.execute('CREATE TABLE Join3');
      await txn.execute(`INSERT INTO Join3 << {'col': 1}, {'col': 2}, {'col': 3} >>`);
    });
    const r = await driver.executeLambda((txn) =>
      txn.execute('SELECT * FROM Join3 as a, Join3 as b, Join3 as c, Join3 as d, Join3 as e, Join3 as f'),
    );
    assert.equal(values(r).length, 729);
    assert.equal(r.getConsumedIOs()!.getReadIOs(), 1092);
    // the streaming interface walks the same pages
    let n = 0;
    await driver.executeLambda(async (txn) => {
      const stream = await txn.executeAndStreamResults('SELECT * FROM Join3 as a, Join3 as b, Join3 as c, Join3 as d, Join3 as e');
      for await (const _ of stream) n++;
    });
    assert.equal(n, 243);
  });

  it('two conflicting lambdas: one commits, the other retries on OCC, as if serial', async () => {
    await driver.executeLambda((txn) => txn.execute(`INSERT INTO NodeTestTable {'Name': 'counter', 'n': 0}`));
    let attempts = 0;
    let arrived = 0;
    let release!: () => void;
    const bothRead = new Promise<void>((r) => (release = r));
    const increment = (txn: TransactionExecutor) =>
      (async () => {
        attempts++;
        const r = await txn.execute('SELECT VALUE n FROM NodeTestTable WHERE Name = ?', 'counter');
        const n = values(r)[0].numberValue()!;
        if (++arrived === 2) release();
        if (arrived <= 2) await bothRead;
        await txn.execute('UPDATE NodeTestTable SET n = ? WHERE Name = ?', n + 1, 'counter');
      })();
    await Promise.all([driver.executeLambda(increment), driver.executeLambda(increment)]);
    assert.equal(attempts, 3, 'exactly one retry');
    const r = await driver.executeLambda((txn) => txn.execute('SELECT VALUE n FROM NodeTestTable WHERE Name = ?', 'counter'));
    assert.equal(values(r)[0].numberValue(), 2);
  });

  it('concurrent inserts are grouped into batches and all land, one block each', async () => {
    const before = (await storedBlocks(server, LEDGER)).length;
    await Promise.all(
      Array.from({ length: 10 }, (_, i) => driver.executeLambda((txn) => txn.execute('INSERT INTO NodeTestTable ?', { Name: `par${i}` }))),
    );
    assert.equal((await storedBlocks(server, LEDGER)).length, before + 10);
    const r = await driver.executeLambda((txn) => txn.execute(`SELECT COUNT(*) FROM NodeTestTable WHERE Name LIKE 'par%'`));
    assert.equal(values(r)[0].get('_1')!.numberValue(), 10);
  });

  it('statement errors are BadRequestException, not retried, and leave no block', async () => {
    const before = (await storedBlocks(server, LEDGER)).length;
    const tries: string[] = [];
    await assert.rejects(
      driver.executeLambda(async (txn) => {
        tries.push('syntax');
        await txn.execute('SELEC * FROM NodeTestTable');
      }),
      (e: any) => e.name === 'BadRequestException' || e.code === 'BadRequestException',
    );
    await assert.rejects(
      driver.executeLambda(async (txn) => {
        tries.push('missing');
        await txn.execute(`INSERT INTO NodeTestTable {'Name': 'ghost'}`);
        await txn.execute('DELETE FROM NonExistentTable');
      }),
      (e: any) => (e.name === 'BadRequestException' || e.code === 'BadRequestException') && /NonExistentTable/.test(e.message),
    );
    assert.deepEqual(tries, ['syntax', 'missing']);
    assert.equal((await storedBlocks(server, LEDGER)).length, before);
    const r = await driver.executeLambda((txn) => txn.execute(`SELECT * FROM NodeTestTable WHERE Name = 'ghost'`));
    assert.equal(values(r).length, 0);
  });

  it('committed view, BY, history with and without bounds, redaction', async () => {
    await driver.executeLambda((txn) => txn.execute('CREATE TABLE Person'));
    const ins = await driver.executeLambda((txn) => txn.execute('INSERT INTO Person ?', { GovId: 'X1', Name: 'Jane', v: 0 }));
    const id = values(ins)[0].get('documentId')!.stringValue()!;
    await new Promise((r) => setTimeout(r, 20));
    const mid = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 20));
    await driver.executeLambda((txn) => txn.execute('UPDATE Person AS p SET p.v = 1 WHERE p.GovId = ?', 'X1'));

    const byId = await driver.executeLambda((txn) => txn.execute('SELECT id FROM Person AS t BY id WHERE t.GovId = ?', 'X1'));
    assert.equal(values(byId)[0].get('id')!.stringValue(), id);
    const c = await driver.executeLambda((txn) =>
      txn.execute('SELECT c.* FROM _ql_committed_Person AS c BY docId WHERE docId = ?', id),
    );
    const row = values(c)[0];
    assert.equal(row.get('metadata', 'version')!.numberValue(), 1);
    assert.equal(row.get('data', 'v')!.numberValue(), 1);
    assert.equal(row.get('hash')!.uInt8ArrayValue()!.length, 32);

    const h = await driver.executeLambda((txn) => txn.execute('SELECT * FROM history(Person) AS h WHERE h.metadata.id = ?', id));
    assert.equal(values(h).length, 2);
    const early = await driver.executeLambda((txn) =>
      txn.execute(`SELECT h.metadata.version FROM history (Person, \`2020-01-01T00:00:00.000Z\`, \`${mid}\`) AS h WHERE h.metadata.id = ?`, id),
    );
    assert.deepEqual(values(early).map((v) => v.get('version')!.numberValue()), [0]);

    const v0 = values(h).find((v) => v.get('metadata', 'version')!.numberValue() === 0)!;
    const tableId = values(
      await driver.executeLambda((txn) => txn.execute('SELECT VALUE tableId FROM information_schema.user_tables WHERE name = ?', 'Person')),
    )[0].stringValue()!;
    const red = await driver.executeLambda((txn) =>
      txn.execute(`EXEC redact_revision ?, '${tableId}', '${id}'`, v0.get('blockAddress')!),
    );
    assert.equal(values(red)[0].get('version')!.numberValue(), 0);
    const after = await driver.executeLambda((txn) =>
      txn.execute('SELECT * FROM history(Person) AS h WHERE h.metadata.id = ? AND h.metadata.version = 0', id),
    );
    const redacted = values(after)[0];
    assert.equal(redacted.get('data'), null);
    assert.equal(redacted.get('dataHash')!.uInt8ArrayValue()!.length, 32);
    assert.deepEqual(redacted.get('hash')!.uInt8ArrayValue(), v0.get('hash')!.uInt8ArrayValue());

    const future = (e: any) => (e.name === 'BadRequestException' || e.code === 'BadRequestException') && /in the future/.test(e.message);
    await assert.rejects(driver.executeLambda((txn) => txn.execute('SELECT * FROM history(Person, `2020T`, `2099T`)')), future);
    await assert.rejects(driver.executeLambda((txn) => txn.execute('SELECT * FROM history(Person, `2099T`)')), future);
  });

  it('refuses a runaway statement with BadRequest instead of exhausting memory or the CPU', async () => {
    await driver.executeLambda(async (txn) => {
      await txn.execute('CREATE TABLE J40');
      for (let n = 0; n < 40; n++) await txn.execute('INSERT INTO J40 ?', { n, s: 'x'.repeat(50_000) });
    });
    const badRequest = (message: RegExp) => (e: any) =>
      (e.name === 'BadRequestException' || e.code === 'BadRequestException') && message.test(e.message);
    // 1,600 rows of 100 KB
    await assert.rejects(
      driver.executeLambda((txn) => txn.execute('SELECT a.s AS x, b.s AS y FROM J40 AS a, J40 AS b')),
      badRequest(/result exceeds the limit of 64 MB/),
    );
    // 102,400,000 rows: refused by whichever limit it reaches first, never materialized
    await assert.rejects(
      driver.executeLambda((txn) => txn.execute('SELECT * FROM J40 AS a, J40 AS b, J40 AS c, J40 AS e, J40 AS f')),
      badRequest(/result exceeds the limit of 64 MB|time limit of 3000 ms/),
    );
    const started = Date.now();
    await assert.rejects(
      driver.executeLambda((txn) => txn.execute('SELECT COUNT(*) FROM J40 AS a, J40 AS b, J40 AS c, J40 AS e, J40 AS f, J40 AS g')),
      badRequest(/time limit of 3000 ms/),
    );
    assert.ok(Date.now() - started < 6_000, `refused after ${Date.now() - started} ms`);
    const count = await driver.executeLambda((txn) => txn.execute('SELECT COUNT(*) FROM J40 AS a, J40 AS b'));
    assert.equal(values(count)[0].get('_1')!.numberValue(), 1600, 'the server and the session go on');
  });

  it(`stores a document nested ${MAX_NESTING_DEPTH} deep and reads it back everywhere; refuses one deeper`, async () => {
    const nested = (depth: number) => {
      let text = '1';
      for (let i = 1; i < depth; i++) text = `[${text}]`;
      return dom.load(`{a: ${text}}`)!;
    };
    const atLimit = nested(MAX_NESTING_DEPTH);
    await driver.executeLambda((txn) => txn.execute('CREATE TABLE Deep'));
    const ins = await driver.executeLambda((txn) => txn.execute('INSERT INTO Deep ?', atLimit));
    const id = values(ins)[0].get('documentId')!.stringValue()!;
    const user = await driver.executeLambda((txn) => txn.execute('SELECT * FROM Deep'));
    assert.ok(values(user)[0].ionEquals(atLimit));
    const committed = await driver.executeLambda((txn) => txn.execute('SELECT * FROM _ql_committed_Deep'));
    assert.ok(values(committed)[0].get('data')!.ionEquals(atLimit));
    const history = await driver.executeLambda((txn) => txn.execute('SELECT h.data FROM history(Deep) AS h'));
    assert.ok(values(history)[0].get('data')!.ionEquals(atLimit));

    const refused = (e: any) =>
      (e.name === 'BadRequestException' || e.code === 'BadRequestException') && /nests deeper than the maximum of 100 levels/.test(e.message);
    await assert.rejects(driver.executeLambda((txn) => txn.execute('INSERT INTO Deep ?', nested(MAX_NESTING_DEPTH + 1))), refused);
    await assert.rejects(driver.executeLambda((txn) => txn.execute('UPDATE Deep SET b = [a]')), refused);
    const all = await driver.executeLambda((txn) => txn.execute('SELECT id FROM Deep BY id'));
    assert.equal(values(all).length, 1);
    assert.equal(values(all)[0].get('id')!.stringValue(), id);
  });

  it('table tags: only on a STANDARD ledger, with the tagging rules', async () => {
    const qldb = new QLDBClient({ endpoint: server.endpoint, region: 'us-east-1', credentials: testCredentials, maxAttempts: 1 });
    await qldb.send(new CreateLedgerCommand({ Name: 'allow-all', PermissionsMode: 'ALLOW_ALL', DeletionProtection: false }));
    const open = newDriver(server.endpoint, 'allow-all');
    try {
      const badRequest = (message: RegExp) => (e: any) =>
        (e.name === 'BadRequestException' || e.code === 'BadRequestException') && message.test(e.message);
      const tagged = "CREATE TABLE Tagged WITH (aws_tags = `{'team': 'ledger'}`)";
      await assert.rejects(open.executeLambda((txn) => txn.execute(tagged)), badRequest(/STANDARD permissions mode/));
      assert.deepEqual(await open.getTableNames(), []);
      await assert.rejects(
        driver.executeLambda((txn) => txn.execute("CREATE TABLE Tagged WITH (aws_tags = `{'aws:team': 'ledger'}`)")),
        badRequest(/'aws:' are reserved/),
      );
      await driver.executeLambda((txn) => txn.execute(tagged));
      assert.ok((await driver.getTableNames()).includes('Tagged'));
      // the mode is read when the statement runs
      await qldb.send(new UpdateLedgerPermissionsModeCommand({ Name: 'allow-all', PermissionsMode: 'STANDARD' }));
      await open.executeLambda((txn) => txn.execute(tagged));
      assert.deepEqual(await open.getTableNames(), ['Tagged']);
    } finally {
      open.close();
      qldb.destroy();
    }
  });

  it('every stored block verifies and chains to the previous one', async () => {
    const blocks = (await storedBlocks(server, LEDGER));
    assert.ok(blocks.length > 10);
    let prev: Uint8Array | undefined;
    blocks.forEach((b, seq) => {
      const v = verifyBlock(b, prev);
      if (!v.ok) assert.fail(`block ${seq}: ${v.check}: ${v.message}`);
      assert.equal(v.block.sequenceNo, seq);
      prev = v.block.blockHash;
    });
  });
});

describe('a statement running past the transaction timeout', () => {
  let server: TestServer;
  let driver: QldbDriver;
  before(async () => {
    server = await startServer(['--transaction-timeout', '1s']);
    await createLedger(server.endpoint, LEDGER);
    driver = newDriver(server.endpoint, LEDGER);
  });
  after(async () => {
    driver?.close();
    await server?.dispose();
  });

  it('is stopped with the transaction-expired error the driver knows, and the driver goes on', async () => {
    await driver.executeLambda(async (txn) => {
      await txn.execute('CREATE TABLE J40');
      await txn.execute('INSERT INTO J40 ?', Array.from({ length: 40 }, (_, n) => ({ n })));
    });
    let attempts = 0;
    const started = Date.now();
    await assert.rejects(
      driver.executeLambda((txn) => {
        attempts++;
        return txn.execute('SELECT COUNT(*) FROM J40 AS a, J40 AS b, J40 AS c, J40 AS e, J40 AS f');
      }),
      (e: any) => e.name === 'InvalidSessionException' && /^Transaction \S+ has expired$/.test(e.message),
    );
    assert.equal(attempts, 1, 'an expired transaction is not retried');
    assert.ok(Date.now() - started < 4_000, `stopped after ${Date.now() - started} ms`);
    const r = await driver.executeLambda((txn) => txn.execute('SELECT COUNT(*) FROM J40'));
    assert.equal(values(r)[0].get('_1')!.numberValue(), 40);
  });
});
