/**
 * Export jobs in SQLite. Every state change is one statement or one transaction, so a job is
 * always either before or after a step, never in between — what lets a restart resume it.
 */
import type { Db } from './db';
import type { ExportJob, ExportObject, ExportStatus } from '../../exports/types';

interface Row {
  export_id: string;
  account_id: string;
  region: string;
  ledger_id: string;
  ledger_name: string;
  created_ms: number;
  status: ExportStatus;
  start_ms: number;
  end_ms: number;
  bucket: string;
  prefix: string;
  encryption_type: ExportJob['encryptionType'];
  kms_key_arn: string | null;
  role_arn: string;
  output_format: ExportJob['outputFormat'] | null;
  strand_id: string;
  first_seq: number | null;
  last_seq: number | null;
  max_object_bytes: number;
  max_object_blocks: number;
  next_seq: number | null;
  finished_ms: number | null;
  cancel_reason: string | null;
}

function toJob(r: Row): ExportJob {
  return {
    exportId: r.export_id,
    accountId: r.account_id,
    region: r.region,
    ledgerId: r.ledger_id,
    ledgerName: r.ledger_name,
    createdMs: r.created_ms,
    status: r.status,
    startMs: r.start_ms,
    endMs: r.end_ms,
    bucket: r.bucket,
    prefix: r.prefix,
    encryptionType: r.encryption_type,
    kmsKeyArn: r.kms_key_arn ?? undefined,
    roleArn: r.role_arn,
    outputFormat: r.output_format ?? undefined,
    strandId: r.strand_id,
    firstSeq: r.first_seq ?? undefined,
    lastSeq: r.last_seq ?? undefined,
    maxObjectBytes: r.max_object_bytes,
    maxObjectBlocks: r.max_object_blocks,
    nextSeq: r.next_seq ?? undefined,
    finishedMs: r.finished_ms ?? undefined,
    cancelReason: r.cancel_reason ?? undefined,
  };
}

/** Visible = in progress, or finished no longer ago than the retention. */
const VISIBLE = `(status = 'IN_PROGRESS' OR finished_ms > @horizon)`;

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
      removeObjects: db.prepare(`DELETE FROM journal_s3_export_objects WHERE export_id = ?`),
    };
  }

  insert(job: ExportJob): void {
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

  /** A job unless it finished at or before `horizon` (expired). */
  visible(exportId: string, horizon: number): ExportJob | undefined {
    const r = this.s.visible.get({ id: exportId, horizon }) as Row | undefined;
    return r && toJob(r);
  }

  listByAccount(accountId: string, region: string, after: { ms: number; id: string }, limit: number, horizon: number): ExportJob[] {
    const rows = this.s.byAccount.all({ account: accountId, region, afterMs: after.ms, afterId: after.id, limit, horizon }) as Row[];
    return rows.map(toJob);
  }

  listByLedger(ledgerId: string, after: { ms: number; id: string }, limit: number, horizon: number): ExportJob[] {
    const rows = this.s.byLedger.all({ ledger: ledgerId, afterMs: after.ms, afterId: after.id, limit, horizon }) as Row[];
    return rows.map(toJob);
  }

  inProgressIds(ledgerId: string): string[] {
    return this.s.inProgressForLedger.all(ledgerId) as string[];
  }

  inProgress(): ExportJob[] {
    return (this.s.inProgress.all() as Row[]).map(toJob);
  }

  /** Records a written data object and the new resume point, atomically. */
  addObject(exportId: string, object: ExportObject, nextSeq: number): void {
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
    return this.s.finish.run(status, at, reason ?? null, exportId).changes > 0;
  }

  /** Deletes jobs that finished at or before `horizon`; returns how many. */
  purge(horizon: number): number {
    const ids = this.s.expired.all(horizon) as string[];
    if (ids.length === 0) return 0;
    this.db.transaction(() => {
      for (const id of ids) {
        this.s.removeObjects.run(id);
        this.s.remove.run(id);
      }
    })();
    return ids.length;
  }
}
