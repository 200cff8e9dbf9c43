/**
 * Export jobs in SQLite. Every state change is one statement or one transaction, so a job is
 * always either before or after a step, never in between — what lets a restart resume it.
 *
 * Describe and List answer from a cache of their last results: each SQLite read costs a pair of
 * WAL lock syscalls and a statement step (20-40 µs on a small VM), more than the rest of the
 * request. Every write goes through this store, which drops the cache (this process is the
 * database's only writer: the data-directory lock sees to it), and a result is reused only
 * while the retention horizon has not yet passed the first finished job it holds.
 */
import type { Db } from './db';
import type { ExportJob, ExportObject } from '../../exports/types';
import { toJob, type Row } from '../exportRow';

/** Visible = in progress, or finished no longer ago than the retention. */
const VISIBLE = `(status = 'IN_PROGRESS' OR finished_ms > @horizon)`;

/** Cached results kept at most; a burst of distinct pages clears the cache rather than grow it. */
const MAX_CACHED = 256;

/**
 * A visible-jobs result read at `horizon`, and the horizon up to which it stays right: until it
 * reaches the finish time of the first finished job in it. Jobs left out stay out meanwhile, for
 * a job that is invisible at one horizon is invisible at every later one.
 */
interface Cached {
  jobs: readonly ExportJob[];
  from: number;
  until: number;
}

export class SqliteExportStore {
  private readonly s;

  constructor(private readonly db: Db) {
    this.s = {
      insert: db.prepare(`INSERT INTO journal_s3_exports (export_id, account_id, region, ledger_id, ledger_name, created_ms,
          status, start_ms, end_ms, bucket, prefix, encryption_type, kms_key_arn, role_arn, output_format, strand_id,
          first_seq, last_seq, max_object_bytes, max_object_blocks, next_seq)
        VALUES (@exportId, @accountId, @region, @ledgerId, @ledgerName, @createdMs, 'IN_PROGRESS', @startMs, @endMs, @bucket,
          @prefix, @encryptionType, @kmsKeyArn, @roleArn, @outputFormat, @strandId, @firstSeq, @lastSeq, @maxObjectBytes,
          @maxObjectBlocks, @firstSeq)`),
      get: db.prepare(`SELECT * FROM journal_s3_exports WHERE export_id = ? `),
      visible: db.prepare(`SELECT * FROM journal_s3_exports WHERE export_id = @id AND ${VISIBLE}`),
      byAccount: db.prepare(`SELECT * FROM journal_s3_exports WHERE account_id = @account AND region = @region AND ${VISIBLE}
          AND (created_ms, export_id) > (@afterMs, @afterId) ORDER BY created_ms, export_id LIMIT @limit`),
      byLedger: db.prepare(`SELECT * FROM journal_s3_exports WHERE ledger_id = @ledger AND ${VISIBLE}
          AND (created_ms, export_id) > (@afterMs, @afterId) ORDER BY created_ms, export_id LIMIT @limit`),
      inProgressForLedger: db.prepare(`SELECT export_id FROM journal_s3_exports WHERE ledger_id = ? AND status = 'IN_PROGRESS'
          ORDER BY created_ms, export_id`).pluck(),
      inProgress: db.prepare(`SELECT * FROM journal_s3_exports WHERE status = 'IN_PROGRESS' ORDER BY created_ms, export_id`),
      addObject: db.prepare(`INSERT OR REPLACE INTO journal_s3_export_objects (export_id, ordinal, object_key, first_seq, last_seq)
          VALUES (?, ?, ?, ?, ?)`),
      advance: db.prepare(`UPDATE journal_s3_exports SET next_seq = ? WHERE export_id = ? AND status = 'IN_PROGRESS'`),
      objects: db.prepare(`SELECT ordinal, object_key AS key, first_seq AS firstSeq, last_seq AS lastSeq
          FROM journal_s3_export_objects WHERE export_id = ? ORDER BY ordinal`),
      finish: db.prepare(`UPDATE journal_s3_exports SET status = ?, finished_ms = ?, cancel_reason = ?
          WHERE export_id = ? AND status = 'IN_PROGRESS'`),
      expired: db.prepare(`SELECT export_id FROM journal_s3_exports WHERE status != 'IN_PROGRESS' AND finished_ms <= ?`).pluck(),
      countByStatus: db.prepare(`SELECT status AS state, COUNT(*) AS count FROM journal_s3_exports WHERE ${VISIBLE} GROUP BY status`),
      remove: db.prepare(`DELETE FROM journal_s3_exports WHERE export_id = ?`),
      claim: db.prepare(`UPDATE journal_s3_exports SET lease_owner = @owner, lease_until = @until
          WHERE export_id = (SELECT export_id FROM journal_s3_exports WHERE status = 'IN_PROGRESS'
            AND (lease_owner IS NULL OR lease_until < @now OR lease_owner = @owner) ORDER BY created_ms, export_id LIMIT 1)
          RETURNING *`),
      renew: db.prepare(`UPDATE journal_s3_exports SET lease_until = ? WHERE export_id = ? AND lease_owner = ? AND status = 'IN_PROGRESS'`),
      leaseHeld: db.prepare(`SELECT 1 FROM journal_s3_exports WHERE export_id = ? AND lease_owner = ? AND status = 'IN_PROGRESS'`).pluck(),
      removeObjects: db.prepare(`DELETE FROM journal_s3_export_objects WHERE export_id = ?`),
    };
  }

  private readonly cache = new Map<string, Cached>();

  private cached(key: string, horizon: number, read: () => ExportJob[]): readonly ExportJob[] {
    const hit = this.cache.get(key);
    if (hit && horizon >= hit.from && horizon < hit.until) return hit.jobs;
    const jobs = read();
    // a read inside a transaction may see rows that are rolled back yet
    if (!this.db.inTransaction) {
      if (this.cache.size >= MAX_CACHED) this.cache.clear();
      let until = Infinity;
      for (const job of jobs) {
        Object.freeze(job);
        if (job.status !== 'IN_PROGRESS' && job.finishedMs! < until) until = job.finishedMs!;
      }
      this.cache.set(key, { jobs: Object.freeze(jobs), from: horizon, until });
    }
    return jobs;
  }

  /** Every write calls this first: rolled back or not, the cached results may be wrong now. */
  private changed(): void {
    this.cache.clear();
  }

  insert(job: ExportJob): void {
    this.changed();
    this.s.insert.run({
      ...job,
      kmsKeyArn: job.kmsKeyArn ?? null,
      outputFormat: job.outputFormat ?? null,
      firstSeq: job.firstSeq ?? null,
      lastSeq: job.lastSeq ?? null,
    });
  }

  get(exportId: string): ExportJob | undefined {
    const r = this.s.get.get(exportId) as Row | undefined;
    return r && toJob(r);
  }

  /** How many visible jobs are in each status. */
  countByStatus(horizon: number): { state: string; count: number }[] {
    return this.s.countByStatus.all({ horizon }) as { state: string; count: number }[];
  }

  /** A job unless it finished at or before `horizon` (expired). Shared with other callers: read only. */
  visible(exportId: string, horizon: number): Readonly<ExportJob> | undefined {
    return this.cached(`v\0${exportId}`, horizon, () => {
      const r = this.s.visible.get({ id: exportId, horizon }) as Row | undefined;
      return r ? [toJob(r)] : [];
    })[0];
  }

  listByAccount(accountId: string, region: string, after: { ms: number; id: string }, limit: number, horizon: number): readonly ExportJob[] {
    return this.cached(`a\0${accountId}\0${region}\0${after.ms}\0${after.id}\0${limit}`, horizon, () =>
      (this.s.byAccount.all({ account: accountId, region, afterMs: after.ms, afterId: after.id, limit, horizon }) as Row[]).map(toJob),
    );
  }

  listByLedger(ledgerId: string, after: { ms: number; id: string }, limit: number, horizon: number): readonly ExportJob[] {
    return this.cached(`l\0${ledgerId}\0${after.ms}\0${after.id}\0${limit}`, horizon, () =>
      (this.s.byLedger.all({ ledger: ledgerId, afterMs: after.ms, afterId: after.id, limit, horizon }) as Row[]).map(toJob),
    );
  }

  inProgressIds(ledgerId: string): string[] {
    return this.s.inProgressForLedger.all(ledgerId) as string[];
  }

  inProgress(): ExportJob[] {
    return (this.s.inProgress.all() as Row[]).map(toJob);
  }

  /** Records a written data object and the new resume point, atomically. */
  addObject(exportId: string, object: ExportObject, nextSeq: number): void {
    this.changed();
    this.db.transaction(() => {
      this.s.addObject.run(exportId, object.ordinal, object.key, object.firstSeq, object.lastSeq);
      this.s.advance.run(nextSeq, exportId);
    })();
  }

  objects(exportId: string): ExportObject[] {
    return this.s.objects.all(exportId) as ExportObject[];
  }

  /** IN_PROGRESS → COMPLETED | CANCELLED; false when the job was not IN_PROGRESS. */
  finish(exportId: string, status: 'COMPLETED' | 'CANCELLED', at: number, reason?: string): boolean {
    this.changed();
    return this.s.finish.run(status, at, reason ?? null, exportId).changes > 0;
  }

  /**
   * Claims the oldest IN_PROGRESS job whose lease is free, expired or already `owner`'s, for
   * `owner` until `until` (leases change no cached answer: a job's lease is not part of it).
   */
  claim(owner: string, until: number, now: number): ExportJob | undefined {
    const r = this.s.claim.get({ owner, until, now }) as Row | undefined;
    return r && toJob(r);
  }

  /** Extends `owner`'s lease; false when another owner took the job or it is no longer IN_PROGRESS. */
  renew(exportId: string, owner: string, until: number): boolean {
    return this.s.renew.run(until, exportId, owner).changes > 0;
  }

  /** Records a written data object unless `owner` lost the job's lease or the job finished; false then. */
  addObjectLeased(exportId: string, owner: string, object: ExportObject, nextSeq: number): boolean {
    return this.db.transaction(() => {
      if (!this.s.leaseHeld.get(exportId, owner)) return false;
      this.addObject(exportId, object, nextSeq);
      return true;
    })();
  }

  /** Inserts a job unless its ledger has `limit` jobs IN_PROGRESS already (one transaction); false then. */
  insertWithin(job: ExportJob, limit: number): boolean {
    return this.db.transaction(() => {
      if (this.inProgressIds(job.ledgerId).length >= limit) return false;
      this.insert(job);
      return true;
    })();
  }

  /** Deletes jobs that finished at or before `horizon`; returns how many. */
  purge(horizon: number): number {
    const ids = this.s.expired.all(horizon) as string[];
    if (ids.length === 0) return 0;
    this.changed();
    this.db.transaction(() => {
      for (const id of ids) {
        this.s.removeObjects.run(id);
        this.s.remove.run(id);
      }
    })();
    return ids.length;
  }
}
