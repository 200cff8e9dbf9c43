/**
 * Finished imports and streams expire after `--export-retention`, as exports do. They share one
 * job table, so one purge of it serves every kind: a node deletes the expired rows now and then,
 * and any node may (a failure waits for the next round).
 */
import type { Logger } from '../server/log';
import type { JobStore } from '../storage/stores';

export interface JobRetention {
  stop(): void;
}

export function purgeExpiredJobs(jobs: JobStore, retentionMs: number, log: Logger, now: () => number = Date.now): JobRetention {
  const purge = () =>
    jobs.purge(now() - retentionMs).then(
      (count) => count > 0 && log.info('jobs.purged', { count }),
      (e) => log.warn('jobs.purge_failed', { message: String((e as Error)?.message ?? e) }),
    );
  void purge();
  const timer = setInterval(() => void purge(), Math.max(1_000, Math.min(60_000, Math.ceil(retentionMs / 2))));
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
