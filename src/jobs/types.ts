/**
 * Background jobs other than exports (imports, streams) as the store keeps them: one row per job
 * in one table, whatever its kind, claimed and run under a lease by `jobs/runner.ts` exactly as
 * export jobs are (scale-out.md §4). What is particular to a kind lives in two JSON documents:
 * `spec`, fixed when the job is created (what to do), and `progress`, rewritten only by the
 * lease's holder (how far it got: the resume point, counts, an impairment).
 */
export type JobKind = 'import' | 'stream';

export interface Job {
  kind: JobKind;
  /** the kind's own id (ImportId, StreamId), unique across kinds */
  id: string;
  accountId: string;
  region: string;
  ledgerId: string;
  ledgerName: string;
  createdMs: number;
  /** the kind's own status word (IN_PROGRESS, ACTIVE, IMPAIRED, COMPLETED, FAILED, CANCELED …) */
  status: string;
  /** claimable and running: false once the job reached a terminal status */
  active: boolean;
  /** JSON, fixed at creation */
  spec: string;
  /** JSON, the resume point and whatever the kind reports while it runs */
  progress: string;
  finishedMs?: number;
  /** why it ended, when it ended badly */
  error?: string;
}
