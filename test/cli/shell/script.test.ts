/**
 * `openqldb shell` without a terminal: statements from `-f script.sql` or standard input, one
 * result per statement, exit codes for scripts. Each format is checked against what the
 * official driver returns for the same statements.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dom, dumpText, IonTypes, load, loadAll } from 'ion-js';
import type { QldbDriver } from 'amazon-qldb-driver-nodejs';
import { startServer, type TestServer } from '../../helpers/server';
import { createLedger, newDriver } from '../../clients/sessionHelpers';
import { shell } from './helpers';

const LEDGER = 'shell-script';
const STATS = /^\d+ documents? \(read IOs: \d+, server time: \d+ ms, total time: \d+ ms\)$/gm;

let server: TestServer;
let driver: QldbDriver;
let dir: string;
let scripts = 0;

function script(text: string): string {
  const file = join(dir, `script-${++scripts}.sql`);
  writeFileSync(file, text);
  return file;
}
const args = (...more: string[]) => ['--ledger', LEDGER, '--endpoint', server.endpoint, ...more];

async function driverValues(statement: string): Promise<dom.Value[]> {
  return (await driver.executeLambda((t) => t.execute(statement))).getResultList();
}

/**
 * Ion's standard down-conversion to JSON, written out from the spec (control-plane.md §4.4):
 * typed nulls are null, decimals and ints numbers, timestamps their Ion text, symbols strings,
 * blobs base64, clobs their bytes as characters, sexps arrays, annotations dropped, nan and
 * infinities null; of a repeated field name, the last.
 */
function downConvert(v: dom.Value): unknown {
  if (v.isNull()) return null;
  switch (v.getType()) {
    case IonTypes.BOOL:
      return v.booleanValue();
    case IonTypes.INT:
      return Number(v.bigIntValue());
    case IonTypes.FLOAT: {
      const n = v.numberValue()!;
      return Number.isFinite(n) ? n : null;
    }
    case IonTypes.DECIMAL:
      return Number(v.decimalValue()!.toString());
    case IonTypes.TIMESTAMP:
      return v.timestampValue()!.toString();
    case IonTypes.SYMBOL:
    case IonTypes.STRING:
      return v.stringValue();
    case IonTypes.BLOB:
      return Buffer.from(v.uInt8ArrayValue()!).toString('base64');
    case IonTypes.CLOB:
      return Buffer.from(v.uInt8ArrayValue()!).toString('latin1');
    case IonTypes.LIST:
    case IonTypes.SEXP:
      return v.elements().map(downConvert);
    default:
      return Object.fromEntries(v.allFields().map(([name, values]) => [name, downConvert(values[values.length - 1])]));
  }
}

/**
 * `json` with each timestamp string that reads as the same Ion timestamp as the driver's value
 * replaced by downConvert's spelling of it: Ion writes a day as `2024-05-01` or `2024-05-01T`,
 * and either is its Ion text form.
 */
function sameTimestampsAs(json: unknown, v: dom.Value): unknown {
  if (v.isNull() || json === null) return json;
  if (v.getType() === IonTypes.TIMESTAMP && typeof json === 'string') {
    const parsed = load(json);
    return parsed?.getType() === IonTypes.TIMESTAMP && parsed.timestampValue()!.equals(v.timestampValue()!) ? downConvert(v) : json;
  }
  if ((v.getType() === IonTypes.LIST || v.getType() === IonTypes.SEXP) && Array.isArray(json)) return json.map((j, i) => (i < v.elements().length ? sameTimestampsAs(j, v.elements()[i]) : j));
  if (v.getType() === IonTypes.STRUCT && typeof json === 'object') {
    return Object.fromEntries(Object.entries(json as object).map(([k, j]) => [k, v.get(k) ? sameTimestampsAs(j, v.get(k)!) : j]));
  }
  return json;
}

/** A table as `renderTable` lays it out: column starts from the dashes under the header. */
function parseTable(text: string): Record<string, string>[] {
  const [header, dashes, ...rows] = text.trimEnd().split('\n');
  const starts = [...dashes.matchAll(/-+/g)].map((m) => m.index!);
  const cut = (line: string) => starts.map((s, i) => line.slice(s, starts[i + 1]).trim());
  const names = cut(header);
  return rows.map((r) => Object.fromEntries(cut(r).map((c, i) => [names[i], c]).filter(([, c]) => c !== '')));
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'openqldb-shell-script-'));
  server = await startServer(['--log-requests', 'false']);
  await createLedger(server.endpoint, LEDGER);
  driver = newDriver(server.endpoint, LEDGER);
  for (const table of ['Things', 'Log', 'Log2', 'Batch']) await driver.executeLambda((t) => t.execute(`CREATE TABLE ${table}`));
  await driver.executeLambda(async (t) => {
    await t.execute(
      'INSERT INTO Things `{id: 1, price: 12.50, at: 2024-05-01T10:00:00.123+02:00, day: 2024-05-01T, kind: gadget, ' +
        'tags: ["a", b::c], raw: {{AQID}}, note: {{"clob text"}}, s: (x 1), big: 123456789012345678901234567890, ' +
        'f: 2.5e0, nothing: null.int, cost: dollars::3, text: "semi;colon"}`',
    );
    await t.execute(`INSERT INTO Things {'id': 2, 'text': 'plain'}`);
  });
});

after(async () => {
  driver?.close();
  await server?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

describe('output formats, compared with the driver', () => {
  const STATEMENTS = [
    'SELECT * FROM Things WHERE id = 1',
    'SELECT id, text FROM Things',
    "SELECT VALUE price FROM Things WHERE text = 'semi;colon'",
    'SELECT * FROM Things WHERE id = 99',
  ];
  const file = () => script(STATEMENTS.map((s) => s + ';\n').join(''));

  it('ion: one Ion list per statement, its values equal to the driver’s, types, precision and annotations intact', async () => {
    const r = await shell(args('-f', file(), '--format', 'ion'));
    assert.equal(r.code, 0, r.stderr);
    const results = loadAll(r.stdout);
    assert.equal(results.length, STATEMENTS.length);
    for (const [i, statement] of STATEMENTS.entries()) {
      const expected = await driverValues(statement);
      const got = results[i].elements();
      assert.equal(got.length, expected.length, statement);
      for (const [k, v] of expected.entries()) {
        assert.ok(got[k].ionEquals(v), `${statement}: ${dumpText(got[k])} != ${dumpText(v)}`);
        assert.equal(dumpText(got[k]), dumpText(v));
      }
    }
    assert.equal(r.stderr.match(STATS)?.length, STATEMENTS.length, 'read IOs and timing after each statement');
  });

  it('json: one JSON array per statement, one per line, equal to the driver’s values down-converted', async () => {
    const r = await shell(args('-f', file(), '--format', 'json'));
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    assert.equal(lines.length, STATEMENTS.length);
    for (const [i, statement] of STATEMENTS.entries()) {
      const expected = await driverValues(statement);
      const got = JSON.parse(lines[i]) as unknown[];
      assert.deepEqual(
        got.map((g, k) => (k < expected.length ? sameTimestampsAs(g, expected[k]) : g)),
        expected.map(downConvert),
        statement,
      );
    }
    assert.match(lines[0], /"price":12\.50,/, 'a decimal keeps its digits');
  });

  it('table: a column per top-level field, strings bare and every other value as Ion text', async () => {
    const statement = 'SELECT * FROM Things';
    const r = await shell(args('--format', 'table'), statement + ';');
    assert.equal(r.code, 0, r.stderr);
    const expected = (await driverValues(statement)).map((v) =>
      Object.fromEntries(v.fields().map(([name, f]) => [name, f.getType() === IonTypes.STRING && !f.isNull() ? f.stringValue()! : dumpText(f)])),
    );
    assert.deepEqual(parseTable(r.stdout), expected);
    assert.equal(expected.find((e) => e.id === '1')?.tags, '["a",b::c]');
  });

  it('table: values that are not structs go in one column', async () => {
    const r = await shell(args('--format', 'table'), 'SELECT VALUE id FROM Things WHERE id = 1;');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'value\n-----\n1\n');
  });
});

describe('scripts and exit codes', () => {
  it('statements piped on standard input run one after another; exit code 0', async () => {
    const r = await shell(args('--format', 'json'), "INSERT INTO Log {'n': 0};\nSELECT VALUE n FROM Log;\n");
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^\[\{"documentId":"\w+"\}\]\n\[0\]\n$/);
  });

  it('the first failure stops the script with exit code 1; nothing after it runs', async () => {
    const r = await shell(args('-f', script("INSERT INTO Log {'n': 1};\nSELECT * FROM NoSuchTable;\nINSERT INTO Log {'n': 2};\n"), '--format', 'json'));
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^error at line 2: BadRequestException: .*NoSuchTable.*$/m);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    assert.equal(r.stdout.trimEnd().split('\n').length, 1, 'one result: the first INSERT');
    assert.deepEqual((await driverValues('SELECT VALUE n FROM Log')).map((v) => v.numberValue()).sort(), [0, 1]);
  });

  it('--continue-on-error runs every statement and still exits 1', async () => {
    const r = await shell(args('-f', script("INSERT INTO Log2 {'n': 1};\nSELECT * FROM NoSuchTable;\nINSERT INTO Log2 {'n': 2};\n"), '--continue-on-error', '--format', 'json'));
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^error at line 2: BadRequestException: /m);
    assert.equal(r.stdout.trimEnd().split('\n').length, 2);
    assert.deepEqual((await driverValues('SELECT VALUE n FROM Log2')).map((v) => v.numberValue()).sort(), [1, 2]);
  });

  it('BEGIN … COMMIT in a script commits its statements together', async () => {
    const r = await shell(args('-f', script("BEGIN;\nINSERT INTO Batch {'n': 1};\nINSERT INTO Batch {'n': 2};\nCOMMIT;\n")));
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /^transaction (\w+) started\n(.*\n){2}transaction \1 committed \(/m);
    assert.deepEqual((await driverValues('SELECT VALUE n FROM Batch')).map((v) => v.numberValue()).sort(), [1, 2]);
  });

  it('a failure inside a transaction stops the script and aborts the transaction, aloud', async () => {
    const r = await shell(args('-f', script("BEGIN;\nINSERT INTO Batch {'n': 3};\nSELECT * FROM Nope;\nCOMMIT;\n")));
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^error at line 3: BadRequestException: .*\(transaction (\w+) is still open\)\nthe script stopped at line 3: aborting the open transaction \1; nothing of it was committed$/m);
    assert.deepEqual((await driverValues('SELECT VALUE n FROM Batch')).map((v) => v.numberValue()).sort(), [1, 2]);
  });

  it('a result longer than a page (200 values) comes whole, in auto-commit and in a transaction', async () => {
    await driver.executeLambda((t) => t.execute('CREATE TABLE Many'));
    // QLDB writes at most 40 documents per transaction
    for (let from = 0; from < 240; from += 40) {
      await driver.executeLambda(async (t) => {
        for (let n = from; n < from + 40; n++) await t.execute('INSERT INTO Many ?', { n });
      });
    }
    const r = await shell(args('--format', 'json'), 'SELECT VALUE n FROM Many;\nBEGIN;\nSELECT VALUE n FROM Many;\nCOMMIT;\n');
    assert.equal(r.code, 0, r.stderr);
    const [auto, inTransaction] = r.stdout.trimEnd().split('\n').map((l) => (JSON.parse(l) as number[]).sort((a, b) => a - b));
    const all = Array.from({ length: 240 }, (_, i) => i);
    assert.deepEqual(auto, all);
    assert.deepEqual(inTransaction, all);
  });

  it('a script that ends inside a transaction has it aborted and exits 1', async () => {
    const r = await shell(args(), "BEGIN\nINSERT INTO Batch {'n': 4};\n");
    assert.equal(r.code, 1);
    assert.match(r.stderr, /the script ended without COMMIT: aborting the open transaction \w+; nothing of it was committed/);
    assert.deepEqual((await driverValues('SELECT VALUE n FROM Batch')).map((v) => v.numberValue()).sort(), [1, 2]);
  });
});
