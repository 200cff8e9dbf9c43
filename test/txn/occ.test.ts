import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fixture, ion, run, type Fixture } from './helpers';
import { ServiceError } from '../../src/server/errors';
import type { Transaction } from '../../src/txn/transaction';
import { rebuildOldIndexKeys } from '../../src/app';
import { blockToIonText, parseBlock } from '../../src/journal/block';
import { DocumentStore } from '../../src/storage/sqlite/documentStore';
import { fromBinary } from '../../src/txn/ion';
import { ionHash } from '../../src/journal/ionHash';
import { executeStatement } from '../../src/partiql';

const stmt = (t: Transaction, fn: () => void) => {
  t.beginStatement('s', Buffer.alloc(32));
  fn();
  t.endStatement();
};

async function setup(): Promise<{ f: Fixture; tableId: string; a: string; b: string }> {
  const f = await fixture();
  const tableId = await run(f, (t) => {
    const id = t.createTable('T');
    t.createIndex('T', 'k');
    return id;
  });
  const [a, b] = await run(f, (t) => [t.insert(tableId, ion('{k:"a",n:1}')), t.insert(tableId, ion('{k:"b",n:2}'))]);
  return { f, tableId, a, b };
}

const isOcc = (e: unknown) => e instanceof ServiceError && e.type === 'OccConflictException';

test('reads see the snapshot at start plus own writes', async () => {
  const { f, tableId, a } = await setup();
  const t1 = f.begin();
  await run(f, (t) => t.update(tableId, a, ion('{k:"a",n:10}')));
  assert.equal(t1.t.get(tableId, a)!.data.get('n')!.numberValue(), 1, 'get sees the snapshot');
  assert.deepEqual(
    [...t1.t.scan(tableId)].map((r) => r.data.get('n')!.numberValue()).sort(),
    [1, 2],
    'scan sees the snapshot',
  );
  assert.equal([...t1.t.lookup(tableId, 'k', ion('"a"'))].length, 1);
  const mine = t1.t.insert(tableId, ion('{k:"c"}'));
  assert.equal(t1.t.get(tableId, mine)!.data.get('k')!.stringValue(), 'c');
  assert.equal([...t1.t.scan(tableId)].length, 3);
  assert.equal(t1.t.get(tableId, mine)!.committed(), undefined);
  await assert.rejects(f.commit(t1), isOcc, 'it read a document changed since');
  const t2 = f.begin();
  assert.equal(t2.t.get(tableId, a)!.data.get('n')!.numberValue(), 10);
  const c = t2.t.get(tableId, a)!.committed()!;
  assert.equal(c.get('metadata', 'version')!.numberValue(), 1);
  await f.close();
});

test('a document read conflicts only with writes to that document', async () => {
  const { f, tableId, a, b } = await setup();
  const t1 = f.begin();
  stmt(t1.t, () => t1.t.update(tableId, a, ion('{k:"a",n:5}')));
  await run(f, (t) => t.update(tableId, b, ion('{k:"b",n:6}')));
  await f.commit(t1); // b is not in t1's read set
  const t3 = f.begin();
  t3.t.get(tableId, b);
  await run(f, (t) => t.delete(tableId, b));
  await assert.rejects(f.commit(t3), isOcc);
  await f.close();
});

test('a full scan conflicts with any concurrent insert into the table', async () => {
  const { f, tableId } = await setup();
  const t1 = f.begin();
  [...t1.t.scan(tableId)];
  await run(f, (t) => t.insert(tableId, ion('{k:"z"}')));
  await assert.rejects(f.commit(t1), isOcc);
  await f.close();
});

test('an index lookup conflicts only with the matching documents, phantoms included', async () => {
  const { f, tableId, b } = await setup();
  const t1 = f.begin();
  assert.equal([...t1.t.lookup(tableId, 'k', ion('"a"'))].length, 1);
  await run(f, (t) => t.update(tableId, b, ion('{k:"b",n:7}')));
  await run(f, (t) => t.insert(tableId, ion('{k:"x"}')));
  await f.commit(t1);

  const t2 = f.begin();
  [...t2.t.lookup(tableId, 'k', ion('"q"'))];
  await run(f, (t) => t.insert(tableId, ion('{k:"q"}'))); // a phantom
  await assert.rejects(f.commit(t2), isOcc);

  const t3 = f.begin();
  [...t3.t.lookup(tableId, 'k', ion('"b"'))];
  await run(f, (t) => t.update(tableId, b, ion('{k:"moved"}'))); // leaves the matching set
  await assert.rejects(f.commit(t3), isOcc);
  await f.close();
});

test('index keys: numbers by value, as = compares them; anything else by Ion equality', async () => {
  const { f, tableId } = await setup();
  await run(f, (t) => {
    t.insert(tableId, ion('{k:1}'));
    t.insert(tableId, ion('{k:1.0}'));
    t.insert(tableId, ion('{k:ann::1}'));
    t.insert(tableId, ion('{k:{x:1,y:2}}'));
    t.insert(tableId, ion('{k:"1"}'));
    t.insert(tableId, ion('{k:[1]}'));
  });
  const x = f.begin();
  for (const n of ['1', '1.0', '1.00', '1e0', 'ann::1']) {
    assert.equal([...x.t.lookup(tableId, 'k', ion(n))].length, 3, `k = ${n}`);
  }
  assert.equal([...x.t.lookup(tableId, 'k', ion('2'))].length, 0);
  assert.equal([...x.t.lookup(tableId, 'k', ion('"1"'))].length, 1);
  assert.equal([...x.t.lookup(tableId, 'k', ion('{y:2,x:1}'))].length, 1);
  assert.equal([...x.t.lookup(tableId, 'k', ion('{y:2,x:1.0}'))].length, 0, 'inside a container, Ion equality');
  assert.equal([...x.t.lookup(tableId, 'k', ion('[1.0]'))].length, 0);
  await f.close();
});

test('WHERE n = <number> on an indexed field reads only the matching documents', async () => {
  const f = await fixture();
  const tableId = await run(f, (t) => {
    const id = t.createTable('T');
    t.createIndex('T', 'n');
    return id;
  });
  await run(f, (t) => {
    for (let i = 0; i < 5; i++) t.insert(tableId, ion(`{n:${i}}`));
  });
  const select = (t: Transaction) => {
    t.beginStatement('SELECT', Buffer.alloc(32));
    const rows = executeStatement(t, 'SELECT VALUE n FROM T WHERE n = ?', [ion('3e0')]).values;
    t.endStatement();
    return rows;
  };

  const reader = f.begin();
  assert.equal(select(reader.t).length, 1);
  assert.equal(reader.t.readIOs, 1, 'one document read, not the table');
  await run(f, (t) => t.insert(tableId, ion('{n:7}')));
  await f.commit(reader); // an unrelated insert does not conflict

  const phantom = f.begin();
  assert.equal(select(phantom.t).length, 1);
  await run(f, (t) => t.insert(tableId, ion('{n:3.0}'))); // = 3e0: it would be in the result
  await assert.rejects(f.commit(phantom), isOcc);

  const later = f.begin();
  assert.equal(select(later.t).length, 2);
  await f.close();
});

test('indexes keyed before numbers were keyed by value are rebuilt at startup', async () => {
  const { f, tableId } = await setup();
  await run(f, (t) => {
    t.insert(tableId, ion('{k:5}'));
    t.insert(tableId, ion('{k:5.0}'));
  });
  // what a database written before schema version 2 holds: every key an Ion hash
  const db = f.db;
  db.prepare('DELETE FROM index_entries').run();
  const put = db.prepare('INSERT INTO index_entries (ledger_id, table_id, field, key, doc_id) VALUES (?, ?, ?, ?, ?)');
  for (const d of new DocumentStore(db).liveDocuments(f.ledgerId, tableId)) {
    put.run(f.ledgerId, tableId, 'k', ionHash(fromBinary(d.data).get('k')!), d.docId);
  }
  db.prepare("INSERT INTO index_rekey_pending VALUES (?, ?, 'k')").run(f.ledgerId, tableId);
  const before = f.begin();
  assert.equal([...before.t.lookup(tableId, 'k', ion('5'))].length, 0, 'old keys do not match number lookups');

  f.svc.closeTransaction(before.s);
  // what a server does at start-up
  assert.equal(rebuildOldIndexKeys(db), 1);
  const after = f.begin();
  assert.equal([...after.t.lookup(tableId, 'k', ion('5'))].length, 2);
  assert.equal([...after.t.lookup(tableId, 'k', ion('"a"'))].length, 1);
  assert.equal(db.prepare('SELECT COUNT(*) FROM index_rekey_pending').pluck().get(), 0);
  await f.close();
});

test('commits of one batch validate against each other', async () => {
  const { f, tableId, a } = await setup();
  const t1 = f.begin();
  const t2 = f.begin();
  stmt(t1.t, () => t1.t.update(tableId, a, ion('{k:"a",n:100}')));
  stmt(t2.t, () => t2.t.update(tableId, a, ion('{k:"a",n:200}')));
  const p1 = f.commit(t1);
  const p2 = f.commit(t2);
  const batchesBefore = f.svc.pipeline.stats.batches;
  const [r1, r2] = await Promise.allSettled([p1, p2]);
  assert.equal(f.svc.pipeline.stats.batches, batchesBefore + 1, 'one batch');
  assert.equal(r1.status, 'fulfilled');
  assert.equal(r2.status, 'rejected');
  assert.ok(isOcc((r2 as PromiseRejectedResult).reason));
  const t3 = f.begin();
  assert.equal(t3.t.get(tableId, a)!.data.get('n')!.numberValue(), 100);
  await f.close();
});

test('every commit appends one block; versions and statement indices', async () => {
  const { f, tableId, a } = await setup();
  const blocksBefore = f.blocks().length;
  const x = f.begin();
  stmt(x.t, () => x.t.get(tableId, a));
  stmt(x.t, () => x.t.update(tableId, a, ion('{k:"a",n:3}')));
  stmt(x.t, () => x.t.update(tableId, a, ion('{k:"a",n:4}')));
  await f.commit(x);
  const r = f.begin();
  [...r.t.scan(tableId)];
  await f.commit(r); // read-only: still a block
  const blocks = f.blocks();
  assert.equal(blocks.length, blocksBefore + 2);
  const built = parseBlock(blocks[blocksBefore].ion);
  assert.equal(built.revisions.length, 1);
  assert.equal(built.revisions[0].version, 1);
  const text = blockToIonText(blocks[blocksBefore].ion);
  assert.match(text, /statements:\[1,2\]/);
  await f.close();
});

test('a batch the database refuses is written not at all, and the ledger goes on', async () => {
  const { f, tableId } = await setup();
  const good = f.begin();
  const bad = f.begin();
  stmt(good.t, () => good.t.insert(tableId, ion('{k:"good"}')));
  stmt(bad.t, () => bad.t.insert(tableId, ion('{k:"bad"}')));
  // a real storage failure inside the batch's database transaction
  f.db.exec(`CREATE TEMP TRIGGER refuse BEFORE INSERT ON journal_blocks WHEN NEW.tx_id = '${bad.t.transactionId}'
    BEGIN SELECT RAISE(ABORT, 'disk on fire'); END`);
  const blocksBefore = f.blocks().length;
  const [rg, rb] = await Promise.allSettled([f.commit(good), f.commit(bad)]);
  assert.equal(rg.status, 'rejected');
  assert.equal(rb.status, 'rejected');
  assert.equal((rg as PromiseRejectedResult).reason.type, 'InternalFailure');
  assert.equal((rb as PromiseRejectedResult).reason.type, 'InternalFailure');
  assert.equal(f.blocks().length, blocksBefore, 'neither block was written');
  f.db.exec('DROP TRIGGER refuse');
  await f.svc.state(f.ledgerId); // reloaded from storage
  const r = f.begin();
  assert.deepEqual([...r.t.lookup(tableId, 'k', ion('"bad"'))].length, 0);
  assert.deepEqual([...r.t.lookup(tableId, 'k', ion('"good"'))].length, 0);
  f.svc.closeTransaction(r.s);
  await run(f, (t) => t.insert(tableId, ion('{k:"after"}')));
  assert.equal(f.blocks().length, blocksBefore + 1);
  await f.close();
});

test('a transaction begun before a batch the database refused is an OCC conflict, not a ledger gone', async () => {
  const { f, tableId } = await setup();
  const early = f.begin();
  stmt(early.t, () => early.t.insert(tableId, ion('{k:"early"}')));
  const bad = f.begin();
  stmt(bad.t, () => bad.t.insert(tableId, ion('{k:"bad"}')));
  f.db.exec(`CREATE TEMP TRIGGER refuse BEFORE INSERT ON journal_blocks WHEN NEW.tx_id = '${bad.t.transactionId}'
    BEGIN SELECT RAISE(ABORT, 'connection lost'); END`);
  await assert.rejects(f.commit(bad), (e: ServiceError) => e.type === 'InternalFailure');
  f.db.exec('DROP TRIGGER refuse');
  // the failed batch dropped the ledger's state: what `early` read cannot be vouched for, and the driver retries a conflict
  await assert.rejects(f.commit(early), isOcc);
  await f.svc.state(f.ledgerId);
  await run(f, (t) => t.insert(tableId, ion('{k:"retried"}')));
  await f.close();
});
