/**
 * The one job runner every background kind runs on (jobs/runner.ts), over the SQLite store's
 * job table: a job is claimed and run once, its work records progress only under the lease, a
 * stop pauses it and lets its lease go, a failure is recorded by the kind with the error's code,
 * a job ended by someone else (a cancel) is left alone, and a restarted process takes over the
 * leases its previous life held.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JobRunner, jobLeases, type JobRunnerOptions, type JobWork, type Lease } from '../../src/jobs/runner';
import type { Job } from '../../src/jobs/types';
import type { Logger } from '../../src/server/log';
import { openDatabase } from '../../src/storage/sqlite/db';
import { sqliteStore } from '../../src/storage/sqlite/store';
import type { Store } from '../../src/storage/stores';

const OPTIONS: JobRunnerOptions = { concurrency: 2, nodeId: 'node-a', leaseMs: 2_000, renewMs: 500, pollMs: 50, soleNode: true };

function job(id: string, createdMs = Date.now()): Job {
  return {
    kind: 'stream',
    id,
    accountId: '000000000000',
    region: 'us-east-1',
    ledgerId: 'L1',
    ledgerName: 'ledger',
    createdMs,
    status: 'ACTIVE',
    active: true,
    spec: JSON.stringify({ steps: 3 }),
    progress: JSON.stringify({ done: 0 }),
  };
}

function events(): Logger & { seen: { event: string; fields?: Record<string, unknown> }[] } {
  const seen: { event: string; fields?: Record<string, unknown> }[] = [];
  const keep = (event: string, fields?: Record<string, unknown>) => void seen.push({ event, fields });
  return { seen, info: keep, warn: keep, error: keep };
}

/** A kind that takes `steps` steps, recording each under its lease, then completes. */
class Steps implements JobWork<Job> {
  readonly name = 'steps';
  failures: string[] = [];
  /** each step waits this long (in Lease.sleep, which a stop cuts short) */
  stepMs = 0;
  /** a step that throws, for the failure test */
  throwAt?: number;

  constructor(private readonly store: Store) {}

  id(j: Job): string {
    return j.id;
  }

  logFields(j: Job): Record<string, unknown> {
    return { id: j.id };
  }

  async run(j: Job, lease: Lease): Promise<void> {
    const { steps } = JSON.parse(j.spec) as { steps: number };
    for (let done = (JSON.parse(j.progress) as { done: number }).done; done < steps; ) {
      lease.check();
      await lease.sleep(this.stepMs);
      lease.check();
      if (done === this.throwAt) throw Object.assign(new Error('the destination is gone'), { code: 'ResourceNotFoundException' });
      done++;
      if (!(await this.store.jobs.update(j.id, lease.owner, 'ACTIVE', JSON.stringify({ done })))) lease.lost();
    }
    await lease.confirm();
    await this.store.jobs.finish(j.id, 'COMPLETED', Date.now(), undefined, lease.owner);
  }

  async fail(j: Job, reason: string, lease: Lease): Promise<void> {
    this.failures.push(reason);
    await this.store.jobs.finish(j.id, 'FAILED', Date.now(), reason, lease.owner);
  }
}

async function withStore(fn: (open: () => Store) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'openqldb-jobs-'));
  const opened: Store[] = [];
  try {
    await fn(() => {
      const s = sqliteStore(openDatabase(dir));
      opened.push(s);
      return s;
    });
  } finally {
    for (const s of opened) await s.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const progress = async (store: Store, id: string) => JSON.parse((await store.jobs.get('stream', id))!.progress) as { done: number };

test('a job is claimed, runs to its end recording each step under its lease, and whenIdle waits for it', () =>
  withStore(async (open) => {
    const store = open();
    const work = new Steps(store);
    const log = events();
    const runner = new JobRunner(jobLeases(store.jobs, 'stream'), work, log, OPTIONS);
    await store.jobs.insert(job('J1'));
    runner.start();
    await runner.whenIdle('J1');
    const done = await store.jobs.get('stream', 'J1');
    assert.equal(done?.status, 'COMPLETED');
    assert.equal(done?.active, false);
    assert.deepEqual(await progress(store, 'J1'), { done: 3 });
    assert.deepEqual(
      log.seen.filter((e) => e.fields?.id === 'J1').map((e) => e.event),
      ['steps.claimed'],
    );
    await runner.stop();
  }));

test('a stop pauses a running job where it is and lets its lease go: the next process resumes it from its progress', () =>
  withStore(async (open) => {
    const store = open();
    const work = new Steps(store);
    work.stepMs = 60_000;
    const log = events();
    const first = new JobRunner(jobLeases(store.jobs, 'stream'), work, log, OPTIONS);
    await store.jobs.insert(job('J2'));
    first.start();
    for (let i = 0; i < 100 && !log.seen.some((e) => e.event === 'steps.claimed'); i++) await new Promise((r) => setTimeout(r, 10));
    const stopped = Date.now();
    await first.stop();
    assert.ok(Date.now() - stopped < 5_000, 'the sleeping step woke at the stop');
    assert.ok(log.seen.some((e) => e.event === 'steps.paused' && e.fields?.id === 'J2'));
    const paused = await store.jobs.get('stream', 'J2');
    assert.equal(paused?.status, 'ACTIVE');
    assert.deepEqual(await progress(store, 'J2'), { done: 0 });

    // a node that is not alone claims only free or expired leases: the pause let this one go
    work.stepMs = 0;
    const next = new JobRunner(jobLeases(store.jobs, 'stream'), work, events(), { ...OPTIONS, nodeId: 'node-b', soleNode: false });
    next.start();
    await next.whenIdle('J2');
    assert.equal((await store.jobs.get('stream', 'J2'))?.status, 'COMPLETED');
    await next.stop();
  }));

test('a job that throws is ended by its kind with the error code and message; a claimed job is run by one slot only', () =>
  withStore(async (open) => {
    const store = open();
    const work = new Steps(store);
    work.throwAt = 1;
    const runner = new JobRunner(jobLeases(store.jobs, 'stream'), work, events(), OPTIONS);
    await store.jobs.insert(job('J3'));
    runner.start();
    await runner.whenIdle('J3');
    assert.deepEqual(work.failures, ['ResourceNotFoundException: the destination is gone']);
    const failed = await store.jobs.get('stream', 'J3');
    assert.equal(failed?.status, 'FAILED');
    assert.equal(failed?.error, 'ResourceNotFoundException: the destination is gone');
    assert.deepEqual(await progress(store, 'J3'), { done: 1 });
    await runner.stop();
  }));

test('a job ended by someone else while it runs (a cancel) is left as they left it: no failure, no completion', () =>
  withStore(async (open) => {
    const store = open();
    const work = new Steps(store);
    work.stepMs = 100;
    const log = events();
    const runner = new JobRunner(jobLeases(store.jobs, 'stream'), work, log, OPTIONS);
    await store.jobs.insert(job('J4'));
    runner.start();
    for (let i = 0; i < 100 && !log.seen.some((e) => e.event === 'steps.claimed'); i++) await new Promise((r) => setTimeout(r, 10));
    assert.ok(await store.jobs.finish('J4', 'CANCELED', Date.now()));
    await runner.whenIdle('J4');
    assert.equal((await store.jobs.get('stream', 'J4'))?.status, 'CANCELED');
    assert.deepEqual(work.failures, []);
    assert.ok(log.seen.some((e) => e.event === 'steps.left' && e.fields?.id === 'J4'));
    await runner.stop();
  }));

test("on a store of its own, a restarted process takes over at once the leases its previous life held", () =>
  withStore(async (open) => {
    const store = open();
    await store.jobs.insert(job('J5'));
    // the previous process claimed it for a long time, then died without letting go
    assert.ok(await store.jobs.claim('stream', 'node-old/0', Date.now() + 3_600_000, Date.now()));
    const work = new Steps(store);
    const runner = new JobRunner(jobLeases(store.jobs, 'stream'), work, events(), { ...OPTIONS, leaseMs: 3_600_000 * 2 });
    const started = Date.now();
    runner.start();
    await runner.whenIdle('J5');
    assert.equal((await store.jobs.get('stream', 'J5'))?.status, 'COMPLETED');
    assert.ok(Date.now() - started < 5_000);
    await runner.stop();
  }));
