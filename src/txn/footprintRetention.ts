/**
 * Footprints (what each commit touched, kept beside its block on a shared store) serve one
 * purpose: a node whose state is behind the tip replays them to validate its transactions
 * against what other nodes committed meanwhile. Nothing reads one once every transaction that
 * started before its block has ended, so they are pruned some time after that, instead of
 * growing with the journal. A node whose state is older than that (idle for longer) finds the
 * gap when it catches up and reloads its state, which costs its open transactions an OCC
 * conflict that the drivers retry.
 */
import type { Logger } from '../server/log';
import type { JournalStore } from '../storage/stores';

/** How long footprints outlive their block: ten transaction lifetimes, at least ten minutes. */
export function footprintRetentionMs(transactionTimeoutMs: number): number {
  return Math.max(10 * 60_000, 10 * transactionTimeoutMs);
}

export interface FootprintRetention {
  stop(): void;
}

/** Prunes now, then every minute; any node may, and a failure waits for the next round. */
export function pruneFootprintsRegularly(
  journal: Pick<JournalStore, 'pruneFootprints'>,
  retentionMs: number,
  log: Logger,
  now: () => number = Date.now,
): FootprintRetention {
  const prune = () =>
    journal.pruneFootprints(now() - retentionMs).then(
      (count) => count > 0 && log.info('footprints.pruned', { count }),
      (e) => log.warn('footprints.prune_failed', { message: String((e as Error)?.message ?? e) }),
    );
  void prune();
  const timer = setInterval(() => void prune(), 60_000);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
