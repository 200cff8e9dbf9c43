/**
 * A statement's budget: it stops on the transaction's deadline and after its own time limit, and
 * refuses to materialize more than its memory limit — checked inside the evaluation loops, so a
 * cross join that would run for minutes or exhaust the heap is stopped early.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dom } from 'ion-js';
import { executeStatement, StatementError } from '../../src/partiql';
import { approximateBytes, STATEMENT_LIMITS } from '../../src/partiql/budget';
import { ion, run } from './fixtures';
import { MemoryLedger, TransactionExpired } from './memoryView';

/** 40 documents: a 5-way self join of them has 102,400,000 rows. */
function forty(): MemoryLedger {
  const view = new MemoryLedger();
  run(view, 'CREATE TABLE J');
  run(view, 'INSERT INTO J ?', ion(`[${Array.from({ length: 40 }, (_, i) => `{n: ${i}}`).join(', ')}]`));
  return view;
}

const FIVE_WAY = 'FROM J AS a, J AS b, J AS c, J AS e, J AS f';

function elapsed<T>(fn: () => T): { ms: number; result?: T; error?: unknown } {
  const start = Date.now();
  try {
    const result = fn();
    return { ms: Date.now() - start, result };
  } catch (error) {
    return { ms: Date.now() - start, error };
  }
}

describe('statement time', () => {
  it('stops a long statement after its time limit with a statement error', () => {
    const view = forty();
    const r = elapsed(() => executeStatement(view, `SELECT COUNT(*) ${FIVE_WAY}`, [], { ...STATEMENT_LIMITS, timeMs: 200 }));
    assert.ok(r.error instanceof StatementError, `expected a StatementError, got ${String(r.error)}`);
    assert.match((r.error as Error).message, /exceeded the time limit of 200 ms/);
    assert.ok(r.ms < 1_500, `stopped after ${r.ms} ms`);
  });

  it('stops a statement once the transaction has expired, with the transaction-expired error', () => {
    const view = forty();
    view.deadline = Date.now() + 150;
    const r = elapsed(() => executeStatement(view, `SELECT COUNT(*) ${FIVE_WAY} WHERE a.n >= 0`, []));
    assert.ok(r.error instanceof TransactionExpired, `expected the view's expiry, got ${String(r.error)}`);
    assert.equal((r.error as Error).message, `Transaction ${view.transactionId} has expired`);
    assert.ok(r.ms < 1_500, `stopped after ${r.ms} ms`);
  });

  it('checks the time inside correlated subqueries too', () => {
    const view = forty();
    const r = elapsed(() =>
      executeStatement(
        view,
        'SELECT VALUE a.n FROM J AS a WHERE EXISTS (SELECT * FROM J AS b, J AS c, J AS d, J AS e WHERE e.n = a.n + 100)',
        [],
        { ...STATEMENT_LIMITS, timeMs: 200 },
      ),
    );
    assert.ok(r.error instanceof StatementError, String(r.error));
    assert.ok(r.ms < 1_500, `stopped after ${r.ms} ms`);
  });
});

describe('statement memory', () => {
  it('refuses a result larger than the memory limit instead of exhausting the heap', () => {
    const view = forty();
    const heapBefore = process.memoryUsage().heapUsed;
    // time is not what this test is about: building the rows up to the limit takes seconds
    const r = elapsed(() => executeStatement(view, `SELECT * ${FIVE_WAY}`, [], { ...STATEMENT_LIMITS, timeMs: 60_000 }));
    assert.ok(r.error instanceof StatementError, `expected a StatementError, got ${String(r.error)}`);
    assert.match((r.error as Error).message, /result exceeds the limit of 64 MB/);
    assert.ok(process.memoryUsage().heapUsed - heapBefore < 512 * 1024 * 1024, 'the heap stayed bounded');
  });

  it('counts the bytes of what a row holds, not just rows', () => {
    const view = new MemoryLedger();
    run(view, 'CREATE TABLE Big');
    const doc = ion(`{s: "${'x'.repeat(100_000)}"}`);
    for (let i = 0; i < 10; i++) run(view, 'INSERT INTO Big ?', doc);
    // ten rows of 100 KB: within 2 MB, over 500 KB
    assert.equal(executeStatement(view, 'SELECT * FROM Big', [], { ...STATEMENT_LIMITS, bytes: 2_000_000 }).values.length, 10);
    assert.throws(() => executeStatement(view, 'SELECT * FROM Big', [], { ...STATEMENT_LIMITS, bytes: 500_000 }), /result exceeds the limit/);
  });

  it('charges a subquery only while it is being built, so per-row subqueries do not add up', () => {
    const view = forty();
    const inner = approximateBytes(new dom.List(Array.from({ length: 40 }, (_, i) => ion(String(i)))));
    // each inner result fits, all forty of them together would not
    const limits = { ...STATEMENT_LIMITS, bytes: inner * 10 };
    const rows = executeStatement(view, 'SELECT VALUE a.n FROM J AS a WHERE a.n IN (SELECT VALUE b.n FROM J AS b)', [], limits).values;
    assert.equal(rows.length, 40);
  });

  it('leaves ordinary joins alone: the driver test 6-way self join of 3 documents', () => {
    const view = new MemoryLedger();
    run(view, 'CREATE TABLE Join3');
    run(view, "INSERT INTO Join3 << {'col': 1}, {'col': 2}, {'col': 3} >>");
    view.readIOs = 0;
    const rows = run(view, 'SELECT * FROM Join3 as a, Join3 as b, Join3 as c, Join3 as d, Join3 as e, Join3 as f');
    assert.equal(rows.length, 729);
    assert.equal(view.readIOs, 1092);
  });
});
