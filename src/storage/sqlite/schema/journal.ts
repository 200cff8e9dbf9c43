import type { ComponentSchema } from '../db';

/**
 * The journal: one strand per ledger, its blocks stored as the exact Ion binary that was hashed,
 * and the digest tree's complete subtree roots (level ≥ 1; level 0 is journal_blocks.block_hash)
 * so that digests and proofs for any tip are O(log n) lookups.
 */
export const journalSchema: ComponentSchema = {
  component: 'journal',
  migrations: [
    {
      version: 1,
      sql: `
        CREATE TABLE journal_strands (
          ledger_id TEXT PRIMARY KEY,
          strand_id TEXT NOT NULL,
          tip_seq INTEGER NOT NULL,
          tip_hash BLOB NOT NULL
        );
        CREATE TABLE journal_blocks (
          ledger_id TEXT NOT NULL,
          seq INTEGER NOT NULL,
          ts_ms INTEGER NOT NULL,        -- blockTimestamp, epoch ms (export time ranges)
          tx_id TEXT NOT NULL,
          block_hash BLOB NOT NULL,
          ion BLOB NOT NULL,             -- Ion binary of the block, exactly as hashed
          PRIMARY KEY (ledger_id, seq)
        );
        CREATE INDEX journal_blocks_by_time ON journal_blocks (ledger_id, ts_ms, seq);
        CREATE TABLE journal_tree_nodes (
          ledger_id TEXT NOT NULL,
          level INTEGER NOT NULL,
          idx INTEGER NOT NULL,
          hash BLOB NOT NULL,
          PRIMARY KEY (ledger_id, level, idx)
        ) WITHOUT ROWID;
      `,
    },
  ],
};
