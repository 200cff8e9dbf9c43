/**
 * The driver's "insert and read different Ion types" tests: every Ion type, typed nulls and
 * annotated values survive INSERT/UPDATE and come back Ion-equal from `WHERE Name = ?`
 * (or `IS NULL` for nulls), with and without an index on Name.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dom } from 'ion-js';
import { ion, ionText, run } from './fixtures';
import { MemoryLedger } from './memoryView';

const VALUES = [
  '{{"This is a CLOB of text."}}', '{{aGVsbG8=}}', 'true', '0.1', '0.2e0', '1', '[1,2]', 'null', '(cons 1 2)',
  '"string"', '{a:1}', 'abc', '2016-12-20T05:23:43.000000-00:00',
  'null.clob', 'null.blob', 'null.bool', 'null.decimal', 'null.float', 'null.int', 'null.list', 'null.sexp',
  'null.string', 'null.struct', 'null.symbol', 'null.timestamp',
  'annotation::{{"This is a CLOB of text."}}', 'annotation::{{aGVsbG8=}}', 'annotation::true', 'annotation::0.1',
  'annotation::0.2e0', 'annotation::1', 'annotation::[1,2]', 'annotation::null', 'annotation::(cons 1 2)',
  'annotation::"string"', 'annotation::{a:1}', 'annotation::abc', 'annotation::2016-12-20T05:23:43.000000-00:00',
  // precision and shape details beyond the driver's list
  '1.500', '-0.0', '2016-12-20T05:23:43.123+05:30', '2016T', '12345678901234567890123', 'nan', '+inf',
  '{a:1, a:2}', 'a::b::c', "'quoted symbol'",
];

function readBack(view: MemoryLedger, value: dom.Value): dom.Value[] {
  return value.isNull()
    ? run(view, 'SELECT VALUE Name FROM T WHERE Name IS NULL')
    : run(view, 'SELECT VALUE Name FROM T WHERE Name = ?', value);
}

for (const indexed of [false, true]) {
  describe(`Ion values round-trip ${indexed ? 'through an index' : 'through a scan'}`, () => {
    for (const text of VALUES) {
      it(`inserts and reads back ${text}`, () => {
        const view = new MemoryLedger();
        run(view, 'CREATE TABLE T');
        if (indexed) run(view, 'CREATE INDEX ON T (Name)');
        const value = ion(text);
        run(view, 'INSERT INTO T ?', new dom.Struct([['Name', value]]));
        const [back] = readBack(view, value);
        if (text === 'nan' || text === '+inf') {
          // PartiQL's `=` is numeric for floats, and NaN equals nothing; the value is still stored.
          const [stored] = run(view, 'SELECT VALUE Name FROM T');
          assert.equal(ionText(stored), ionText(value));
          return;
        }
        assert.ok(back, `no row came back for ${text}`);
        assert.ok(back.ionEquals(value), `${ionText(back)} differs from ${text}`);
        assert.equal(ionText(back), ionText(value));
      });

      it(`updates to and reads back ${text}`, () => {
        const view = new MemoryLedger();
        run(view, 'CREATE TABLE T');
        if (indexed) run(view, 'CREATE INDEX ON T (Name)');
        run(view, 'INSERT INTO T ?', ion('{Name: null}'));
        const value = ion(text);
        assert.equal(run(view, 'UPDATE T SET Name = ?', value).length, 1);
        const [stored] = run(view, 'SELECT VALUE Name FROM T');
        assert.equal(ionText(stored), ionText(value));
      });
    }
  });
}
