import assert from 'node:assert/strict';
import type { ExportJob } from '../../../src/exports/types';
import { storeTest, type Backend } from './backend';
import { exportJob, plain } from './fixtures';

const start = { ms: -1, id: '' };
const ids = (jobs: ExportJob[]) => jobs.map((j) => j.exportId);
const object = (ordinal: number, firstSeq: number, lastSeq: number) => ({ ordinal, key: `p/${ordinal}.ion`, firstSeq, lastSeq });

export function exportTests(backend: Backend): void {
  storeTest(backend, 'insert holds a limit of jobs IN_PROGRESS per ledger; a job reads back as inserted', async (open) => {
    const store = await open();
    const e1 = exportJob('E1', 100, { kmsKeyArn: 'arn:aws:kms:us-east-1:000000000000:key/k', encryptionType: 'SSE_KMS', outputFormat: 'JSON' });
    assert.equal(await store.exports.insert(e1, 2), true);
    assert.equal(await store.exports.insert(exportJob('E2', 101, { firstSeq: undefined, lastSeq: undefined, nextSeq: undefined }), 2), true);
    assert.equal(await store.exports.insert(exportJob('E3', 102), 2), false, 'a third in progress');
    assert.equal(await store.exports.get('E3'), undefined);
    assert.equal(await store.exports.insert(exportJob('E4', 103, { ledgerId: 'L2' }), 2), true, 'another ledger has its own limit');
    assert.deepEqual(plain(await store.exports.get('E1')), plain(e1));
    assert.deepEqual(plain(await store.exports.get('E2')), plain(exportJob('E2', 101, { firstSeq: undefined, lastSeq: undefined, nextSeq: undefined })));
    assert.deepEqual(await store.exports.inProgressIds('L1'), ['E1', 'E2']);
    assert.equal(await store.exports.finish('E1', 'COMPLETED', 200), true);
    assert.deepEqual(await store.exports.inProgressIds('L1'), ['E2']);
    assert.equal(await store.exports.insert(exportJob('E3', 104), 2), true, 'a finished job frees its slot');
    await assert.rejects(store.exports.insert(exportJob('E3', 105, { ledgerId: 'L3' }), 2), 'an export id is unique');
  });

  storeTest(
    backend,
    'two nodes racing for the last slot of a ledger: exactly one job is inserted',
    async (open) => {
      const [a, b] = await Promise.all([open(), open()]);
      for (let round = 0; round < 5; round++) {
        const ledgerId = `L${round}`;
        assert.equal(await a.exports.insert(exportJob(`R${round}-0`, 1, { ledgerId }), 2), true);
        const won = await Promise.all([
          a.exports.insert(exportJob(`R${round}-a`, 2, { ledgerId }), 2),
          b.exports.insert(exportJob(`R${round}-b`, 2, { ledgerId }), 2),
        ]);
        assert.equal(won.filter(Boolean).length, 1, `round ${round}: ${won}`);
        assert.equal((await b.exports.inProgressIds(ledgerId)).length, 2);
      }
    },
    { nodes: true },
  );

  storeTest(backend, 'visible, lists by account and by ledger (paged by created time and id), counts: finished jobs expire at the horizon', async (open) => {
    const store = await open();
    await store.exports.insert(exportJob('A', 10), 9);
    await store.exports.insert(exportJob('C', 20), 9);
    await store.exports.insert(exportJob('B', 20), 9);
    await store.exports.insert(exportJob('D', 30, { ledgerId: 'L2' }), 9);
    await store.exports.insert(exportJob('E', 40, { accountId: '111111111111' }), 9);
    await store.exports.insert(exportJob('F', 50, { region: 'eu-west-1' }), 9);
    await store.exports.finish('A', 'COMPLETED', 1000);
    await store.exports.finish('B', 'CANCELLED', 2000, 'the bucket is gone');

    assert.deepEqual(ids(await store.exports.listByAccount('000000000000', 'us-east-1', start, 10, 0)), ['A', 'B', 'C', 'D']);
    assert.deepEqual(ids(await store.exports.listByAccount('000000000000', 'us-east-1', start, 2, 0)), ['A', 'B']);
    assert.deepEqual(ids(await store.exports.listByAccount('000000000000', 'us-east-1', { ms: 20, id: 'B' }, 2, 0)), ['C', 'D']);
    assert.deepEqual(ids(await store.exports.listByAccount('000000000000', 'us-east-1', { ms: 30, id: 'D' }, 2, 0)), []);
    assert.deepEqual(ids(await store.exports.listByAccount('000000000000', 'eu-west-1', start, 10, 0)), ['F']);
    assert.deepEqual(ids(await store.exports.listByLedger('L1', start, 10, 0)), ['A', 'B', 'C', 'E', 'F']);
    assert.deepEqual(ids(await store.exports.listByLedger('L1', { ms: 20, id: 'B' }, 10, 0)), ['C', 'E', 'F']);

    // the horizon: a job that finished at or before it is gone
    assert.deepEqual(ids(await store.exports.listByLedger('L1', start, 10, 1000)), ['B', 'C', 'E', 'F']);
    assert.deepEqual(ids(await store.exports.listByAccount('000000000000', 'us-east-1', start, 10, 2000)), ['C', 'D']);
    assert.equal((await store.exports.visible('A', 999))!.status, 'COMPLETED');
    assert.equal(await store.exports.visible('A', 1000), undefined);
    assert.equal((await store.exports.visible('B', 1999))!.cancelReason, 'the bucket is gone');
    assert.equal((await store.exports.visible('C', 1e15))!.status, 'IN_PROGRESS', 'a job in progress never expires');
    assert.equal(await store.exports.visible('Z', 0), undefined);
    assert.equal((await store.exports.get('A'))!.finishedMs, 1000, 'get sees expired jobs');

    const counts = async (horizon: number) =>
      Object.fromEntries((await store.exports.countByStatus(horizon)).map((c) => [c.state, Number(c.count)]));
    assert.deepEqual(await counts(0), { IN_PROGRESS: 4, COMPLETED: 1, CANCELLED: 1 });
    assert.deepEqual(await counts(1500), { IN_PROGRESS: 4, CANCELLED: 1 });

    // the caller's to keep: changing an answer changes nothing stored
    const listed = await store.exports.listByLedger('L1', start, 10, 0);
    listed.length = 0;
    assert.equal((await store.exports.listByLedger('L1', start, 10, 0)).length, 5);
  });

  storeTest(backend, 'claim takes the oldest job whose lease is free or expired; renew, lease loss, objects and finish', async (open) => {
    const store = await open();
    await store.exports.insert(exportJob('E2', 20), 9);
    await store.exports.insert(exportJob('E1', 10), 9);
    assert.equal(await store.exports.claim('node-a', 1000, 0).then((j) => j?.exportId), 'E1', 'oldest first');
    assert.equal(await store.exports.claim('node-b', 1000, 500).then((j) => j?.exportId), 'E2', 'E1 is leased');
    assert.equal(await store.exports.claim('node-c', 1000, 500), undefined, 'every job is leased');
    assert.equal(await store.exports.claim('node-a', 1500, 600).then((j) => j?.exportId), 'E1', 'claiming again while holding it renews');
    assert.equal(await store.exports.renew('E1', 'node-a', 2000), true);
    assert.equal(await store.exports.renew('E1', 'node-b', 9000), false, 'not the holder');
    assert.equal(await store.exports.renew('E2', 'node-b', 1e12), true);
    assert.equal(await store.exports.claim('node-c', 5000, 1999), undefined, 'E1 is held until 2000, E2 for long');

    assert.equal(await store.exports.addObject('E1', 'node-a', object(0, 0, 3), 4), true);
    assert.equal((await store.exports.get('E1'))!.nextSeq, 4);

    // node-a stops renewing; once its lease has run out node-c takes E1 over and resumes at nextSeq
    const e1 = (await store.exports.claim('node-c', 5000, 2001))!;
    assert.equal(e1.exportId, 'E1');
    assert.equal(e1.nextSeq, 4);
    assert.equal(await store.exports.renew('E1', 'node-a', 9000), false, 'the lease was lost');
    assert.equal(await store.exports.addObject('E1', 'node-a', object(1, 4, 7), 8), false, 'refused after losing the lease');
    assert.equal(await store.exports.addObject('E1', 'node-c', object(1, 4, 7), 8), true);
    assert.equal(await store.exports.addObject('E1', 'node-c', object(2, 8, 9), 10), true);
    assert.deepEqual(await store.exports.objects('E1'), [object(0, 0, 3), object(1, 4, 7), object(2, 8, 9)]);
    assert.equal((await store.exports.get('E1'))!.nextSeq, 10);
    assert.deepEqual(await store.exports.objects('E2'), []);

    assert.equal(await store.exports.finish('E1', 'COMPLETED', 6000), true);
    assert.equal(await store.exports.finish('E1', 'CANCELLED', 6001), false, 'not IN_PROGRESS any more');
    assert.equal((await store.exports.get('E1'))!.status, 'COMPLETED');
    assert.equal(await store.exports.renew('E1', 'node-c', 9000), false, 'a finished job is not renewed');
    assert.equal(await store.exports.addObject('E1', 'node-c', object(3, 10, 10), 11), false, 'nor written to');
    assert.equal((await store.exports.objects('E1')).length, 3);
    assert.equal(await store.exports.claim('node-d', 9000, 1e9), undefined, 'a finished job is never claimed');
    assert.equal((await store.exports.claim('node-d', 2e12, 1e12 + 1))!.exportId, 'E2');
  });

  storeTest(backend, 'a lease outlives a restart: the job is still held, then claimable once it expires', async (open) => {
    const first = await open();
    await first.exports.insert(exportJob('E1', 10), 9);
    await first.exports.claim('node-a', 1000, 0);
    await first.close();
    const store = await open();
    assert.equal(await store.exports.claim('node-b', 2000, 999), undefined);
    assert.equal((await store.exports.claim('node-b', 2000, 1001))!.exportId, 'E1');
  });

  storeTest(
    backend,
    'two nodes claiming at once never get the same job',
    async (open) => {
      const [a, b] = await Promise.all([open(), open()]);
      for (let i = 0; i < 6; i++) await a.exports.insert(exportJob(`E${i}`, i, { ledgerId: `L${i}` }), 9);
      const claims = await Promise.all(Array.from({ length: 8 }, (_, i) => (i % 2 ? a : b).exports.claim(`node-${i}`, 1000, 0)));
      const got = claims.filter((j) => j).map((j) => j!.exportId).sort();
      assert.deepEqual(got, ['E0', 'E1', 'E2', 'E3', 'E4', 'E5']);
    },
    { nodes: true },
  );

  storeTest(backend, 'purge deletes the jobs finished at or before the horizon, with their objects', async (open) => {
    const store = await open();
    for (const [id, ms] of [['A', 1], ['B', 2], ['C', 3]] as const) await store.exports.insert(exportJob(id, ms), 9);
    await store.exports.claim('n', 10, 0);
    assert.equal(await store.exports.addObject('A', 'n', object(0, 0, 9), 10), true);
    await store.exports.finish('A', 'COMPLETED', 100);
    await store.exports.finish('B', 'CANCELLED', 200);
    assert.equal(await store.exports.purge(99), 0);
    assert.equal(await store.exports.purge(100), 1);
    assert.equal(await store.exports.get('A'), undefined);
    assert.deepEqual(await store.exports.objects('A'), []);
    assert.equal((await store.exports.get('B'))!.status, 'CANCELLED');
    assert.equal(await store.exports.purge(1e15), 1);
    assert.deepEqual(ids(await store.exports.listByLedger('L1', start, 10, 0)), ['C']);
  });
}
