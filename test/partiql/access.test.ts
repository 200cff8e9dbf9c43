/**
 * Access paths: an ONLINE index or a BY id turns a scan into a lookup/get (a narrower OCC read
 * set), and the rows are exactly those a scan finds.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ion, run, texts } from './fixtures';
import { MemoryLedger } from './memoryView';

function ledger(): { view: MemoryLedger; ids: string[] } {
  const view = new MemoryLedger();
  run(view, 'CREATE TABLE T');
  run(view, 'CREATE INDEX ON T (k)');
  const ids = run(
    view,
    'INSERT INTO T ?',
    ion('[{k: "a", n: 1}, {k: "b", n: 2}, {k: "b", n: 3}, {k: a::"a", n: 4}, {k: 1, n: 5}, {k: 1.0, n: 6}, {n: 7}]'),
  ).map((r) => r.get('documentId')!.stringValue()!);
  view.calls = { scan: 0, lookup: 0, get: 0 };
  view.readIOs = 0;
  return { view, ids };
}

/** Runs a statement with the index ONLINE and again with it BUILDING (forcing a scan). */
function bothWays(statement: string, ...params: Parameters<typeof run>[2][]) {
  const indexed = ledger();
  const viaIndex = texts(run(indexed.view, statement, ...params));
  const scanned = ledger();
  scanned.view.setIndexStatus('T', 'k', 'BUILDING');
  const viaScan = texts(run(scanned.view, statement, ...params));
  return { viaIndex, viaScan, calls: indexed.view.calls, readIOs: indexed.view.readIOs, scanCalls: scanned.view.calls };
}

describe('index lookups', () => {
  it('uses the index for t.f = ? and counts only the rows read', () => {
    const r = bothWays('SELECT VALUE t.n FROM T AS t WHERE t.k = ?', 'b');
    assert.deepEqual(r.viaIndex, ['2', '3']);
    assert.deepEqual(r.viaIndex, r.viaScan);
    assert.deepEqual(r.calls, { scan: 0, lookup: 1, get: 0 });
    assert.equal(r.readIOs, 2);
    assert.deepEqual(r.scanCalls, { scan: 1, lookup: 0, get: 0 });
  });

  it('uses the index for an unqualified field, either side of =', () => {
    const r = bothWays("SELECT VALUE n FROM T WHERE 'a' = k");
    assert.deepEqual(r.viaIndex, ['1']);
    assert.deepEqual(r.viaIndex, r.viaScan);
    assert.equal(r.calls.lookup, 1);
  });

  it('keeps annotations significant, exactly as a scan does', () => {
    const r = bothWays('SELECT VALUE n FROM T WHERE k = ?', ion('a::"a"'));
    assert.deepEqual(r.viaIndex, ['4']);
    assert.deepEqual(r.viaIndex, r.viaScan);
  });

  it('uses one lookup per IN candidate, without duplicates', () => {
    const r = bothWays('SELECT VALUE n FROM T WHERE k IN (?, ?, ?)', 'a', 'b', 'a');
    assert.deepEqual(r.viaIndex, ['1', '2', '3']);
    assert.deepEqual(r.viaIndex, r.viaScan);
    assert.equal(r.calls.lookup, 3);
  });

  it('uses the index for numeric keys, matching = across int, decimal and float', () => {
    const r = bothWays('SELECT VALUE n FROM T WHERE k = 1');
    assert.deepEqual(r.viaIndex, ['5', '6']);
    assert.deepEqual(r.viaIndex, r.viaScan);
    assert.deepEqual(r.calls, { scan: 0, lookup: 1, get: 0 });
  });

  it('finds exactly what a scan finds for every numeric form of a key', () => {
    const docs = [
      '1', '1.0', '1.00', '1e0', 'ann::1', '0', '0.0', '-0.0', '-0e0', '1.5', '15e-1', '"1"', 'null.int', 'nan', '+inf',
      '9007199254740992', '9007199254740993', '9007199254740993.0', '12345678901234567890123', '1.2345678901234567890123d22',
    ];
    const make = (status: 'ONLINE' | 'BUILDING') => {
      const view = new MemoryLedger();
      run(view, 'CREATE TABLE N');
      run(view, 'CREATE INDEX ON N (k)');
      run(view, 'INSERT INTO N ?', ion(`[${docs.map((k, i) => `{k: ${k}, i: ${i}}`).join(', ')}]`));
      if (status === 'BUILDING') view.setIndexStatus('N', 'k', 'BUILDING');
      view.calls = { scan: 0, lookup: 0, get: 0 };
      return view;
    };
    const keys = [
      '1', '1.000', '1e0', 'ann::1e0', '0', '-0e0', '-0.00', '1.5', '15e-1', '"1"', 'nan', '+inf',
      '9007199254740992', '9007199254740993', '9007199254740992e0', '12345678901234567890123', '1.23456789012345678901230d22', '2',
    ];
    for (const key of keys) {
      const indexed = make('ONLINE');
      const viaIndex = texts(run(indexed, 'SELECT VALUE i FROM N WHERE k = ?', ion(key)));
      const viaScan = texts(run(make('BUILDING'), 'SELECT VALUE i FROM N WHERE k = ?', ion(key)));
      assert.deepEqual(viaIndex, viaScan, `k = ${key}`);
      assert.deepEqual(indexed.calls, { scan: 0, lookup: 1, get: 0 }, `k = ${key} uses the index`);
    }
    // the cases that make numbers special: equal across types, and not transitive through floats
    const found = (key: string) => texts(run(make('ONLINE'), 'SELECT VALUE i FROM N WHERE k = ?', ion(key))).map(Number).sort((a, b) => a - b);
    assert.deepEqual(found('1'), [0, 1, 2, 3, 4]);
    assert.deepEqual(found('-0e0'), [5, 6, 7, 8]);
    assert.deepEqual(found('9007199254740993'), [16, 17]);
    assert.deepEqual(found('9007199254740992e0'), [15, 16, 17]);
  });

  it('still applies the rest of WHERE to looked-up rows', () => {
    const r = bothWays('SELECT VALUE n FROM T WHERE k = ? AND n > 2', 'b');
    assert.deepEqual(r.viaIndex, ['3']);
    assert.deepEqual(r.viaIndex, r.viaScan);
  });

  it('does not use the index under OR or for a key compared with the row itself', () => {
    const or = bothWays("SELECT VALUE n FROM T WHERE k = 'a' OR n = 2");
    assert.deepEqual(or.viaIndex, or.viaScan);
    assert.equal(or.calls.lookup, 0);
    const self = bothWays('SELECT VALUE n FROM T WHERE k = n');
    assert.deepEqual(self.viaIndex, self.viaScan);
    assert.equal(self.calls.lookup, 0);
  });

  it('looks up the inner side of a join with the outer row\'s value', () => {
    const { view } = ledger();
    run(view, 'CREATE TABLE U');
    run(view, 'INSERT INTO U ?', ion('[{ref: "b"}, {ref: "zzz"}]'));
    view.calls = { scan: 0, lookup: 0, get: 0 };
    assert.deepEqual(texts(run(view, 'SELECT VALUE t.n FROM U AS u, T AS t WHERE t.k = u.ref')), ['2', '3']);
    assert.deepEqual(view.calls, { scan: 1, lookup: 2, get: 0 });
  });

  it('uses the index in UPDATE and DELETE', () => {
    const { view } = ledger();
    assert.equal(run(view, "UPDATE T SET n = 0 WHERE k = 'b'").length, 2);
    assert.equal(run(view, "DELETE FROM T WHERE k = 'a'").length, 1);
    assert.deepEqual(view.calls, { scan: 0, lookup: 2, get: 0 });
  });
});

describe('document id gets', () => {
  it('gets the document for BY id = ?', () => {
    const { view, ids } = ledger();
    assert.deepEqual(texts(run(view, 'SELECT VALUE t.n FROM T AS t BY id WHERE id = ?', ids[2])), ['3']);
    assert.deepEqual(view.calls, { scan: 0, lookup: 0, get: 1 });
    assert.equal(view.readIOs, 1);
  });

  it('returns nothing for an unknown id or a non-string key', () => {
    const { view } = ledger();
    assert.equal(run(view, 'SELECT * FROM T BY id WHERE id = ?', 'nope').length, 0);
    assert.equal(run(view, 'SELECT * FROM T BY id WHERE id = 1').length, 0);
  });

  it('gets from the committed view by id', () => {
    const { view, ids } = ledger();
    view.commit();
    view.calls = { scan: 0, lookup: 0, get: 0 };
    const rows = run(view, 'SELECT VALUE c.data.n FROM _ql_committed_T AS c BY docId WHERE docId = ?', ids[0]);
    assert.deepEqual(texts(rows), ['1']);
    assert.equal(view.calls.get, 1);
  });
});
