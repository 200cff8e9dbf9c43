/** Catalog statements, their `{tableId}` rows, and the catalog quotas the engine enforces. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StatementError } from '../../src/partiql';
import { ionText, run } from './fixtures';
import { MemoryLedger } from './memoryView';

const tableId = (rows: ReturnType<typeof run>) => {
  assert.equal(rows.length, 1);
  assert.deepEqual(rows[0].fieldNames(), ['tableId']);
  return rows[0].get('tableId')!.stringValue()!;
};

describe('tables', () => {
  it('creates, drops and undrops a table, showing its status in the catalog', () => {
    const view = new MemoryLedger();
    const id = tableId(run(view, 'CREATE TABLE Cars'));
    assert.equal(tableId(run(view, 'DROP TABLE Cars')), id);
    assert.deepEqual(run(view, 'SELECT VALUE status FROM information_schema.user_tables').map(ionText), ['"INACTIVE"']);
    assert.throws(() => run(view, 'SELECT * FROM Cars'), /No such variable named 'Cars'/);
    assert.equal(tableId(run(view, `UNDROP TABLE "${id}"`)), id);
    assert.deepEqual(run(view, 'SELECT * FROM information_schema.user_tables').map(ionText), [
      `{tableId:"${id}",name:"Cars",indexes:[],status:"ACTIVE"}`,
    ]);
  });

  it('passes aws_tags to the view', () => {
    const view = new MemoryLedger();
    let seen: Record<string, string> | undefined;
    const create = view.createTable.bind(view);
    view.createTable = (name: string, tags?: Record<string, string>) => {
      seen = tags;
      return create(name);
    };
    run(view, "CREATE TABLE Tagged WITH (aws_tags = `{'team': 'ledger', env: \"test\"}`)");
    assert.deepEqual(seen, { team: 'ledger', env: 'test' });
  });

  it('refuses aws_tags on an ALLOW_ALL ledger and applies the tagging rules', () => {
    const view = new MemoryLedger();
    view.permissionsMode = 'ALLOW_ALL';
    assert.throws(() => run(view, "CREATE TABLE Tagged WITH (aws_tags = `{'team': 'ledger'}`)"), /STANDARD permissions mode/);
    assert.equal(view.activeTable('Tagged'), undefined);
    assert.equal(run(view, 'CREATE TABLE Untagged').length, 1, 'tables without tags are fine');

    view.permissionsMode = 'STANDARD';
    const refused = (tags: string, message: RegExp) =>
      assert.throws(() => run(view, `CREATE TABLE Tagged WITH (aws_tags = \`${tags}\`)`), (e: Error) => e instanceof StatementError && message.test(e.message));
    refused("{'aws:owner': 'x'}", /'aws:' are reserved/);
    refused("{'AWS:owner': 'x'}", /'aws:' are reserved/);
    refused("{'': 'x'}", /1 to 128 characters/);
    refused(`{'${'k'.repeat(129)}': 'x'}`, /1 to 128 characters/);
    refused(`{k: '${'v'.repeat(257)}'}`, /at most 256 characters/);
    refused(`{${Array.from({ length: 51 }, (_, i) => `k${i}: 'v'`).join(', ')}}`, /at most 50 tags/);
    assert.equal(view.activeTable('Tagged'), undefined);
    run(view, `CREATE TABLE Tagged WITH (aws_tags = \`{${Array.from({ length: 50 }, (_, i) => `k${i}: '${'v'.repeat(256)}'`).join(', ')}}\`)`);
    assert.ok(view.activeTable('Tagged'));
  });

  it('rejects invalid and reserved table names', () => {
    const view = new MemoryLedger();
    assert.throws(() => run(view, 'CREATE TABLE "1abc"'), /Invalid table name/);
    assert.throws(() => run(view, `CREATE TABLE ${'a'.repeat(129)}`), /Invalid table name/);
    assert.throws(() => run(view, 'CREATE TABLE "select"'), /reserved word/);
    assert.equal(run(view, `CREATE TABLE _${'a'.repeat(127)}`).length, 1);
  });

  it('rejects a duplicate active name, and undrop while the name is taken', () => {
    const view = new MemoryLedger();
    const id = tableId(run(view, 'CREATE TABLE A'));
    assert.throws(() => run(view, 'CREATE TABLE A'), /already exists/);
    run(view, 'DROP TABLE A');
    run(view, 'CREATE TABLE A');
    assert.throws(() => run(view, `UNDROP TABLE "${id}"`), /an active table named A exists/);
  });

  it('enforces 20 active and 40 total tables', () => {
    const view = new MemoryLedger();
    for (let i = 0; i < 20; i++) run(view, `CREATE TABLE T${i}`);
    assert.throws(() => run(view, 'CREATE TABLE Extra'), /limit of 20 active tables/);
    for (let i = 0; i < 20; i++) run(view, `DROP TABLE T${i}`);
    for (let i = 20; i < 40; i++) run(view, `CREATE TABLE T${i}`);
    run(view, 'DROP TABLE T20');
    assert.throws(() => run(view, 'CREATE TABLE Extra'), /limit of 40 tables/);
  });

  it('fails DROP TABLE for an unknown table', () => {
    assert.throws(() => run(new MemoryLedger(), 'DROP TABLE Nope'), StatementError);
  });
});

describe('indexes', () => {
  it('creates and drops an index, with the mandatory purge clause', () => {
    const view = new MemoryLedger();
    const id = tableId(run(view, 'CREATE TABLE T'));
    assert.equal(tableId(run(view, 'CREATE INDEX ON T (Name)')), id);
    const [index] = run(view, 'SELECT VALUE indexes[0] FROM information_schema.user_tables');
    const indexId = index.get('indexId')!.stringValue()!;
    assert.throws(() => run(view, `DROP INDEX "${indexId}" ON T`), /WITH \(purge = true\)/);
    assert.throws(() => run(view, `DROP INDEX "${indexId}" ON T WITH (PURGE = true)`), /WITH \(purge = true\)/);
    assert.equal(tableId(run(view, `DROP INDEX "${indexId}" ON T WITH (purge = true)`)), id);
    assert.deepEqual(run(view, 'SELECT VALUE indexes FROM information_schema.user_tables').map(ionText), ['[]']);
  });

  it('enforces one index per field, 5 per table and 128-character field names', () => {
    const view = new MemoryLedger();
    run(view, 'CREATE TABLE T');
    run(view, 'CREATE INDEX ON T (f0)');
    assert.throws(() => run(view, 'CREATE INDEX ON T (f0)'), /already exists/);
    for (let i = 1; i < 5; i++) run(view, `CREATE INDEX ON T (f${i})`);
    assert.throws(() => run(view, 'CREATE INDEX ON T (f5)'), /limit of 5 indexes/);
    run(view, 'CREATE TABLE U');
    assert.throws(() => run(view, `CREATE INDEX ON U (${'f'.repeat(129)})`), /longer than 128/);
    assert.equal(run(view, `CREATE INDEX ON U (${'f'.repeat(128)})`).length, 1);
  });

  it('rejects nested, composite and unknown-table indexes', () => {
    const view = new MemoryLedger();
    run(view, 'CREATE TABLE T');
    assert.throws(() => run(view, 'CREATE INDEX ON T (a.b)'), /not supported/);
    assert.throws(() => run(view, 'CREATE INDEX ON T (a, b)'), /not supported/);
    assert.throws(() => run(view, 'CREATE INDEX ON Nope (a)'), /No such variable named 'Nope'/);
    assert.throws(() => run(view, 'DROP INDEX "x" ON T WITH (purge = true)'), /No such index/);
  });

  it('lists the index in the catalog with its expression and status', () => {
    const view = new MemoryLedger();
    run(view, 'CREATE TABLE T');
    run(view, 'CREATE INDEX ON T (VIN)');
    view.setIndexStatus('T', 'VIN', 'BUILDING');
    const [row] = run(view, "SELECT VALUE i FROM information_schema.user_tables AS t, t.indexes AS i WHERE t.name = 'T'");
    assert.equal(row.get('expr')!.stringValue(), '[VIN]');
    assert.equal(row.get('status')!.stringValue(), 'BUILDING');
  });
});
