import type { ComponentSchema } from '../db';

/**
 * The journal: src/storage/sqlite/schema/journal.ts in PostgreSQL's types, plus each block's
 * commit footprint. A strand's row is its tip and the lock every commit to the ledger takes
 * (SELECT … FOR UPDATE), which serializes appenders across nodes.
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
          tip_seq BIGINT NOT NULL,
          tip_hash BYTEA NOT NULL
        );
        CREATE TABLE journal_blocks (
          ledger_id TEXT NOT NULL,
          seq BIGINT NOT NULL,
          ts_ms BIGINT NOT NULL,         -- blockTimestamp, epoch ms (export time ranges)
          tx_id TEXT NOT NULL,
          block_hash BYTEA NOT NULL,
          ion BYTEA NOT NULL,            -- Ion binary of the block, exactly as hashed
          PRIMARY KEY (ledger_id, seq)
        );
        CREATE INDEX journal_blocks_by_time ON journal_blocks (ledger_id, ts_ms, seq);
        CREATE TABLE journal_tree_nodes (
          ledger_id TEXT NOT NULL,
          level INTEGER NOT NULL,
          idx BIGINT NOT NULL,
          hash BYTEA NOT NULL,
          PRIMARY KEY (ledger_id, level, idx)
        );
        -- What a commit touched, opaque here: a node whose cached state is behind the tip reads
        -- the footprints since, to validate its transactions against other nodes' commits.
        CREATE TABLE journal_footprints (
          ledger_id TEXT NOT NULL,
          seq BIGINT NOT NULL,
          footprint BYTEA NOT NULL,
          PRIMARY KEY (ledger_id, seq)
        );
      `,
    },
  ],
};
