import assert from 'node:assert/strict';
import type { Job } from '../../../src/jobs/types';
import { storeTest, type Backend } from './backend';

const start = { ms: -1, id: '' };
const ids = (jobs: Job[]) => jobs.map((j) => j.id);

function job(id: string, createdMs: number, over: Partial<Job> = {}): Job {
  return {
    kind: 'stream',
    id,
    accountId: '000000000000',
    region: 'us-east-1',
    ledgerId: 'L1',
    ledgerName: 'ledger-L1',
    createdMs,
    status: 'ACTIVE',
    active: true,
    spec: JSON.stringify({ streamName: `s-${id}` }),
    progress: '{}',
    ...over,
  };
}

export function jobTests(backend: Backend): void {
  storeTest(backend, 'jobs: insert holds a limit of active jobs per ledger and kind; other kinds and finished jobs do not count', async (open) => {
    const { jobs } = await open();
    const s1 = job('S1', 100, { spec: '{"streamName":"a","shards":["x"]}', progress: '{"resumeAt":0}' });
    assert.equal(await jobs.insert(s1, 2), true);
    assert.equal(await jobs.insert(job('S2', 101), 2), true);
    assert.equal(await jobs.insert(job('S3', 102), 2), false, 'a third active stream on L1');
    assert.equal(await jobs.get('stream', 'S3'), undefined);
    assert.equal(await jobs.insert(job('I1', 103, { kind: 'import', status: 'IN_PROGRESS' }), 2), true, 'imports have a limit of their own');
    assert.equal(await jobs.insert(job('S4', 104, { ledgerId: 'L2' }), 2), true, 'another ledger has its own limit');
    assert.equal(await jobs.insert(job('S5', 105), 3), true, 'the limit is the caller’s');
    assert.equal(await jobs.insert(job('S6', 106)), true, 'no limit, no check');
    assert.deepEqual(await jobs.get('stream', 'S1'), s1, 'a job reads back as inserted');

    assert.deepEqual(ids(await jobs.activeByLedger('stream', 'L1')), ['S1', 'S2', 'S5', 'S6']);
    for (const id of ['S1', 'S2', 'S5']) assert.equal(await jobs.finish(id, 'COMPLETED', 200), true);
    assert.equal(await jobs.insert(job('S7', 107), 2), true, 'finished jobs free their slots');
    assert.equal(await jobs.insert(job('S8', 108), 2), false, 'S6 and S7 are active');

    await assert.rejects(jobs.insert(job('S7', 109, { ledgerId: 'L3' }), 2), 'a job id is unique');
    await assert.rejects(jobs.insert(job('S7', 109, { kind: 'import', ledgerId: 'L3' })), 'across kinds too');
  });

  storeTest(
    backend,
    'jobs: two nodes racing for the last slot of a ledger: exactly one job is inserted',
    async (open) => {
      const [a, b] = await Promise.all([open(), open()]);
      for (let round = 0; round < 5; round++) {
        const ledgerId = `L${round}`;
        assert.equal(await a.jobs.insert(job(`R${round}-0`, 1, { ledgerId }), 2), true);
        const won = await Promise.all([a.jobs.insert(job(`R${round}-a`, 2, { ledgerId }), 2), b.jobs.insert(job(`R${round}-b`, 2, { ledgerId }), 2)]);
        assert.equal(won.filter(Boolean).length, 1, `round ${round}: ${won}`);
        assert.equal((await b.jobs.activeByLedger('stream', ledgerId)).length, 2);
      }
    },
    { nodes: true },
  );

  storeTest(backend, 'jobs: insert with a unique spec field refuses a second active job of the kind on the ledger with the same value; finished jobs, other ledgers and kinds do not count', async (open) => {
    const { jobs } = await open();
    const named = (name: string) => ({ field: 'streamName', value: name });
    assert.equal(await jobs.insert(job('N1', 100, { spec: '{"streamName":"feed"}' }), 5, named('feed')), true);
    assert.equal(await jobs.insert(job('N2', 101, { spec: '{"streamName":"feed"}' }), 5, named('feed')), false, 'an active job has the name');
    assert.equal(await jobs.get('stream', 'N2'), undefined);
    assert.equal(await jobs.insert(job('N3', 102, { spec: '{"streamName":"feed"}' }), undefined, named('feed')), false, 'without a limit too');
    assert.equal(await jobs.insert(job('N4', 103, { spec: '{"streamName":"feed-2"}' }), 5, named('feed-2')), true, 'another name');
    assert.equal(await jobs.insert(job('N5', 104, { ledgerId: 'L2', spec: '{"streamName":"feed"}' }), 5, named('feed')), true, 'another ledger');
    assert.equal(await jobs.insert(job('N6', 105, { kind: 'import', spec: '{"streamName":"feed"}' }), 5, named('feed')), true, 'another kind');
    assert.equal(await jobs.finish('N1', 'CANCELED', 200), true);
    assert.equal(await jobs.insert(job('N7', 106, { spec: '{"streamName":"feed"}' }), 5, named('feed')), true, 'a finished job frees its name');
    assert.equal(await jobs.insert(job('N8', 107, { spec: '{"streamName":"other"}' }), 2, named('other')), false, 'the limit still holds');
  });

  storeTest(
    backend,
    'jobs: two nodes racing to insert the same unique name on a ledger: exactly one job is inserted',
    async (open) => {
      const [a, b] = await Promise.all([open(), open()]);
      for (let round = 0; round < 5; round++) {
        const ledgerId = `U${round}`;
        const spec = '{"streamName":"same"}';
        const unique = { field: 'streamName', value: 'same' };
        const won = await Promise.all([
          a.jobs.insert(job(`U${round}-a`, 2, { ledgerId, spec }), 5, unique),
          b.jobs.insert(job(`U${round}-b`, 2, { ledgerId, spec }), 5, unique),
        ]);
        assert.equal(won.filter(Boolean).length, 1, `round ${round}: ${won}`);
        assert.equal((await b.jobs.activeByLedger('stream', ledgerId)).length, 1);
      }
    },
    { nodes: true },
  );

  storeTest(backend, 'jobs: get, visible, lists by account and by ledger (paged by created time and id), counts — of one kind; finished jobs expire at the horizon', async (open) => {
    const { jobs } = await open();
    await jobs.insert(job('A', 10));
    await jobs.insert(job('C', 20));
    await jobs.insert(job('B', 20));
    await jobs.insert(job('D', 30, { ledgerId: 'L2' }));
    await jobs.insert(job('E', 40, { accountId: '111111111111' }));
    await jobs.insert(job('F', 50, { region: 'eu-west-1' }));
    await jobs.insert(job('I', 15, { kind: 'import', status: 'IN_PROGRESS' }));
    await jobs.finish('A', 'COMPLETED', 1000);
    await jobs.finish('B', 'FAILED', 2000, 'the stream is gone');

    const mine = ['stream', '000000000000', 'us-east-1'] as const;
    assert.deepEqual(ids(await jobs.listByAccount(...mine, start, 10, 0)), ['A', 'B', 'C', 'D']);
    assert.deepEqual(ids(await jobs.listByAccount(...mine, start, 2, 0)), ['A', 'B']);
    assert.deepEqual(ids(await jobs.listByAccount(...mine, { ms: 20, id: 'B' }, 2, 0)), ['C', 'D']);
    assert.deepEqual(ids(await jobs.listByAccount(...mine, { ms: 30, id: 'D' }, 2, 0)), []);
    assert.deepEqual(ids(await jobs.listByAccount('stream', '000000000000', 'eu-west-1', start, 10, 0)), ['F']);
    assert.deepEqual(ids(await jobs.listByAccount('import', '000000000000', 'us-east-1', start, 10, 0)), ['I']);
    assert.deepEqual(ids(await jobs.listByLedger('stream', 'L1', start, 10, 0)), ['A', 'B', 'C', 'E', 'F']);
    assert.deepEqual(ids(await jobs.listByLedger('stream', 'L1', { ms: 20, id: 'B' }, 10, 0)), ['C', 'E', 'F']);
    assert.deepEqual(ids(await jobs.listByLedger('stream', 'L1', { ms: 20, id: 'B' }, 2, 0)), ['C', 'E']);
    assert.deepEqual(ids(await jobs.listByLedger('import', 'L1', start, 10, 0)), ['I']);
    assert.deepEqual(ids(await jobs.activeByLedger('stream', 'L1')), ['C', 'E', 'F']);
    assert.deepEqual(ids(await jobs.activeByLedger('import', 'L1')), ['I']);
    assert.deepEqual(ids(await jobs.activeByLedger('stream', 'L9')), []);

    // the horizon: a job that finished at or before it is gone, an active one never
    assert.deepEqual(ids(await jobs.listByLedger('stream', 'L1', start, 10, 1000)), ['B', 'C', 'E', 'F']);
    assert.deepEqual(ids(await jobs.listByAccount(...mine, start, 10, 2000)), ['C', 'D']);
    assert.equal((await jobs.visible('stream', 'A', 999))!.status, 'COMPLETED');
    assert.equal(await jobs.visible('stream', 'A', 1000), undefined);
    const b = (await jobs.visible('stream', 'B', 1999))!;
    assert.deepEqual([b.status, b.active, b.finishedMs, b.error], ['FAILED', false, 2000, 'the stream is gone']);
    assert.equal((await jobs.visible('stream', 'C', 1e15))!.status, 'ACTIVE', 'an active job never expires');
    assert.equal(await jobs.visible('stream', 'Z', 0), undefined);
    assert.equal(await jobs.visible('import', 'A', 0), undefined, 'a job is found under its own kind only');
    assert.equal(await jobs.get('import', 'A'), undefined);
    assert.equal((await jobs.get('stream', 'A'))!.finishedMs, 1000, 'get sees expired jobs');
    assert.equal((await jobs.get('stream', 'A'))!.error, undefined);

    const counts = async (kind: Job['kind'], horizon: number) =>
      Object.fromEntries((await jobs.countByStatus(kind, horizon)).map((c) => [c.state, Number(c.count)]));
    assert.deepEqual(await counts('stream', 0), { ACTIVE: 4, COMPLETED: 1, FAILED: 1 });
    assert.deepEqual(await counts('stream', 1500), { ACTIVE: 4, FAILED: 1 });
    assert.deepEqual(await counts('import', 0), { IN_PROGRESS: 1 });

    // the caller's to keep: changing an answer changes nothing stored
    const listed = await jobs.listByLedger('stream', 'L1', start, 10, 0);
    listed[0].status = 'CHANGED';
    listed.length = 0;
    assert.deepEqual(ids(await jobs.listByLedger('stream', 'L1', start, 10, 0)), ['A', 'B', 'C', 'E', 'F']);
    assert.equal((await jobs.get('stream', 'A'))!.status, 'COMPLETED');
  });

  storeTest(backend, 'jobs: claim takes the oldest active job of its kind whose lease is free, expired or already the claimer’s', async (open) => {
    const { jobs } = await open();
    await jobs.insert(job('S2', 20));
    await jobs.insert(job('S1', 10));
    await jobs.insert(job('S0', 5));
    await jobs.insert(job('I1', 1, { kind: 'import', status: 'IN_PROGRESS' }));
    await jobs.finish('S0', 'CANCELED', 6);
    assert.equal((await jobs.claim('stream', 'node-a', 1000, 0))?.id, 'S1', 'oldest active first, of the kind asked for');
    assert.equal((await jobs.claim('stream', 'node-b', 1e12, 500))?.id, 'S2', 'S1 is held by node-a');
    assert.equal(await jobs.claim('stream', 'node-c', 1000, 500), undefined, 'every active stream is held; S0 finished');
    assert.equal((await jobs.claim('import', 'node-c', 1000, 500))?.id, 'I1', 'imports are claimed apart');
    assert.equal((await jobs.claim('stream', 'node-a', 1500, 600))?.id, 'S1', 'claiming again while holding it renews');
    assert.equal(await jobs.claim('stream', 'node-c', 2000, 1000), undefined, 'S1 is held until 1500, not expired before 1000');
    assert.equal(await jobs.claim('stream', 'node-c', 2000, 1500), undefined, 'a lease until 1500 has not expired before 1500');
    const taken = (await jobs.claim('stream', 'node-c', 2000, 1501))!;
    assert.equal(taken.id, 'S1', 'expired: taken over');
    assert.deepEqual(taken, await jobs.get('stream', 'S1'), 'the claimed job as stored');
    assert.equal(await jobs.renew('S1', 'node-a', 9000), false, 'node-a lost it');
    assert.equal(await jobs.claim('stream', 'node-a', 9000, 1501), undefined, 'and cannot claim it back while node-c holds it');
  });

  storeTest(backend, 'jobs: renew extends only a held lease of an active job; until = 0 lets it go', async (open) => {
    const { jobs } = await open();
    await jobs.insert(job('S1', 10));
    await jobs.insert(job('S2', 20));
    assert.equal(await jobs.renew('S1', 'node-a', 1000), false, 'nobody holds it yet');
    await jobs.claim('stream', 'node-a', 1000, 0);
    assert.equal(await jobs.renew('S1', 'node-a', 5000), true);
    assert.equal(await jobs.renew('S1', 'node-b', 9000), false, 'not the holder');
    assert.equal(await jobs.claim('stream', 'node-b', 9000, 4000).then((j) => j?.id), 'S2', 'S1 is held until 5000 after the renewal');

    assert.equal(await jobs.renew('S1', 'node-a', 0), true, 'let go');
    assert.equal(await jobs.renew('S1', 'node-a', 6000), false, 'node-a holds it no more');
    assert.equal(await jobs.update('S1', 'node-a', 'ACTIVE', '{"resumeAt":1}'), false);
    assert.equal((await jobs.claim('stream', 'node-c', 7000, 0))?.id, 'S1', 'free for anyone at once');

    assert.equal(await jobs.finish('S1', 'COMPLETED', 100, undefined, 'node-c'), true);
    assert.equal(await jobs.renew('S1', 'node-c', 9000), false, 'a finished job is not renewed');
    assert.equal(await jobs.renew('S404', 'node-c', 9000), false, 'nor a missing one');
  });

  storeTest(backend, 'jobs: update rewrites status and progress only under the lease of an active job', async (open) => {
    const { jobs } = await open();
    await jobs.insert(job('S1', 10));
    assert.equal(await jobs.update('S1', 'node-a', 'ACTIVE', '{"resumeAt":4}'), false, 'not claimed');
    await jobs.claim('stream', 'node-a', 1000, 0);
    assert.equal(await jobs.update('S1', 'node-a', 'IMPAIRED', '{"resumeAt":4,"impaired":"throttled"}'), true);
    let s1 = (await jobs.get('stream', 'S1'))!;
    assert.deepEqual([s1.status, s1.progress, s1.active, s1.spec], ['IMPAIRED', '{"resumeAt":4,"impaired":"throttled"}', true, job('S1', 10).spec]);
    assert.equal(await jobs.update('S1', 'node-b', 'ACTIVE', '{"resumeAt":9}'), false, 'not the holder');

    // node-a's lease runs out; node-b takes over and resumes from the recorded progress
    s1 = (await jobs.claim('stream', 'node-b', 3000, 1001))!;
    assert.equal(s1.progress, '{"resumeAt":4,"impaired":"throttled"}');
    assert.equal(await jobs.update('S1', 'node-a', 'ACTIVE', '{"resumeAt":5}'), false, 'refused after losing the lease');
    assert.equal(await jobs.update('S1', 'node-b', 'ACTIVE', '{"resumeAt":8}'), true);
    assert.equal((await jobs.get('stream', 'S1'))!.progress, '{"resumeAt":8}');

    await jobs.finish('S1', 'COMPLETED', 2000, undefined, 'node-b');
    assert.equal(await jobs.update('S1', 'node-b', 'ACTIVE', '{"resumeAt":9}'), false, 'a finished job is not written to');
    s1 = (await jobs.get('stream', 'S1'))!;
    assert.deepEqual([s1.status, s1.progress], ['COMPLETED', '{"resumeAt":8}']);
  });

  storeTest(backend, 'jobs: finish ends an active job once; with an owner only under its lease, without one whoever holds it', async (open) => {
    const { jobs } = await open();
    for (const [id, ms] of [['S1', 1], ['S2', 2], ['S3', 3]] as const) await jobs.insert(job(id, ms));
    await jobs.claim('stream', 'node-a', 1000, 0);
    await jobs.claim('stream', 'node-b', 1000, 0);

    assert.equal(await jobs.finish('S1', 'FAILED', 50, 'boom', 'node-b'), false, 'node-b does not hold S1');
    assert.equal(await jobs.finish('S3', 'COMPLETED', 50, undefined, 'node-a'), false, 'nobody holds S3');
    assert.equal((await jobs.get('stream', 'S1'))!.active, true);
    assert.equal(await jobs.finish('S1', 'FAILED', 60, 'the role cannot write to the stream', 'node-a'), true, 'ending itself');
    assert.deepEqual(await jobs.get('stream', 'S1'), {
      ...job('S1', 1),
      status: 'FAILED',
      active: false,
      finishedMs: 60,
      error: 'the role cannot write to the stream',
    });
    assert.equal(await jobs.finish('S1', 'COMPLETED', 70, undefined, 'node-a'), false, 'not active any more');
    assert.equal(await jobs.finish('S1', 'CANCELED', 70), false, 'not even without an owner');
    assert.equal((await jobs.get('stream', 'S1'))!.status, 'FAILED');

    assert.equal(await jobs.finish('S2', 'CANCELED', 80), true, 'a cancel, while node-b holds it');
    assert.equal(await jobs.finish('S3', 'CANCELED', 80), true, 'a cancel of a job nobody holds');
    const s2 = (await jobs.get('stream', 'S2'))!;
    assert.deepEqual([s2.status, s2.active, s2.finishedMs, s2.error], ['CANCELED', false, 80, undefined]);
    assert.equal(await jobs.claim('stream', 'node-c', 9000, 1e9), undefined, 'a finished job is never claimed');
    assert.equal(await jobs.finish('S404', 'CANCELED', 80), false);
  });

  storeTest(backend, 'jobs: a lease outlives a restart: the job is still held, then claimable once it expires', async (open) => {
    const first = await open();
    await first.jobs.insert(job('S1', 10));
    await first.jobs.claim('stream', 'node-a', 1000, 0);
    await first.close();
    const { jobs } = await open();
    assert.equal(await jobs.claim('stream', 'node-b', 2000, 999), undefined);
    assert.equal((await jobs.claim('stream', 'node-b', 2000, 1001))?.id, 'S1');
  });

  storeTest(
    backend,
    'jobs: two nodes claiming at once never get the same job, and only one takes over an expired lease',
    async (open) => {
      const [a, b] = await Promise.all([open(), open()]);
      for (let i = 0; i < 6; i++) await a.jobs.insert(job(`S${i}`, i, { ledgerId: `L${i}` }), 1);
      const claims = await Promise.all(Array.from({ length: 8 }, (_, i) => (i % 2 ? a : b).jobs.claim('stream', `node-${i}`, 1000, 0)));
      const got = claims.filter((j) => j).map((j) => j!.id);
      assert.deepEqual([...got].sort(), ['S0', 'S1', 'S2', 'S3', 'S4', 'S5']);
      // every lease ran out: eight nodes race again, and each job still goes to one of them
      const again = await Promise.all(Array.from({ length: 8 }, (_, i) => (i % 2 ? b : a).jobs.claim('stream', `late-${i}`, 5000, 2000)));
      const owners = new Map<string, string>();
      again.forEach((j, i) => j && owners.set(j.id, `late-${i}`));
      assert.equal(again.filter((j) => j).length, 6);
      assert.equal(owners.size, 6);
      for (const [id, owner] of owners) assert.equal(await b.jobs.renew(id, owner, 6000), true, `${owner} holds ${id}`);
    },
    { nodes: true },
  );

  storeTest(backend, 'jobs: purge deletes the jobs finished at or before the horizon, of every kind, never an active one', async (open) => {
    const { jobs } = await open();
    for (const [id, ms] of [['A', 1], ['B', 2], ['C', 3]] as const) await jobs.insert(job(id, ms));
    await jobs.insert(job('I', 4, { kind: 'import', status: 'IN_PROGRESS' }));
    await jobs.finish('A', 'COMPLETED', 100);
    await jobs.finish('B', 'CANCELED', 200);
    await jobs.finish('I', 'COMPLETED', 100);
    assert.deepEqual(await jobs.purge(99), []);
    assert.deepEqual((await jobs.purge(100)).map((j) => `${j.kind} ${j.id} ${j.status}`).sort(), ['import I COMPLETED', 'stream A COMPLETED']);
    assert.equal(await jobs.get('stream', 'A'), undefined);
    assert.equal(await jobs.get('import', 'I'), undefined);
    assert.equal((await jobs.get('stream', 'B'))!.status, 'CANCELED');
    assert.deepEqual((await jobs.purge(1e15)).map((j) => j.id), ['B']);
    assert.deepEqual(ids(await jobs.listByLedger('stream', 'L1', start, 10, 0)), ['C']);
  });
}
