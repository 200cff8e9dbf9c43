import type { ComponentSchema } from '../db';

/** Ledgers, tags and server-wide secrets: src/storage/sqlite/schema/ledgers.ts in PostgreSQL's types. */
export const ledgerSchema: ComponentSchema = {
  component: 'ledgers',
  migrations: [
    {
      version: 1,
      sql: `
        CREATE TABLE server_meta (key TEXT PRIMARY KEY, value BYTEA NOT NULL);
        -- A row lives from CreateLedger until the ledger is gone; a reused name gets a new ledger_id.
        CREATE TABLE ledgers (
          ledger_id TEXT PRIMARY KEY,
          account_id TEXT NOT NULL,
          region TEXT NOT NULL,
          name TEXT NOT NULL,
          state TEXT NOT NULL CHECK (state IN ('CREATING', 'ACTIVE', 'DELETING')),
          state_until BIGINT,            -- when CREATING turns ACTIVE, or DELETING turns gone (epoch ms)
          created_ms BIGINT NOT NULL,
          permissions_mode TEXT NOT NULL,
          deletion_protection BOOLEAN NOT NULL,
          kms_key TEXT
        );
        CREATE UNIQUE INDEX ledgers_by_name ON ledgers (account_id, region, name);
        CREATE TABLE tags (
          resource_arn TEXT NOT NULL,
          key TEXT NOT NULL,
          value TEXT NOT NULL,
          PRIMARY KEY (resource_arn, key)
        );
      `,
    },
  ],
};
