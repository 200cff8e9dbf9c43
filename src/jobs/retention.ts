/**
 * Finished imports and streams expire after `--export-retention`, as exports do. They share one
 * job table, so one purge of it serves every kind: a node deletes the expired rows now and then,
 * and any node may (a failure waits for the next round). A stream's tags go with it, as a
 * ledger's go with the ledger; a node that dies between the two leaves the tags of a stream
 * nobody can name any more, nothing a request could see.
 */
import { streamArn } from '../ledger/arn';
import type { Logger } from '../server/log';
import type { AsyncLedgerStore, JobStore } from '../storage/stores';
import type { Job } from './types';

export interface JobRetention {
  stop(): void;
}

type Tags = Pick<AsyncLedgerStore, 'tags' | 'removeTags'>;

/** One round: deletes the jobs finished at or before `horizon`, and the tags of the streams among them. */
export async function purgeJobs(jobs: JobStore, tags: Tags, horizon: number): Promise<Job[]> {
  const purged = await jobs.purge(horizon);
  for (const job of purged) {
    if (job.kind !== 'stream') continue;
    const arn = streamArn(job.region, job.accountId, job.ledgerName, job.id);
    const keys = Object.keys(await tags.tags(arn));
    if (keys.length) await tags.removeTags(arn, keys);
  }
  return purged;
}

/** Purges now, then every half retention (at most every minute, at least every second). */
export function purgeExpiredJobs(jobs: JobStore, tags: Tags, retentionMs: number, log: Logger, now: () => number = Date.now): JobRetention {
  const purge = () =>
    purgeJobs(jobs, tags, now() - retentionMs).then(
      (purged) => purged.length > 0 && log.info('jobs.purged', { count: purged.length }),
      (e) => log.warn('jobs.purge_failed', { message: String((e as Error)?.message ?? e) }),
    );
  void purge();
  const timer = setInterval(() => void purge(), Math.max(1_000, Math.min(60_000, Math.ceil(retentionMs / 2))));
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
