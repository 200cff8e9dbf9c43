/** The session API's result values: a DML statement's `{documentId}` rows come from a template. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dom, dumpBinary } from 'ion-js';
import { encodeValue } from '../../src/api/session/results';
import { documentIdRows } from '../../src/partiql/dml';
import { ion, run } from '../partiql/fixtures';
import { MemoryLedger } from '../partiql/memoryView';

const plain = (v: dom.Value) => Buffer.from(dumpBinary(v)).toString('base64');

test("INSERT and DELETE rows are encoded as ion-js writes them, and read back as the row's id", () => {
  const view = new MemoryLedger();
  run(view, 'CREATE TABLE T');
  const rows = run(view, 'INSERT INTO T ?', ion(`[${Array.from({ length: 300 }, (_, i) => `{n: ${i}}`).join(', ')}]`));
  rows.push(...run(view, 'DELETE FROM T WHERE n < 50'));
  assert.equal(rows.length, 350);
  for (const row of rows) {
    assert.ok(documentIdRows.has(row), 'a DML row is known as one');
    const encoded = encodeValue(row);
    assert.equal(encoded, plain(row));
    const back = dom.load(Buffer.from(encoded, 'base64'))!;
    assert.equal(back.get('documentId')!.stringValue(), row.get('documentId')!.stringValue());
  }
});

test('a value that only looks like a documentId row goes through the writer', () => {
  const v = dom.load('{documentId: "x"}')!;
  assert.equal(encodeValue(v), plain(v));
});
