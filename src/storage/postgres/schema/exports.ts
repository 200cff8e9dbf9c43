import type { ComponentSchema } from '../db';

/**
 * Journal exports to S3: src/storage/sqlite/schema/exports.ts in PostgreSQL's types, with the
 * lease of the node running a job (ExportStore.claim).
 */
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
          -- the ledger as it was: exports outlive a deleted ledger
          ledger_id TEXT NOT NULL,
          ledger_name TEXT NOT NULL,
          created_ms BIGINT NOT NULL,
          status TEXT NOT NULL CHECK (status IN ('IN_PROGRESS', 'COMPLETED', 'CANCELLED')),
          start_ms BIGINT NOT NULL,
          end_ms BIGINT NOT NULL,
          bucket TEXT NOT NULL,
          prefix TEXT NOT NULL,
          encryption_type TEXT NOT NULL,
          kms_key_arn TEXT,
          role_arn TEXT NOT NULL,
          output_format TEXT,            -- as requested; NULL when the request gave none
          strand_id TEXT NOT NULL,
          -- the plan, fixed at creation so that a resumed job writes the same objects
          first_seq BIGINT,
          last_seq BIGINT,
          max_object_bytes BIGINT NOT NULL,
          max_object_blocks BIGINT NOT NULL,
          next_seq BIGINT,               -- progress: the first block not yet in a written object
          finished_ms BIGINT,
          cancel_reason TEXT,
          lease_owner TEXT,              -- the node running the job, until lease_until (epoch ms)
          lease_until BIGINT
        );
        CREATE INDEX journal_s3_exports_by_account ON journal_s3_exports (account_id, region, created_ms, export_id);
        CREATE INDEX journal_s3_exports_by_ledger ON journal_s3_exports (ledger_id, created_ms, export_id);
        CREATE INDEX journal_s3_exports_by_status ON journal_s3_exports (status, finished_ms);
        CREATE TABLE journal_s3_export_objects (
          export_id TEXT NOT NULL REFERENCES journal_s3_exports (export_id) ON DELETE CASCADE,
          ordinal INTEGER NOT NULL,
          object_key TEXT NOT NULL,
          first_seq BIGINT NOT NULL,
          last_seq BIGINT NOT NULL,
          PRIMARY KEY (export_id, ordinal)
        );
      `,
    },
  ],
};
