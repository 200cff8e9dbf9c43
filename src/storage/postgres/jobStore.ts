/**
 * Background jobs (imports, streams) in PostgreSQL, shared by every node: the limit of active
 * jobs of a kind per ledger is checked under a transaction-scoped advisory lock of the ledger's,
 * and a job is run by the node holding its lease (claimed with SKIP LOCKED, so nodes claiming at
 * once never wait on each other nor get the same job). The contract is JobStore in stores.ts.
 */
import type { Job, JobKind } from '../../jobs/types';
import { toJob, type JobRow } from '../jobRow';
import type { JobStore, UniqueSpecField } from '../stores';
import type { PgDb } from './db';
import { q } from './sql';

/** Visible = active, or finished no longer ago than the retention (`$1` = the horizon). */
const VISIBLE = `(active OR finished_ms > $1)`;

const INSERT = `INSERT INTO jobs (id, kind, account_id, region, ledger_id, ledger_name, created_ms, status, active, spec, progress,
    finished_ms, error)
  SELECT $1, $2, $3, $4, $5, $6, $7::bigint, $8, $9::boolean, $10, $11, $12::bigint, $13`;

export class PgJobStore implements JobStore {
  constructor(private readonly db: PgDb) {}

  private async jobs(text: string, values: unknown[]): Promise<Job[]> {
    return ((await this.db.pool.query(q(text, values))).rows as JobRow[]).map(toJob);
  }

  private async changed(text: string, values: unknown[]): Promise<boolean> {
    return (await this.db.pool.query(q(text, values))).rowCount === 1;
  }

  async insert(job: Job, limit?: number, unique?: UniqueSpecField): Promise<boolean> {
    const values = [
      job.id, job.kind, job.accountId, job.region, job.ledgerId, job.ledgerName, job.createdMs, job.status, job.active, job.spec,
      job.progress, job.finishedMs ?? null, job.error ?? null,
    ];
    if (limit === undefined && !unique) return this.changed(INSERT, values);
    return this.db.transaction(async (client) => {
      // two nodes must not both see the last free slot (nor both a free name): the checks and the
      // insert run under a lock of the ledger's and kind's, and the insert is a statement of its
      // own, whose snapshot sees whatever the lock's previous holder committed
      await client.query(q(`SELECT pg_advisory_xact_lock(hashtext('openqldb job limit ' || $1), hashtext($2))`, [job.kind, job.ledgerId]));
      const inserted = await client.query(
        q(
          `${INSERT} WHERE ($14::bigint IS NULL OR (SELECT count(*) FROM jobs WHERE kind = $2 AND active AND ledger_id = $5) < $14::bigint)
            AND ($15::text IS NULL OR NOT EXISTS (SELECT 1 FROM jobs WHERE kind = $2 AND active AND ledger_id = $5 AND spec::jsonb ->> $15::text = $16::text))`,
          [...values, limit ?? null, unique?.field ?? null, unique?.value ?? null],
        ),
      );
      return inserted.rowCount === 1;
    });
  }

  async get(kind: JobKind, id: string): Promise<Job | undefined> {
    return (await this.jobs('SELECT * FROM jobs WHERE kind = $1 AND id = $2', [kind, id]))[0];
  }

  async visible(kind: JobKind, id: string, horizon: number): Promise<Job | undefined> {
    return (await this.jobs(`SELECT * FROM jobs WHERE kind = $2 AND id = $3 AND ${VISIBLE}`, [horizon, kind, id]))[0];
  }

  listByAccount(kind: JobKind, accountId: string, region: string, after: { ms: number; id: string }, limit: number, horizon: number): Promise<Job[]> {
    return this.jobs(
      `SELECT * FROM jobs WHERE account_id = $2 AND region = $3 AND kind = $4 AND ${VISIBLE}
       AND (created_ms, id) > ($5, $6) ORDER BY created_ms, id LIMIT $7`,
      [horizon, accountId, region, kind, after.ms, after.id, limit],
    );
  }

  listByLedger(kind: JobKind, ledgerId: string, after: { ms: number; id: string }, limit: number, horizon: number): Promise<Job[]> {
    return this.jobs(
      `SELECT * FROM jobs WHERE ledger_id = $2 AND kind = $3 AND ${VISIBLE}
       AND (created_ms, id) > ($4, $5) ORDER BY created_ms, id LIMIT $6`,
      [horizon, ledgerId, kind, after.ms, after.id, limit],
    );
  }

  activeByLedger(kind: JobKind, ledgerId: string): Promise<Job[]> {
    return this.jobs(`SELECT * FROM jobs WHERE ledger_id = $1 AND kind = $2 AND active ORDER BY created_ms, id`, [ledgerId, kind]);
  }

  async countByStatus(kind: JobKind, horizon: number): Promise<{ state: string; count: number }[]> {
    const { rows } = await this.db.pool.query(q(`SELECT status AS state, count(*) AS count FROM jobs WHERE kind = $2 AND ${VISIBLE} GROUP BY status`, [horizon, kind]));
    return rows as { state: string; count: number }[];
  }

  async claim(kind: JobKind, owner: string, until: number, expiredBefore: number): Promise<Job | undefined> {
    const jobs = await this.jobs(
      `UPDATE jobs SET lease_owner = $2, lease_until = $3
       WHERE id = (SELECT id FROM jobs WHERE kind = $1 AND active
         AND (lease_owner IS NULL OR lease_until < $4 OR lease_owner = $2)
         ORDER BY created_ms, id LIMIT 1 FOR UPDATE SKIP LOCKED)
       RETURNING *`,
      [kind, owner, until, expiredBefore],
    );
    return jobs[0];
  }

  renew(id: string, owner: string, until: number): Promise<boolean> {
    // until = 0 lets the lease go: the job is free for anyone, and its last holder holds it no more
    return this.changed(
      `UPDATE jobs SET lease_owner = CASE WHEN $3::bigint = 0 THEN NULL ELSE lease_owner END,
         lease_until = CASE WHEN $3::bigint = 0 THEN NULL ELSE $3::bigint END
       WHERE id = $1 AND lease_owner = $2 AND active`,
      [id, owner, until],
    );
  }

  update(id: string, owner: string, status: string, progress: string): Promise<boolean> {
    return this.changed(`UPDATE jobs SET status = $3, progress = $4 WHERE id = $1 AND lease_owner = $2 AND active`, [id, owner, status, progress]);
  }

  finish(id: string, status: string, at: number, error?: string, owner?: string): Promise<boolean> {
    return this.changed(
      `UPDATE jobs SET status = $2, active = false, finished_ms = $3, error = $4
       WHERE id = $1 AND active AND ($5::text IS NULL OR lease_owner = $5)`,
      [id, status, at, error ?? null, owner ?? null],
    );
  }

  async purge(horizon: number): Promise<Job[]> {
    const r = await this.db.pool.query(q(`DELETE FROM jobs WHERE NOT active AND finished_ms <= $1 RETURNING *`, [horizon]));
    return (r.rows as JobRow[]).map(toJob);
  }
}
