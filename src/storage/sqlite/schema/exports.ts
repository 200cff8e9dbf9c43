import type { ComponentSchema } from '../db';

/** Journal exports to S3 (control-plane.md §4): one row per job, one per data object written. */
export const exportSchema: ComponentSchema = {
  component: 'exports',
  migrations: [
    {
      version: 1,
      sql: `
        CREATE TABLE journal_s3_exports (
          export_id TEXT PRIMARY KEY,
          account_id TEXT NOT NULL,
          region TEXT NOT NULL,
          -- the ledger as it was: exports outlive a deleted ledger (ListJournalS3Exports shows them)
          ledger_id TEXT NOT NULL,
          ledger_name TEXT NOT NULL,
          created_ms INTEGER NOT NULL,
          status TEXT NOT NULL CHECK (status IN ('IN_PROGRESS', 'COMPLETED', 'CANCELLED')),
          -- the effective start (moved to the ledger's creation when earlier), epoch ms
          start_ms INTEGER NOT NULL,
          end_ms INTEGER NOT NULL,
          bucket TEXT NOT NULL,
          prefix TEXT NOT NULL,
          encryption_type TEXT NOT NULL,
          kms_key_arn TEXT,
          role_arn TEXT NOT NULL,
          -- as requested; NULL when the request gave none (data is then ION_TEXT)
          output_format TEXT,
          strand_id TEXT NOT NULL,
          -- the plan, fixed when the job is created so that a resumed job writes the same objects:
          -- blocks first_seq..last_seq (NULL = empty range), cut every max_object_bytes /
          -- max_object_blocks
          first_seq INTEGER,
          last_seq INTEGER,
          max_object_bytes INTEGER NOT NULL,
          max_object_blocks INTEGER NOT NULL,
          -- progress: the first block not yet in a written object
          next_seq INTEGER,
          finished_ms INTEGER,
          cancel_reason TEXT
        );
        CREATE INDEX journal_s3_exports_by_account ON journal_s3_exports (account_id, region, created_ms, export_id);
        CREATE INDEX journal_s3_exports_by_ledger ON journal_s3_exports (ledger_id, created_ms, export_id);
        CREATE INDEX journal_s3_exports_by_status ON journal_s3_exports (status, finished_ms);
        CREATE TABLE journal_s3_export_objects (
          export_id TEXT NOT NULL REFERENCES journal_s3_exports (export_id) ON DELETE CASCADE,
          ordinal INTEGER NOT NULL,
          object_key TEXT NOT NULL,
          first_seq INTEGER NOT NULL,
          last_seq INTEGER NOT NULL,
          PRIMARY KEY (export_id, ordinal)
        ) WITHOUT ROWID;
      `,
    },
    {
      // A job is run by whichever node holds its lease (stores.ts ExportStore.claim); on SQLite
      // that is always this process, but a job claimed before a restart must be claimable after.
      version: 2,
      sql: `
        ALTER TABLE journal_s3_exports ADD COLUMN lease_owner TEXT;
        ALTER TABLE journal_s3_exports ADD COLUMN lease_until INTEGER;
      `,
    },
  ],
};
