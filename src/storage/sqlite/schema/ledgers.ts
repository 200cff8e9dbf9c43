import type { ComponentSchema } from '../db';

export const ledgerSchema: ComponentSchema = {
  component: 'ledgers',
  migrations: [
    {
      version: 1,
      sql: `
        CREATE TABLE server_meta (key TEXT PRIMARY KEY, value BLOB NOT NULL);
        -- A row lives from CreateLedger until the ledger is gone; a reused name gets a new ledger_id.
        CREATE TABLE ledgers (
          ledger_id TEXT PRIMARY KEY,
          account_id TEXT NOT NULL,
          region TEXT NOT NULL,
          name TEXT NOT NULL,
          state TEXT NOT NULL CHECK (state IN ('CREATING', 'ACTIVE', 'DELETING')),
          -- when CREATING turns ACTIVE, or DELETING turns gone (epoch ms)
          state_until INTEGER,
          created_ms INTEGER NOT NULL,
          permissions_mode TEXT NOT NULL,
          deletion_protection INTEGER NOT NULL,
          kms_key TEXT
        );
        CREATE UNIQUE INDEX ledgers_by_name ON ledgers (account_id, region, name);
        CREATE TABLE tags (
          resource_arn TEXT NOT NULL,
          key TEXT NOT NULL,
          value TEXT NOT NULL,
          PRIMARY KEY (resource_arn, key)
        ) WITHOUT ROWID;
      `,
    },
  ],
};
