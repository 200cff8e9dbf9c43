/** The committed view, history() and the catalog as FROM sources. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ion, ionText, run, texts } from './fixtures';
import { MemoryLedger } from './memoryView';

function ledgerWithHistory() {
  const view = new MemoryLedger();
  const tableId = run(view, 'CREATE TABLE T')[0].get('tableId')!.stringValue()!;
  view.now = new Date('2024-01-01T00:00:00.000Z');
  const [id] = run(view, 'INSERT INTO T ?', ion('{v: 0}')).map((r) => r.get('documentId')!.stringValue()!);
  view.commit();
  view.now = new Date('2024-02-01T00:00:00.000Z');
  run(view, 'UPDATE T SET v = 1');
  view.commit();
  view.now = new Date('2024-03-01T00:00:00.000Z');
  run(view, 'DELETE FROM T');
  view.commit();
  return { view, tableId, id };
}

describe('committed view', () => {
  it('shows committed revisions with blockAddress, hash, data and metadata', () => {
    const view = new MemoryLedger();
    run(view, 'CREATE TABLE T');
    run(view, 'INSERT INTO T ?', ion('{v: 1}'));
    assert.equal(run(view, 'SELECT * FROM _ql_committed_T').length, 0, 'uncommitted writes are not in the committed view');
    assert.equal(run(view, 'SELECT * FROM T').length, 1);
    view.commit();
    const [row] = run(view, 'SELECT * FROM _ql_committed_T');
    assert.deepEqual(row.fieldNames(), ['blockAddress', 'hash', 'data', 'metadata']);
    assert.deepEqual(run(view, 'SELECT VALUE c.metadata.version FROM _ql_committed_T AS c WHERE c.data.v = 1').map(ionText), ['0']);
  });
});

describe('history()', () => {
  it('returns every revision, including the delete revision without data', () => {
    const { view, id } = ledgerWithHistory();
    const rows = run(view, 'SELECT h.metadata.version, h.data FROM history(T) AS h WHERE h.metadata.id = ?', id);
    assert.deepEqual(texts(rows), ['{version:0,data:{v:0}}', '{version:1,data:{v:1}}', '{version:2}']);
  });

  it('bounds revisions by the time they were active, inclusive', () => {
    const { view } = ledgerWithHistory();
    const versions = (args: string, ...params: ReturnType<typeof ion>[]) =>
      texts(run(view, `SELECT VALUE h.metadata.version FROM history(T, ${args}) AS h`, ...params));
    assert.deepEqual(versions('`2024-01-15T00:00:00Z`, `2024-01-20T00:00:00Z`'), ['0']);
    assert.deepEqual(versions('`2024-02-01T00:00:00.000Z`, `2024-02-01T00:00:00.000Z`'), ['0', '1']);
    assert.deepEqual(versions('`2024-02-15T00:00:00Z`'), ['1', '2']);
    assert.deepEqual(versions('?, ?', ion('2023-01-01T'), ion('2023-06-01T')), []);
  });

  it('rejects a start after the end and non-timestamp bounds', () => {
    const { view } = ledgerWithHistory();
    assert.throws(() => run(view, 'SELECT * FROM history(T, `2024-03-01T`, `2024-01-01T`)'), /start time is after its end time/);
    assert.throws(() => run(view, "SELECT * FROM history(T, 'yesterday')"), /must be timestamps/);
  });

  it('rejects bounds in the future: start ≤ end ≤ now', () => {
    const { view } = ledgerWithHistory();
    const future = new Date(Date.now() + 3_600_000).toISOString();
    assert.throws(() => run(view, 'SELECT * FROM history(T, `2020T`, `2099T`)'), /end time is in the future/);
    assert.throws(() => run(view, 'SELECT * FROM history(T, `2099T`)'), /start time is in the future/);
    assert.throws(() => run(view, 'SELECT * FROM history(T, ?)', ion(future)), /start time is in the future/);
    assert.throws(() => run(view, 'SELECT * FROM history(T, `2020T`, ?)', ion(future)), /end time is in the future/);
    // up to now is allowed, whether given or implied
    assert.equal(run(view, 'SELECT * FROM history(T, `2020T`, UTCNOW())').length, 3);
    assert.equal(run(view, 'SELECT * FROM history(T, `2020T`)').length, 3);
  });

  it('reaches a dropped table only through its id', () => {
    const { view, tableId } = ledgerWithHistory();
    run(view, 'DROP TABLE T');
    assert.throws(() => run(view, 'SELECT * FROM history(T)'), /No such variable named 'T'/);
    assert.equal(run(view, `SELECT * FROM history('${tableId}')`).length, 3);
    assert.equal(run(view, 'SELECT * FROM history(?)', tableId).length, 3);
    assert.throws(() => run(view, "SELECT * FROM history('nope')"), /No such table id/);
  });

  it('counts a read IO per revision read', () => {
    const { view } = ledgerWithHistory();
    view.readIOs = 0;
    run(view, 'SELECT * FROM history(T)');
    assert.equal(view.readIOs, 3);
  });
});
