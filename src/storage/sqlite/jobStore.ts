/**
 * Background jobs (imports, streams) in SQLite: every state change is one statement or one
 * transaction, so a job is always either before or after a step — what lets a restart resume it
 * from its progress. The store's contract is JobStore in storage/stores.ts.
 */
import type { Db } from './db';
import type { Job, JobKind } from '../../jobs/types';
import { toJob, type JobRow } from '../jobRow';
import type { UniqueSpecField } from '../stores';

/** Visible = active, or finished no longer ago than the retention. */
const VISIBLE = `(active = 1 OR finished_ms > @horizon)`;

export class SqliteJobStore {
  private readonly s;

  constructor(private readonly db: Db) {
    this.s = {
      insert: db.prepare(`INSERT INTO jobs (id, kind, account_id, region, ledger_id, ledger_name, created_ms, status, active, spec,
          progress, finished_ms, error)
        VALUES (@id, @kind, @accountId, @region, @ledgerId, @ledgerName, @createdMs, @status, @active, @spec, @progress, @finishedMs, @error)`),
      countActive: db.prepare(`SELECT COUNT(*) FROM jobs WHERE kind = ? AND active = 1 AND ledger_id = ?`).pluck(),
      sameSpecField: db.prepare(`SELECT 1 FROM jobs WHERE kind = ? AND active = 1 AND ledger_id = ? AND json_extract(spec, '$.' || ?) = ?`).pluck(),
      get: db.prepare(`SELECT * FROM jobs WHERE kind = ? AND id = ?`),
      visible: db.prepare(`SELECT * FROM jobs WHERE kind = @kind AND id = @id AND ${VISIBLE}`),
      byAccount: db.prepare(`SELECT * FROM jobs WHERE account_id = @account AND region = @region AND kind = @kind AND ${VISIBLE}
          AND (created_ms, id) > (@afterMs, @afterId) ORDER BY created_ms, id LIMIT @limit`),
      byLedger: db.prepare(`SELECT * FROM jobs WHERE ledger_id = @ledger AND kind = @kind AND ${VISIBLE}
          AND (created_ms, id) > (@afterMs, @afterId) ORDER BY created_ms, id LIMIT @limit`),
      activeByLedger: db.prepare(`SELECT * FROM jobs WHERE ledger_id = ? AND kind = ? AND active = 1 ORDER BY created_ms, id`),
      countByStatus: db.prepare(`SELECT status AS state, COUNT(*) AS count FROM jobs WHERE kind = @kind AND ${VISIBLE} GROUP BY status`),
      claim: db.prepare(`UPDATE jobs SET lease_owner = @owner, lease_until = @until
          WHERE id = (SELECT id FROM jobs WHERE kind = @kind AND active = 1
            AND (lease_owner IS NULL OR lease_until < @expiredBefore OR lease_owner = @owner) ORDER BY created_ms, id LIMIT 1)
          RETURNING *`),
      // until = 0 lets the lease go: the job is free for anyone, and its last holder holds it no more
      renew: db.prepare(`UPDATE jobs SET lease_owner = CASE WHEN @until = 0 THEN NULL ELSE lease_owner END,
            lease_until = CASE WHEN @until = 0 THEN NULL ELSE @until END
          WHERE id = @id AND lease_owner = @owner AND active = 1`),
      update: db.prepare(`UPDATE jobs SET status = ?, progress = ? WHERE id = ? AND lease_owner = ? AND active = 1`),
      finish: db.prepare(`UPDATE jobs SET status = @status, active = 0, finished_ms = @at, error = @error
          WHERE id = @id AND active = 1 AND (@owner IS NULL OR lease_owner = @owner)`),
      purge: db.prepare(`DELETE FROM jobs WHERE active = 0 AND finished_ms <= ? RETURNING *`),
    };
  }

  /**
   * Inserts the job as given; with a `limit`, only while its ledger has fewer active jobs of its
   * kind, with `unique`, only while none of them has the same value in that spec field (one
   * transaction).
   */
  insert(job: Job, limit?: number, unique?: UniqueSpecField): boolean {
    return this.db.transaction(() => {
      if (limit !== undefined && (this.s.countActive.get(job.kind, job.ledgerId) as number) >= limit) return false;
      if (unique && this.s.sameSpecField.get(job.kind, job.ledgerId, unique.field, unique.value) !== undefined) return false;
      this.s.insert.run({ ...job, active: job.active ? 1 : 0, finishedMs: job.finishedMs ?? null, error: job.error ?? null });
      return true;
    })();
  }

  get(kind: JobKind, id: string): Job | undefined {
    const r = this.s.get.get(kind, id) as JobRow | undefined;
    return r && toJob(r);
  }

  visible(kind: JobKind, id: string, horizon: number): Job | undefined {
    const r = this.s.visible.get({ kind, id, horizon }) as JobRow | undefined;
    return r && toJob(r);
  }

  listByAccount(kind: JobKind, accountId: string, region: string, after: { ms: number; id: string }, limit: number, horizon: number): Job[] {
    return (this.s.byAccount.all({ kind, account: accountId, region, afterMs: after.ms, afterId: after.id, limit, horizon }) as JobRow[]).map(toJob);
  }

  listByLedger(kind: JobKind, ledgerId: string, after: { ms: number; id: string }, limit: number, horizon: number): Job[] {
    return (this.s.byLedger.all({ kind, ledger: ledgerId, afterMs: after.ms, afterId: after.id, limit, horizon }) as JobRow[]).map(toJob);
  }

  activeByLedger(kind: JobKind, ledgerId: string): Job[] {
    return (this.s.activeByLedger.all(ledgerId, kind) as JobRow[]).map(toJob);
  }

  countByStatus(kind: JobKind, horizon: number): { state: string; count: number }[] {
    return this.s.countByStatus.all({ kind, horizon }) as { state: string; count: number }[];
  }

  claim(kind: JobKind, owner: string, until: number, expiredBefore: number): Job | undefined {
    const r = this.s.claim.get({ kind, owner, until, expiredBefore }) as JobRow | undefined;
    return r && toJob(r);
  }

  renew(id: string, owner: string, until: number): boolean {
    return this.s.renew.run({ id, owner, until }).changes > 0;
  }

  update(id: string, owner: string, status: string, progress: string): boolean {
    return this.s.update.run(status, progress, id, owner).changes > 0;
  }

  finish(id: string, status: string, at: number, error?: string, owner?: string): boolean {
    return this.s.finish.run({ id, status, at, error: error ?? null, owner: owner ?? null }).changes > 0;
  }

  purge(horizon: number): Job[] {
    return (this.s.purge.all(horizon) as JobRow[]).map(toJob);
  }
}
