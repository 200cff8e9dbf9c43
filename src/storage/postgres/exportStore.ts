/**
 * Export jobs in PostgreSQL, shared by every node: the limit of jobs in progress per ledger is
 * checked under a transaction-scoped advisory lock of the ledger, and a job is run by the node
 * holding its lease (claimed with SKIP LOCKED, so nodes claiming at once never wait on each other
 * nor get the same job).
 */
import type { ExportJob, ExportObject } from '../../exports/types';
import { toJob, type Row } from '../exportRow';
import type { ExportStore } from '../stores';
import type { PgDb } from './db';
import { q } from './sql';

/** Visible = in progress, or finished no longer ago than the retention (`$1` = the horizon). */
const VISIBLE = `(status = 'IN_PROGRESS' OR finished_ms > $1)`;

export class PgExportStore implements ExportStore {
  constructor(private readonly db: PgDb) {}

  private async jobs(text: string, values: unknown[]): Promise<ExportJob[]> {
    return ((await this.db.pool.query(q(text, values))).rows as Row[]).map(toJob);
  }

  async insert(job: ExportJob, limit: number): Promise<boolean> {
    return this.db.transaction(async (client) => {
      // two nodes must not both see the last free slot: the count and the insert run under a
      // lock of the ledger's, and the insert is a statement of its own, whose snapshot sees
      // whatever the lock's previous holder committed
      await client.query(q(`SELECT pg_advisory_xact_lock(hashtext('openqldb export limit'), hashtext($1))`, [job.ledgerId]));
      const inserted = await client.query(
        q(
          `INSERT INTO journal_s3_exports (export_id, account_id, region, ledger_id, ledger_name, created_ms, status, start_ms,
             end_ms, bucket, prefix, encryption_type, kms_key_arn, role_arn, output_format, strand_id, first_seq, last_seq,
             max_object_bytes, max_object_blocks, next_seq)
           SELECT $1, $2, $3, $4, $5, $6::bigint, 'IN_PROGRESS', $7::bigint, $8::bigint, $9, $10, $11, $12, $13, $14, $15, $16::bigint, $17::bigint,
             $18::bigint, $19::bigint, $16::bigint
           WHERE (SELECT count(*) FROM journal_s3_exports WHERE ledger_id = $4 AND status = 'IN_PROGRESS') < $20::bigint`,
          [
            job.exportId, job.accountId, job.region, job.ledgerId, job.ledgerName, job.createdMs, job.startMs, job.endMs, job.bucket,
            job.prefix, job.encryptionType, job.kmsKeyArn ?? null, job.roleArn, job.outputFormat ?? null, job.strandId,
            job.firstSeq ?? null, job.lastSeq ?? null, job.maxObjectBytes, job.maxObjectBlocks, limit,
          ],
        ),
      );
      return inserted.rowCount === 1;
    });
  }

  async get(exportId: string): Promise<ExportJob | undefined> {
    return (await this.jobs('SELECT * FROM journal_s3_exports WHERE export_id = $1', [exportId]))[0];
  }

  async visible(exportId: string, horizon: number): Promise<ExportJob | undefined> {
    return (await this.jobs(`SELECT * FROM journal_s3_exports WHERE export_id = $2 AND ${VISIBLE}`, [horizon, exportId]))[0];
  }

  listByAccount(accountId: string, region: string, after: { ms: number; id: string }, limit: number, horizon: number): Promise<ExportJob[]> {
    return this.jobs(
      `SELECT * FROM journal_s3_exports WHERE account_id = $2 AND region = $3 AND ${VISIBLE}
       AND (created_ms, export_id) > ($4, $5) ORDER BY created_ms, export_id LIMIT $6`,
      [horizon, accountId, region, after.ms, after.id, limit],
    );
  }

  listByLedger(ledgerId: string, after: { ms: number; id: string }, limit: number, horizon: number): Promise<ExportJob[]> {
    return this.jobs(
      `SELECT * FROM journal_s3_exports WHERE ledger_id = $2 AND ${VISIBLE}
       AND (created_ms, export_id) > ($3, $4) ORDER BY created_ms, export_id LIMIT $5`,
      [horizon, ledgerId, after.ms, after.id, limit],
    );
  }

  async countByStatus(horizon: number): Promise<{ state: string; count: number }[]> {
    const { rows } = await this.db.pool.query(q(`SELECT status AS state, count(*) AS count FROM journal_s3_exports WHERE ${VISIBLE} GROUP BY status`, [horizon]));
    return rows as { state: string; count: number }[];
  }

  async inProgressIds(ledgerId: string): Promise<string[]> {
    const { rows } = await this.db.pool.query(
      q(`SELECT export_id FROM journal_s3_exports WHERE ledger_id = $1 AND status = 'IN_PROGRESS' ORDER BY created_ms, export_id`, [ledgerId]),
    );
    return rows.map((r) => r.export_id as string);
  }

  async claim(owner: string, until: number, now: number): Promise<ExportJob | undefined> {
    const jobs = await this.jobs(
      `UPDATE journal_s3_exports SET lease_owner = $1, lease_until = $2
       WHERE export_id = (SELECT export_id FROM journal_s3_exports WHERE status = 'IN_PROGRESS'
         AND (lease_owner IS NULL OR lease_until < $3 OR lease_owner = $1)
         ORDER BY created_ms, export_id LIMIT 1 FOR UPDATE SKIP LOCKED)
       RETURNING *`,
      [owner, until, now],
    );
    return jobs[0];
  }

  async renew(exportId: string, owner: string, until: number): Promise<boolean> {
    const r = await this.db.pool.query(
      q(`UPDATE journal_s3_exports SET lease_until = $3 WHERE export_id = $1 AND lease_owner = $2 AND status = 'IN_PROGRESS'`, [exportId, owner, until]),
    );
    return r.rowCount === 1;
  }

  /** One statement: the object is written only if the job's row still names `owner`, which the row lock keeps so until the end. */
  async addObject(exportId: string, owner: string, object: ExportObject, nextSeq: number): Promise<boolean> {
    const r = await this.db.pool.query(
      q(
        `WITH held AS (
           UPDATE journal_s3_exports SET next_seq = $3 WHERE export_id = $1 AND lease_owner = $2 AND status = 'IN_PROGRESS' RETURNING export_id)
         INSERT INTO journal_s3_export_objects (export_id, ordinal, object_key, first_seq, last_seq)
         SELECT export_id, $4::int, $5, $6::bigint, $7::bigint FROM held
         ON CONFLICT (export_id, ordinal) DO UPDATE SET object_key = excluded.object_key, first_seq = excluded.first_seq, last_seq = excluded.last_seq`,
        [exportId, owner, nextSeq, object.ordinal, object.key, object.firstSeq, object.lastSeq],
      ),
    );
    return r.rowCount === 1;
  }

  async objects(exportId: string): Promise<ExportObject[]> {
    const { rows } = await this.db.pool.query(
      q(
        `SELECT ordinal, object_key AS key, first_seq AS "firstSeq", last_seq AS "lastSeq" FROM journal_s3_export_objects
         WHERE export_id = $1 ORDER BY ordinal`,
        [exportId],
      ),
    );
    return rows as ExportObject[];
  }

  async finish(exportId: string, status: 'COMPLETED' | 'CANCELLED', at: number, reason?: string): Promise<boolean> {
    const r = await this.db.pool.query(
      q(`UPDATE journal_s3_exports SET status = $2, finished_ms = $3, cancel_reason = $4 WHERE export_id = $1 AND status = 'IN_PROGRESS'`, [
        exportId,
        status,
        at,
        reason ?? null,
      ]),
    );
    return r.rowCount === 1;
  }

  async purge(horizon: number): Promise<number> {
    const r = await this.db.pool.query(q(`DELETE FROM journal_s3_exports WHERE status <> 'IN_PROGRESS' AND finished_ms <= $1`, [horizon]));
    return r.rowCount ?? 0;
  }
}
