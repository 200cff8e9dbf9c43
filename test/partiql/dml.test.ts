/** INSERT, UPDATE, DELETE and FROM … DML: documents written, paths edited, rows returned. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dom } from 'ion-js';
import { StatementError } from '../../src/partiql';
import { ion, ionText, run, texts } from './fixtures';
import { MemoryLedger } from './memoryView';

function ledger(...docs: string[]): { view: MemoryLedger; ids: string[] } {
  const view = new MemoryLedger();
  run(view, 'CREATE TABLE T');
  const ids = docs.map((d) => run(view, 'INSERT INTO T ?', ion(d))[0].get('documentId')!.stringValue()!);
  return { view, ids };
}

const all = (view: MemoryLedger) => texts(run(view, 'SELECT * FROM T'));

describe('INSERT', () => {
  it('returns one documentId row per inserted document', () => {
    const { view } = ledger();
    const rows = run(view, "INSERT INTO T VALUE {'a': 1}");
    assert.equal(rows.length, 1);
    assert.deepEqual(rows[0].fieldNames(), ['documentId']);
    assert.match(rows[0].get('documentId')!.stringValue()!, /^[A-Za-z0-9]{22}$/);
    assert.equal(run(view, "INSERT INTO T << {'a': 2}, {'a': 3} >>").length, 2);
    assert.equal(run(view, 'INSERT INTO T ?', ion('[{a: 4}, {a: 5}]')).length, 2);
    assert.deepEqual(all(view), ['{a:1}', '{a:2}', '{a:3}', '{a:4}', '{a:5}']);
  });

  it('evaluates expressions and parameters inside a VALUE struct', () => {
    const { view } = ledger();
    run(view, "INSERT INTO T VALUE {'a': 1 + 1, 'b': ?, 'c': `2024-01-01T`}", 'x');
    assert.deepEqual(all(view), ['{a:2,b:"x",c:2024-01-01T}']);
  });

  it('rejects documents that are not structs', () => {
    const { view } = ledger();
    assert.throws(() => run(view, 'INSERT INTO T VALUE 1'), /must be a struct/);
    assert.throws(() => run(view, 'INSERT INTO T ?', ion('[{a: 1}, 2]')), /must be a struct/);
    assert.throws(() => run(view, 'INSERT INTO T ?', ion('null.struct')), /must be a struct/);
    assert.deepEqual(all(view), []);
  });

  it('rejects documents larger than 128 KB of Ion binary', () => {
    const { view } = ledger();
    assert.throws(() => run(view, 'INSERT INTO T ?', new dom.Struct([['big', new dom.String('x'.repeat(128 * 1024))]])), /exceeds the maximum document size/);
    assert.equal(run(view, 'INSERT INTO T ?', new dom.Struct([['ok', new dom.String('x'.repeat(100 * 1024))]])).length, 1);
  });

  it('fails for a missing table or the read-only committed view', () => {
    const { view } = ledger();
    assert.throws(() => run(view, "INSERT INTO Nope VALUE {'a': 1}"), /No such variable named 'Nope'/);
    assert.throws(() => run(view, "INSERT INTO _ql_committed_T VALUE {'a': 1}"), /read-only/);
  });

  it('fails when a parameter is missing', () => {
    const { view } = ledger();
    assert.throws(() => run(view, 'INSERT INTO T <<?, ?>>', ion('{a: 1}')), /No value was supplied for parameter 2/);
  });
});

describe('UPDATE', () => {
  it('sets top-level, nested and new fields, sharing nothing with the old revision', () => {
    const { view } = ledger('{a: 1, n: {x: 1, y: [1, 2]}}');
    const [before] = run(view, 'SELECT * FROM T');
    const beforeText = ionText(before);
    run(view, 'UPDATE T AS t SET t.a = 2, t.n.x = 10, n.z.deep = true, t.n.y[1] = 20');
    assert.deepEqual(all(view), ['{a:2,n:{x:10,y:[1,20],z:{deep:true}}}']);
    assert.equal(ionText(before), beforeText);
  });

  it('appends to a list when setting the position just past its end', () => {
    const { view } = ledger('{l: [1]}');
    run(view, 'UPDATE T SET l[1] = 2');
    assert.deepEqual(all(view), ['{l:[1,2]}']);
    assert.throws(() => run(view, 'UPDATE T SET l[5] = 2'), /out of bounds/);
  });

  it('refuses to step through a scalar', () => {
    const { view } = ledger('{a: 1}');
    assert.throws(() => run(view, 'UPDATE T SET a.b = 2'), StatementError);
  });

  it('removes fields and list elements; REMOVE of an absent path changes nothing', () => {
    const { view } = ledger('{a: 1, b: {c: 2, d: 3}, l: [1, 2, 3]}');
    run(view, 'UPDATE T REMOVE b.c');
    run(view, 'UPDATE T AS t REMOVE t.l[0]');
    run(view, 'UPDATE T REMOVE nothing.here');
    assert.deepEqual(all(view), ['{a:1,b:{d:3},l:[2,3]}']);
  });

  it('only touches rows matching WHERE, and returns their ids', () => {
    const { view, ids } = ledger('{k: 1}', '{k: 2}');
    assert.deepEqual(run(view, 'UPDATE T SET v = k * 10 WHERE k = 2').map(ionText), [`{documentId:"${ids[1]}"}`]);
    assert.deepEqual(all(view), ['{k:1}', '{k:2,v:20}']);
  });

  it('replaces the whole document with SET alias = ?, keeping its id', () => {
    const { view, ids } = ledger('{k: 1, old: true}');
    assert.deepEqual(
      run(view, 'UPDATE T AS row BY id SET row = ? WHERE id = ?', ion('{k: 2, fresh: true}'), ids[0]).map(ionText),
      [`{documentId:"${ids[0]}"}`],
    );
    assert.deepEqual(all(view), ['{k:2,fresh:true}']);
    assert.throws(() => run(view, 'UPDATE T AS row SET row = 1'), /must be a struct/);
  });

  it('binds the document id with BY', () => {
    const { view, ids } = ledger('{k: 1}', '{k: 2}');
    assert.equal(run(view, 'UPDATE T AS t BY pid SET t.k = 9 WHERE pid = ?', ids[0]).length, 1);
    assert.deepEqual(all(view), ['{k:2}', '{k:9}']);
    run(view, 'UPDATE T BY pid SET myId = pid WHERE k = 2');
    assert.deepEqual(run(view, 'SELECT VALUE myId FROM T WHERE k = 2').map(ionText), [`"${ids[1]}"`]);
  });
});

describe('DELETE', () => {
  it('deletes matching documents, by value or by id', () => {
    const { view, ids } = ledger('{k: 1}', '{k: 2}', '{k: 3}');
    assert.deepEqual(run(view, 'DELETE FROM T WHERE k = 1').map(ionText), [`{documentId:"${ids[0]}"}`]);
    assert.equal(run(view, 'DELETE FROM T AS t BY id WHERE id = ?', ids[2]).length, 1);
    assert.deepEqual(all(view), ['{k:2}']);
    assert.equal(run(view, 'DELETE FROM T WHERE k = 99').length, 0);
  });
});

describe('FROM … DML', () => {
  it('inserts into a list at the end or at a position, and into a struct AT a key', () => {
    const { view } = ledger('{k: 1, l: [1], s: {}}');
    run(view, 'FROM T AS t WHERE t.k = 1 INSERT INTO t.l VALUE 2');
    run(view, 'FROM T AS t WHERE t.k = 1 INSERT INTO t.l VALUE 0 AT 0');
    run(view, "FROM T AS t INSERT INTO t.s VALUE 'v' AT 'key'");
    assert.deepEqual(all(view), ['{k:1,l:[0,1,2],s:{key:"v"}}']);
    assert.throws(() => run(view, "FROM T AS t INSERT INTO t.s VALUE 'v' AT 'key'"), /already exists/);
    assert.throws(() => run(view, 'FROM T AS t INSERT INTO t.s VALUE 1'), /needs AT/);
    assert.throws(() => run(view, 'FROM T AS t INSERT INTO t.nope VALUE 1'), /no such path/);
  });

  it('edits elements of a nested collection through its alias', () => {
    const { view, ids } = ledger(
      '{VIN: "A", Owners: {SecondaryOwners: [{PersonId: "p1"}, {PersonId: "p2"}, {PersonId: "p1"}]}}',
      '{VIN: "B", Owners: {SecondaryOwners: [{PersonId: "p1"}]}}',
    );
    const removed = run(
      view,
      "FROM T AS r, @r.Owners.SecondaryOwners AS o WHERE r.VIN = 'A' AND o.PersonId = ? REMOVE o",
      'p1',
    );
    assert.deepEqual(removed.map(ionText), [`{documentId:"${ids[0]}"}`]);
    run(view, "FROM T AS r, r.Owners.SecondaryOwners AS o AT i WHERE i = 0 SET o.Since = 2020");
    assert.deepEqual(all(view), [
      '{VIN:"A",Owners:{SecondaryOwners:[{PersonId:"p2",Since:2020}]}}',
      '{VIN:"B",Owners:{SecondaryOwners:[{PersonId:"p1",Since:2020}]}}',
    ]);
  });

  it('deletes the whole document when REMOVE names the table alias', () => {
    const { view, ids } = ledger('{k: 1}', '{k: 2}');
    assert.deepEqual(run(view, 'FROM T AS t WHERE t.k = 1 REMOVE t').map(ionText), [`{documentId:"${ids[0]}"}`]);
    assert.deepEqual(run(view, 'UPDATE T AS t REMOVE t WHERE t.k = 2').map(ionText), [`{documentId:"${ids[1]}"}`]);
    assert.deepEqual(all(view), []);
  });

  it('inserts a top-level field with UPDATE … INSERT INTO alias VALUE … AT', () => {
    const { view } = ledger('{k: 1}');
    run(view, "UPDATE T AS t INSERT INTO t VALUE 'red' AT 'Color' WHERE t.k = 1");
    assert.deepEqual(all(view), ['{k:1,Color:"red"}']);
  });

  it('sets and removes with BY', () => {
    const { view, ids } = ledger('{k: 1}', '{k: 2}');
    run(view, 'FROM T AS t BY id WHERE id = ? SET t.k = 5 REMOVE t.gone', ids[1]);
    assert.deepEqual(all(view), ['{k:1}', '{k:5}']);
  });
});

describe('rows returned: one per assignment or removal per document', () => {
  const revisions = (view: MemoryLedger, id: string) =>
    run(view, 'SELECT VALUE h.metadata.version FROM history(T) AS h WHERE h.metadata.id = ?', id).map(ionText);

  it('answers two identical rows for two SET assignments, yet writes one revision', () => {
    const { view, ids } = ledger('{k: 1}', '{k: 2}');
    view.commit();
    const rows = run(view, 'UPDATE T AS d SET d.a = ?, d.b = ? WHERE d.k = ?', 'x', 'y', ion('1'));
    assert.deepEqual(rows.map(ionText), [`{documentId:"${ids[0]}"}`, `{documentId:"${ids[0]}"}`]);
    view.commit();
    assert.deepEqual(revisions(view, ids[0]), ['0', '1']);
    assert.deepEqual(revisions(view, ids[1]), ['0']);
    assert.deepEqual(all(view), ['{k:1,a:"x",b:"y"}', '{k:2}']);
  });

  it('counts every operation of SET and REMOVE mixed, for each matching document', () => {
    const { view, ids } = ledger('{k: 1, c: 1, d: 1}', '{k: 2, c: 2, d: 2}');
    const rows = run(view, 'UPDATE T SET a = 1, b = 2 REMOVE c, d');
    assert.deepEqual(texts(rows), [...Array(4).fill(`{documentId:"${ids[0]}"}`), ...Array(4).fill(`{documentId:"${ids[1]}"}`)].sort());
    assert.deepEqual(all(view), ['{k:1,a:1,b:2}', '{k:2,a:1,b:2}']);
  });

  it('counts REMOVE a, b as two', () => {
    const { view, ids } = ledger('{a: 1, b: 2, c: 3}');
    assert.deepEqual(run(view, 'UPDATE T REMOVE a, b').map(ionText), Array(2).fill(`{documentId:"${ids[0]}"}`));
    assert.deepEqual(all(view), ['{c:3}']);
  });

  it('counts the operations of FROM … SET / REMOVE / INSERT INTO', () => {
    const { view, ids } = ledger('{k: 1, l: [], gone: 0}', '{k: 2}');
    view.commit();
    const rows = run(view, 'FROM T AS t WHERE t.k = 1 SET t.a = 1, t.b = 2 REMOVE t.gone INSERT INTO t.l VALUE 3');
    assert.deepEqual(rows.map(ionText), Array(4).fill(`{documentId:"${ids[0]}"}`));
    view.commit();
    assert.deepEqual(revisions(view, ids[0]), ['0', '1']);
    assert.deepEqual(all(view), ['{k:1,l:[3],a:1,b:2}', '{k:2}']);
    assert.equal(run(view, 'FROM T AS t WHERE t.k = 2 SET t.a = 1').length, 1);
  });

  it('answers per document, not per element bound by a nested source', () => {
    const { view, ids } = ledger('{l: [{x: 1}, {x: 1}, {x: 2}]}');
    const rows = run(view, 'FROM T AS t, @t.l AS o WHERE o.x = 1 SET o.y = 1, o.z = 2');
    assert.deepEqual(rows.map(ionText), Array(2).fill(`{documentId:"${ids[0]}"}`));
    assert.deepEqual(all(view), ['{l:[{x:1,y:1,z:2},{x:1,y:1,z:2},{x:2}]}']);
  });

  it('leaves INSERT and DELETE at one row per document, and answers nothing when nothing matches', () => {
    const { view } = ledger('{k: 1}', '{k: 2}');
    assert.equal(run(view, "INSERT INTO T << {'k': 3}, {'k': 4} >>").length, 2);
    assert.equal(run(view, 'UPDATE T SET a = 1, b = 2 WHERE k = 99').length, 0);
    assert.equal(run(view, 'DELETE FROM T WHERE k < 3').length, 2);
    assert.equal(run(view, 'FROM T AS t WHERE t.k = 3 REMOVE t').length, 1);
    assert.deepEqual(all(view), ['{k:4}']);
  });
});
