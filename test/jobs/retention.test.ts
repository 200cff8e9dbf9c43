/**
 * Expired imports and streams are purged from the one job table (jobs/retention.ts), over the
 * SQLite store: a finished job past the retention is deleted whatever its kind, a running or
 * recent one stays, and a purged stream's tags go with it while another resource's stay.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { purgeJobs } from '../../src/jobs/retention';
import type { Job } from '../../src/jobs/types';
import { streamArn } from '../../src/ledger/arn';
import { openDatabase } from '../../src/storage/sqlite/db';
import { sqliteStore } from '../../src/storage/sqlite/store';

const RETENTION = 60_000;
const NOW = 10_000_000;

function job(kind: Job['kind'], id: string): Job {
  return {
    kind,
    id,
    accountId: '000000000000',
    region: 'us-east-1',
    ledgerId: 'L1',
    ledgerName: 'books',
    createdMs: 1_000,
    status: kind === 'stream' ? 'ACTIVE' : 'IN_PROGRESS',
    active: true,
    spec: '{}',
    progress: '{}',
  };
}

test('finished jobs past the retention are purged, of every kind, and a purged stream takes its tags along', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'openqldb-retention-'));
  const store = sqliteStore(openDatabase(dir));
  try {
    const arn = (id: string) => streamArn('us-east-1', '000000000000', 'books', id);
    for (const j of [job('stream', 'OLD'), job('stream', 'RECENT'), job('stream', 'RUNNING'), job('import', 'IMPORTED')]) await store.jobs.insert(j);
    await store.jobs.finish('OLD', 'CANCELED', NOW - RETENTION - 1);
    await store.jobs.finish('IMPORTED', 'COMPLETED', NOW - RETENTION);
    await store.jobs.finish('RECENT', 'COMPLETED', NOW - RETENTION + 1);
    await store.ledgers.putTags(arn('OLD'), { team: 'audit', env: 'prod' });
    await store.ledgers.putTags(arn('RECENT'), { team: 'audit' });
    await store.ledgers.putTags(arn('RUNNING'), { team: 'search' });

    const purged = await purgeJobs(store.jobs, store.ledgers, NOW - RETENTION);
    assert.deepEqual(purged.map((j) => j.id).sort(), ['IMPORTED', 'OLD']);
    assert.equal(await store.jobs.get('stream', 'OLD'), undefined);
    assert.equal(await store.jobs.get('import', 'IMPORTED'), undefined);
    assert.equal((await store.jobs.get('stream', 'RECENT'))?.status, 'COMPLETED');
    assert.equal((await store.jobs.get('stream', 'RUNNING'))?.status, 'ACTIVE');
    assert.deepEqual(await store.ledgers.tags(arn('OLD')), {});
    assert.deepEqual(await store.ledgers.tags(arn('RECENT')), { team: 'audit' });
    assert.deepEqual(await store.ledgers.tags(arn('RUNNING')), { team: 'search' });
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
