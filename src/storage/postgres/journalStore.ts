/** The journal's reads in PostgreSQL; blocks are appended only by the CommitStore, under the tip lock. */
import type { CommitFootprint, JournalStore, StoredBlock, StrandTip, TreeNodeKey } from '../stores';
import type { PgDb } from './db';
import { q } from './sql';

const toBlock = (r: { seq: number; ts_ms: number; ion: Buffer }): StoredBlock => ({ sequenceNo: r.seq, timestampMs: r.ts_ms, ion: r.ion });

export class PgJournalStore implements JournalStore {
  constructor(private readonly db: PgDb) {}

  /** One statement: when another node created the strand first, the conflict skips the block too. */
  async createStrand(ledgerId: string, strandId: string, genesis: { blockHash: Buffer; timestampMs: number; transactionId: string; ion: Buffer }): Promise<void> {
    await this.db.pool.query(
      q(
        `WITH strand AS (
           INSERT INTO journal_strands (ledger_id, strand_id, tip_seq, tip_hash) VALUES ($1, $2, 0, $3)
           ON CONFLICT (ledger_id) DO NOTHING RETURNING ledger_id)
         INSERT INTO journal_blocks (ledger_id, seq, ts_ms, tx_id, block_hash, ion) SELECT ledger_id, 0, $4::bigint, $5, $3::bytea, $6::bytea FROM strand`,
        [ledgerId, strandId, genesis.blockHash, genesis.timestampMs, genesis.transactionId, genesis.ion],
      ),
    );
  }

  async strand(ledgerId: string): Promise<StrandTip | undefined> {
    const { rows } = await this.db.pool.query<{ strand_id: string; tip_seq: number; tip_hash: Buffer }>(
      q('SELECT strand_id, tip_seq, tip_hash FROM journal_strands WHERE ledger_id = $1', [ledgerId]),
    );
    return rows[0] && { strandId: rows[0].strand_id, tipSequenceNo: rows[0].tip_seq, tipBlockHash: rows[0].tip_hash };
  }

  async block(ledgerId: string, sequenceNo: number): Promise<StoredBlock | undefined> {
    return (await this.blocks(ledgerId, sequenceNo, sequenceNo, 1))[0];
  }

  async blocks(ledgerId: string, fromSeq: number, toSeq: number, max: number): Promise<StoredBlock[]> {
    if (toSeq < fromSeq || max <= 0) return [];
    const { rows } = await this.db.pool.query(
      q('SELECT seq, ts_ms, ion FROM journal_blocks WHERE ledger_id = $1 AND seq >= $2 AND seq <= $3 ORDER BY seq LIMIT $4', [ledgerId, fromSeq, toSeq, max]),
    );
    return rows.map(toBlock);
  }

  async sequenceRange(ledgerId: string, startMs: number, endMs: number): Promise<{ first: number; last: number } | undefined> {
    const { rows } = await this.db.pool.query<{ lo: number | null; hi: number | null }>(
      q('SELECT MIN(seq) AS lo, MAX(seq) AS hi FROM journal_blocks WHERE ledger_id = $1 AND ts_ms >= $2 AND ts_ms < $3', [ledgerId, startMs, endMs]),
    );
    const { lo, hi } = rows[0];
    return lo === null || hi === null ? undefined : { first: lo, last: hi };
  }

  async treeNodes(ledgerId: string, keys: TreeNodeKey[]): Promise<Map<string, Buffer>> {
    const out = new Map<string, Buffer>();
    if (!keys.length) return out;
    const leaves = keys.filter((k) => k.level === 0).map((k) => k.index);
    const inner = keys.filter((k) => k.level > 0);
    const { rows } = await this.db.pool.query<{ level: number; idx: number; hash: Buffer }>(
      q(
        `SELECT 0 AS level, seq AS idx, block_hash AS hash FROM journal_blocks WHERE ledger_id = $1 AND seq = ANY($2::bigint[])
         UNION ALL
         SELECT level, idx, hash FROM journal_tree_nodes
         WHERE ledger_id = $1 AND (level, idx) IN (SELECT * FROM unnest($3::int[], $4::bigint[]))`,
        [ledgerId, leaves, inner.map((k) => k.level), inner.map((k) => k.index)],
      ),
    );
    for (const r of rows) out.set(`${r.level}:${r.idx}`, r.hash);
    return out;
  }

  async footprints(ledgerId: string, afterSeq: number): Promise<CommitFootprint[]> {
    const { rows } = await this.db.pool.query<{ seq: number; footprint: Buffer }>(
      q('SELECT seq, footprint FROM journal_footprints WHERE ledger_id = $1 AND seq > $2 ORDER BY seq', [ledgerId, afterSeq]),
    );
    return rows.map((r) => ({ sequenceNo: Number(r.seq), footprint: r.footprint }));
  }

  async pruneFootprints(beforeMs: number): Promise<number> {
    // in rounds, so that the first prune of a long-kept table holds no lock for long
    let total = 0;
    for (;;) {
      const { rowCount } = await this.db.pool.query(
        q(
          `DELETE FROM journal_footprints WHERE (ledger_id, seq) IN (
             SELECT f.ledger_id, f.seq FROM journal_footprints f
             JOIN journal_blocks b ON b.ledger_id = f.ledger_id AND b.seq = f.seq
             WHERE b.ts_ms < $1 LIMIT 10000)`,
          [beforeMs],
        ),
      );
      total += rowCount ?? 0;
      if ((rowCount ?? 0) < 10_000) return total;
    }
  }

  async dropLedger(ledgerId: string): Promise<void> {
    await this.db.pool.query(
      q(
        `WITH nodes AS (DELETE FROM journal_tree_nodes WHERE ledger_id = $1),
              blocks AS (DELETE FROM journal_blocks WHERE ledger_id = $1),
              footprints AS (DELETE FROM journal_footprints WHERE ledger_id = $1)
         DELETE FROM journal_strands WHERE ledger_id = $1`,
        [ledgerId],
      ),
    );
  }
}
