import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fixture, ion, run, type Fixture } from './helpers';
import { ServiceError } from '../../src/server/errors';
import type { Transaction } from '../../src/txn/transaction';

const stmt = (t: Transaction, fn: () => void) => {
  t.beginStatement('s', Buffer.alloc(32));
  fn();
  t.endStatement();
};

async function setup(): Promise<{ f: Fixture; tableId: string; a: string; b: string }> {
  const f = fixture();
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
  f.close();
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
  f.close();
});

test('a full scan conflicts with any concurrent insert into the table', async () => {
  const { f, tableId } = await setup();
  const t1 = f.begin();
  [...t1.t.scan(tableId)];
  await run(f, (t) => t.insert(tableId, ion('{k:"z"}')));
  await assert.rejects(f.commit(t1), isOcc);
  f.close();
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
  f.close();
});

test('index keys use Ion equality', async () => {
  const { f, tableId } = await setup();
  await run(f, (t) => {
    t.insert(tableId, ion('{k:1}'));
    t.insert(tableId, ion('{k:1.0}'));
    t.insert(tableId, ion('{k:ann::1}'));
    t.insert(tableId, ion('{k:{x:1,y:2}}'));
  });
  const x = f.begin();
  assert.equal([...x.t.lookup(tableId, 'k', ion('1'))].length, 1);
  assert.equal([...x.t.lookup(tableId, 'k', ion('1.0'))].length, 1);
  assert.equal([...x.t.lookup(tableId, 'k', ion('1.00'))].length, 0);
  assert.equal([...x.t.lookup(tableId, 'k', ion('ann::1'))].length, 1);
  assert.equal([...x.t.lookup(tableId, 'k', ion('{y:2,x:1}'))].length, 1);
  f.close();
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
  f.close();
});

test('every commit appends one block; versions and statement indices', async () => {
  const { f, tableId, a } = await setup();
  const blocksBefore = f.journal.strands.get(f.ledgerId)!.blocks.length;
  const x = f.begin();
  stmt(x.t, () => x.t.get(tableId, a));
  stmt(x.t, () => x.t.update(tableId, a, ion('{k:"a",n:3}')));
  stmt(x.t, () => x.t.update(tableId, a, ion('{k:"a",n:4}')));
  await f.commit(x);
  const r = f.begin();
  [...r.t.scan(tableId)];
  await f.commit(r); // read-only: still a block
  const blocks = f.journal.strands.get(f.ledgerId)!.blocks;
  assert.equal(blocks.length, blocksBefore + 2);
  const built = blocks[blocksBefore];
  assert.equal(built.revisions.length, 1);
  assert.equal(built.revisions[0].version, 1);
  const text = require('../../src/journal/block').blockToIonText(built.ion) as string;
  assert.match(text, /statements:\[1,2\]/);
  f.close();
});

test('a commit that fails inside the batch is rolled back alone; the others land', async () => {
  const { f, tableId } = await setup();
  const good = f.begin();
  const bad = f.begin();
  stmt(good.t, () => good.t.insert(tableId, ion('{k:"good"}')));
  stmt(bad.t, () => bad.t.insert(tableId, ion('{k:"bad"}')));
  const append = f.journal.appendBlock.bind(f.journal);
  f.journal.appendBlock = (ledgerId, built, txId) => {
    append(ledgerId, built, txId);
    if (txId === bad.t.transactionId) throw new Error('disk on fire');
  };
  const tipBefore = f.journal.strands.get(f.ledgerId)!.blocks.length;
  const [rg, rb] = await Promise.allSettled([f.commit(good), f.commit(bad)]);
  assert.equal(rg.status, 'fulfilled');
  assert.equal(rb.status, 'rejected');
  assert.equal((rb as PromiseRejectedResult).reason.type, 'InternalFailure');
  // the in-memory journal is not transactional; storage is: the bad one's rows are gone
  f.journal.strands.get(f.ledgerId)!.blocks.splice(tipBefore + 1);
  f.journal.appendBlock = append;
  const r = f.begin();
  assert.deepEqual([...r.t.lookup(tableId, 'k', ion('"bad"'))].length, 0);
  assert.deepEqual([...r.t.lookup(tableId, 'k', ion('"good"'))].length, 1);
  f.svc.closeTransaction(r.s);
  await run(f, (t) => t.insert(tableId, ion('{k:"after"}')));
  f.close();
});
