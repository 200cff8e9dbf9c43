/**
 * A row of `jobs` as both stores read it (the same column names on SQLite and PostgreSQL; SQLite
 * keeps `active` as 0/1, PostgreSQL as a boolean, and PostgreSQL's bigints come back as numbers,
 * see postgres/sql.ts). The lease columns stay in the store: a Job is what the kind sees.
 */
import type { Job, JobKind } from '../jobs/types';

export interface JobRow {
  id: string;
  kind: JobKind;
  account_id: string;
  region: string;
  ledger_id: string;
  ledger_name: string;
  created_ms: number;
  status: string;
  active: number | boolean;
  spec: string;
  progress: string;
  finished_ms: number | null;
  error: string | null;
}

export function toJob(r: JobRow): Job {
  const job: Job = {
    kind: r.kind,
    id: r.id,
    accountId: r.account_id,
    region: r.region,
    ledgerId: r.ledger_id,
    ledgerName: r.ledger_name,
    createdMs: r.created_ms,
    status: r.status,
    active: r.active === true || r.active === 1,
    spec: r.spec,
    progress: r.progress,
  };
  if (r.finished_ms !== null) job.finishedMs = r.finished_ms;
  if (r.error !== null) job.error = r.error;
  return job;
}
