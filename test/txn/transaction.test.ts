import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fixture, ion, run } from './helpers';
import { ServiceError } from '../../src/server/errors';
import { executeStatement } from '../../src/partiql';
import { MAX_NESTING_DEPTH } from '../../src/partiql/documentSize';
import { blockToIonText, parseBlock } from '../../src/journal/block';
import { verifyBlock } from '../../src/journal/verify';
import { BlockEncoder, OUTPUT_FORMATS } from '../../src/exports/encoders';
import { OutBuf } from '../../src/exports/outBuf';
import { loadAll } from 'ion-js';

const badRequest = (re: RegExp) => (e: unknown) => e instanceof ServiceError && e.type === 'BadRequestException' && re.test(e.message);

test('quotas: documents per transaction, document size, tables, indexes', async () => {
  const f = await fixture();
  const tableId = await run(f, (t) => t.createTable('T'));
  const x = f.begin();
  x.t.beginStatement('s', Buffer.alloc(32));
  for (let i = 0; i < 40; i++) x.t.insert(tableId, ion(`{i:${i}}`));
  assert.throws(() => x.t.insert(tableId, ion('{i:40}')), badRequest(/40 documents/));
  const big = 'x'.repeat(131_072);
  assert.throws(() => x.t.update(tableId, [...x.t.writes.keys()][0], ion(`{s:"${big}"}`)), badRequest(/128 KB/));
  assert.throws(() => x.t.insert(tableId, ion('[1]')), badRequest(/struct/));
  f.svc.closeTransaction(x.s);

  await run(f, (t) => {
    for (let i = 1; i < 20; i++) t.createTable(`T${i}`);
    assert.throws(() => t.createTable('T20'), badRequest(/20 active tables/));
    assert.throws(() => t.createTable('T'), badRequest(/already exists/));
    for (const k of ['a', 'b', 'c', 'd', 'e']) t.createIndex('T', k);
    assert.throws(() => t.createIndex('T', 'f'), badRequest(/5 indexes/));
    assert.throws(() => t.createIndex('T1', 'a'.repeat(129)), badRequest(/128/));
  });
  await run(f, (t) => {
    for (let i = 1; i < 20; i++) t.dropTable(`T${i}`);
    for (let i = 20; i < 39; i++) t.createTable(`U${i}`);
    t.dropTable('U20');
    t.dropTable('U21');
    t.createTable('V');
    assert.throws(() => t.createTable('W'), badRequest(/40 tables/));
  });
  await f.close();
});

test('transaction size is limited to 4 MB', async () => {
  const f = await fixture();
  const tableId = await run(f, (t) => t.createTable('T'));
  const x = f.begin();
  x.t.beginStatement('s', Buffer.alloc(32));
  const doc = ion(`{s:"${'y'.repeat(120_000)}"}`);
  assert.throws(() => {
    for (let i = 0; i < 40; i++) x.t.insert(tableId, doc);
  }, badRequest(/maximum size/));
  await f.close();
});

test('a failed statement leaves no effect, the transaction goes on', async () => {
  const f = await fixture();
  const tableId = await run(f, (t) => t.createTable('T'));
  const x = f.begin();
  x.t.beginStatement('ok', Buffer.alloc(32));
  x.t.insert(tableId, ion('{a:1}'));
  x.t.endStatement();
  x.t.beginStatement('fails', Buffer.alloc(32));
  x.t.insert(tableId, ion('{a:2}'));
  x.t.createTable('X');
  x.t.rollbackStatement();
  assert.equal([...x.t.scan(tableId)].length, 1);
  assert.equal(x.t.activeTable('X'), undefined);
  assert.equal(x.t.statements.length, 1);
  await f.commit(x);
  const y = f.begin();
  assert.equal([...y.t.scan(tableId)].length, 1);
  await f.close();
});

test('catalog changes commit with the transaction; drop and undrop', async () => {
  const f = await fixture();
  const x = f.begin();
  x.t.beginStatement('s', Buffer.alloc(32));
  const tableId = x.t.createTable('T');
  x.t.insert(tableId, ion('{k:1}'));
  x.t.createIndex('T', 'k');
  assert.equal([...x.t.lookup(tableId, 'k', ion('1'))].length, 1, 'lookup on an index of this transaction');
  const other = f.begin();
  assert.equal(other.t.activeTable('T'), undefined, 'not visible before commit');
  await f.commit(x);
  await assert.rejects(f.commit(other), (e: unknown) => e instanceof ServiceError && e.type === 'OccConflictException');
  const y = f.begin();
  const info = y.t.activeTable('T')!;
  assert.equal(info.indexes[0].field, 'k');
  assert.equal(info.indexes[0].status, 'ONLINE');
  assert.equal([...y.t.lookup(tableId, 'k', ion('1'))].length, 1, 'built by the commit');
  y.t.dropTable('T');
  await f.commit(y);
  const z = f.begin();
  assert.equal(z.t.activeTable('T'), undefined);
  assert.equal(z.t.tables()[0].status, 'INACTIVE');
  z.t.undropTable(tableId);
  await f.commit(z);
  const w = f.begin();
  assert.equal([...w.t.scan(tableId)].length, 1);
  await f.close();
});

test('history with time bounds, deletes and redaction', async () => {
  const f = await fixture();
  const tableId = await run(f, (t) => t.createTable('T'));
  const id = await run(f, (t) => t.insert(tableId, ion('{v:0}')));
  await new Promise((r) => setTimeout(r, 15));
  const mid = new Date();
  await new Promise((r) => setTimeout(r, 15));
  await run(f, (t) => t.update(tableId, id, ion('{v:1}')));
  await run(f, (t) => t.delete(tableId, id));
  const x = f.begin();
  const all = [...x.t.history(tableId)];
  assert.equal(all.length, 3);
  assert.equal(all[2].get('data'), null, 'delete revision has no data');
  assert.equal(all[2].get('metadata', 'version')!.numberValue(), 2);
  const early = [...x.t.history(tableId, new Date(0), mid)];
  assert.deepEqual(early.map((r) => r.get("metadata", "version")!.numberValue()!), [0]);
  const late = [...x.t.history(tableId, mid)];
  assert.deepEqual(late.map((r) => r.get("metadata", "version")!.numberValue()!), [0, 1, 2]);
  assert.equal(x.t.get(tableId, id), undefined);

  const seq0 = all[0].get('blockAddress', 'sequenceNo')!.numberValue()!;
  const strandId = all[0].get('blockAddress', 'strandId')!.stringValue()!;
  x.t.beginStatement('exec redact_revision', Buffer.alloc(32));
  assert.throws(() => x.t.redactRevision({ strandId, sequenceNo: 999 }, tableId, id), badRequest(/No revision/));
  const req = x.t.redactRevision({ strandId, sequenceNo: seq0 }, tableId, id);
  assert.equal(req.get('version')!.numberValue(), 0);
  assert.throws(() => x.t.redactRevision({ strandId, sequenceNo: seq0 }, tableId, id), badRequest(/1 revision/));
  x.t.endStatement();
  await f.commit(x);
  const y = f.begin();
  const h = [...y.t.history(tableId)];
  assert.equal(h[0].get('data'), null);
  assert.equal(h[0].get('dataHash')!.uInt8ArrayValue()!.length, 32);
  assert.deepEqual(h[0].get('hash')!.uInt8ArrayValue(), all[0].get('hash')!.uInt8ArrayValue());
  // the stored block holds the redacted revision: its data replaced by the same dataHash
  const redactedInBlock = parseBlock(f.blocks()[seq0].ion).revisions.find((r) => r.documentId === id)!;
  assert.ok(!redactedInBlock.fields.has('data'));
  assert.ok(redactedInBlock.fields.has('dataHash'));
  await f.close();
});

test('sessions: limit per ledger, account binding, expiry, transaction expiry', async () => {
  const f = await fixture({ maxSessionsPerLedger: 2, transactionTimeoutMs: 30 });
  const s1 = f.svc.sessions.create(f.ledgerId, 'l', '111111111111', 'us-east-1');
  f.svc.sessions.create(f.ledgerId, 'l', '111111111111', 'us-east-1');
  assert.throws(() => f.svc.sessions.create(f.ledgerId, 'l', '111111111111', 'us-east-1'), (e: unknown) => e instanceof ServiceError && e.type === 'LimitExceededException');
  assert.throws(() => f.svc.sessions.get(s1.token, '222222222222'), (e: unknown) => e instanceof ServiceError && e.message === 'No such session');
  assert.equal(f.svc.sessions.get(s1.token, '111111111111'), s1);
  const t = await f.svc.startTransaction(s1);
  await new Promise((r) => setTimeout(r, 40));
  assert.throws(
    () => f.svc.openTransaction(s1, t.transactionId),
    (e: unknown) => e instanceof ServiceError && e.type === 'InvalidSessionException' && e.message === `Transaction ${t.transactionId} has expired`,
  );
  assert.equal(s1.txn, undefined);
  f.svc.sessions.end(s1);
  assert.throws(() => f.svc.sessions.get(s1.token, '111111111111'), (e: unknown) => e instanceof ServiceError && e.type === 'InvalidSessionException');
  await f.close();
});

test('a statement still running at the transaction deadline answers the expiry error, as the next command would', async () => {
  const f = await fixture({ transactionTimeoutMs: 200 });
  const tableId = await run(f, (t) => t.createTable('J'));
  await run(f, (t) => {
    for (let n = 0; n < 40; n++) t.insert(tableId, ion(`{n:${n}}`));
  });
  const { s, t } = f.begin();
  t.beginStatement('count', Buffer.alloc(32));
  const started = Date.now();
  const expired = (e: unknown) =>
    e instanceof ServiceError && e.type === 'InvalidSessionException' && e.message === `Transaction ${t.transactionId} has expired`;
  assert.throws(() => executeStatement(t, 'SELECT COUNT(*) FROM J AS a, J AS b, J AS c, J AS e, J AS f', []), expired);
  assert.ok(Date.now() - started < 1_000, `stopped after ${Date.now() - started} ms`);
  t.rollbackStatement();
  assert.throws(() => f.svc.openTransaction(s, t.transactionId), expired);
  await f.close();
});

test(`documents nest at most ${MAX_NESTING_DEPTH} levels, and one at the limit goes through every journal path`, async () => {
  const f = await fixture();
  const nested = (depth: number) => {
    let text = '"leaf"';
    for (let i = 1; i < depth; i++) text = i % 2 ? `[${text}]` : `{k:${text}}`;
    return ion(`{a:${text}}`);
  };
  const tableId = await run(f, (t) => t.createTable('Deep'));
  const x = f.begin();
  x.t.beginStatement('insert', Buffer.alloc(32));
  assert.throws(
    () => x.t.insert(tableId, nested(MAX_NESTING_DEPTH + 1)),
    (e: unknown) => e instanceof ServiceError && e.type === 'BadRequestException' && /nests deeper than the maximum of 100 levels/.test(e.message),
  );
  const id = x.t.insert(tableId, nested(MAX_NESTING_DEPTH));
  x.t.endStatement();
  await f.commit(x);

  const r = f.begin();
  assert.ok(r.t.get(tableId, id)!.data.ionEquals(nested(MAX_NESTING_DEPTH)));
  assert.ok(r.t.get(tableId, id)!.committed()!.get('data')!.ionEquals(nested(MAX_NESTING_DEPTH)));
  assert.equal([...r.t.history(tableId)].length, 1);
  const blocks = f.blocks();
  const block = Buffer.from(blocks[blocks.length - 1].ion);
  const previous = blocks[blocks.length - 2].blockHash;
  assert.ok(verifyBlock(block, previous).ok);
  assert.equal(parseBlock(block).revisions.length, 1);
  assert.ok(blockToIonText(block).includes('"leaf"'));
  for (const format of OUTPUT_FORMATS) {
    const out = new OutBuf();
    new BlockEncoder(format).encode(block, out);
    const bytes = out.buf.subarray(0, out.len);
    const back = format === 'JSON' ? JSON.parse(bytes.toString('utf8')) : loadAll(format === 'ION_TEXT' ? bytes.toString('utf8') : bytes)[0];
    assert.ok(JSON.stringify(back).includes('"leaf"'), `${format} export of the block reads back`);
  }
  await f.close();
});
