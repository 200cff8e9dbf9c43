/**
 * Ledgers, tags and server secrets in PostgreSQL; every write is one statement, so atomic, but
 * putTagsWithin's count and write, one transaction.
 */
import { randomBytes } from 'node:crypto';
import type { LedgerRow } from '../store';
import type { AsyncLedgerStore } from '../stores';
import type { PgDb } from './db';
import { q } from './sql';
import { fromRaw, type Raw } from '../ledgerRow';

/** Adds or overwrites `tags` of the resource, in one statement on `db` (the pool or a transaction's client). */
async function upsertTags(db: Pick<PgDb['pool'], 'query'>, resourceArn: string, tags: Record<string, string>): Promise<void> {
  const entries = Object.entries(tags);
  if (!entries.length) return;
  await db.query(
    q(
      `INSERT INTO tags (resource_arn, key, value) SELECT $1, k, v FROM unnest($2::text[], $3::text[]) AS t (k, v)
       ON CONFLICT (resource_arn, key) DO UPDATE SET value = excluded.value`,
      [resourceArn, entries.map((e) => e[0]), entries.map((e) => e[1])],
    ),
  );
}

export class PgLedgerStore implements AsyncLedgerStore {
  constructor(private readonly db: PgDb) {}

  async insert(l: LedgerRow, arn: string, tags: Record<string, string> | undefined): Promise<void> {
    const entries = Object.entries(tags ?? {});
    await this.db.pool.query(
      q(
        `WITH ledger AS (
           INSERT INTO ledgers VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING ledger_id)
         INSERT INTO tags (resource_arn, key, value) SELECT $11, k, v FROM ledger, unnest($12::text[], $13::text[]) AS t (k, v)`,
        [
          l.ledgerId, l.accountId, l.region, l.name, l.state, l.stateUntil, l.createdMs, l.permissionsMode, l.deletionProtection, l.kmsKey ?? null,
          arn, entries.map((e) => e[0]), entries.map((e) => e[1]),
        ],
      ),
    );
  }

  async all(): Promise<LedgerRow[]> {
    return (await this.db.pool.query<Raw>(q('SELECT * FROM ledgers'))).rows.map(fromRaw);
  }

  async get(ledgerId: string): Promise<LedgerRow | undefined> {
    const { rows } = await this.db.pool.query<Raw>(q('SELECT * FROM ledgers WHERE ledger_id = $1', [ledgerId]));
    return rows[0] && fromRaw(rows[0]);
  }

  async update(l: LedgerRow): Promise<void> {
    await this.db.pool.query(
      q('UPDATE ledgers SET state = $2, state_until = $3, permissions_mode = $4, deletion_protection = $5, kms_key = $6, created_ms = $7 WHERE ledger_id = $1', [
        l.ledgerId, l.state, l.stateUntil, l.permissionsMode, l.deletionProtection, l.kmsKey ?? null, l.createdMs,
      ]),
    );
  }

  async remove(ledgerId: string, arn: string): Promise<void> {
    await this.db.pool.query(q('WITH t AS (DELETE FROM tags WHERE resource_arn = $2) DELETE FROM ledgers WHERE ledger_id = $1', [ledgerId, arn]));
  }

  async tags(resourceArn: string): Promise<Record<string, string>> {
    const { rows } = await this.db.pool.query<{ key: string; value: string }>(
      q('SELECT key, value FROM tags WHERE resource_arn = $1 ORDER BY key', [resourceArn]),
    );
    const out: Record<string, string> = {};
    for (const { key, value } of rows) out[key] = value;
    return out;
  }

  putTags(resourceArn: string, tags: Record<string, string>): Promise<void> {
    return upsertTags(this.db.pool, resourceArn, tags);
  }

  async putTagsWithin(resourceArn: string, tags: Record<string, string>, max: number): Promise<boolean> {
    return this.db.transaction(async (client) => {
      // no row to lock before the first tag exists: a lock on the resource's name instead
      await client.query(q(`SELECT pg_advisory_xact_lock(hashtext('openqldb tags'), hashtext($1))`, [resourceArn]));
      const { rows } = await client.query<{ key: string }>(q('SELECT key FROM tags WHERE resource_arn = $1', [resourceArn]));
      if (new Set([...rows.map((r) => r.key), ...Object.keys(tags)]).size > max) return false;
      await upsertTags(client, resourceArn, tags);
      return true;
    });
  }

  async removeTags(resourceArn: string, keys: string[]): Promise<void> {
    await this.db.pool.query(q('DELETE FROM tags WHERE resource_arn = $1 AND key = ANY($2::text[])', [resourceArn, keys]));
  }

  /** The insert and the read are two statements: the read's snapshot sees a row another node committed meanwhile. */
  async secret(name: string): Promise<Buffer> {
    const key = `secret:${name}`;
    await this.db.pool.query(q('INSERT INTO server_meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING', [key, randomBytes(32)]));
    const { rows } = await this.db.pool.query<{ value: Buffer }>(q('SELECT value FROM server_meta WHERE key = $1', [key]));
    return rows[0].value;
  }
}
