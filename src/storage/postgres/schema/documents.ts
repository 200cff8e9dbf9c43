import type { ComponentSchema } from '../db';

/**
 * The catalog, documents, revisions and index entries: src/storage/sqlite/schema/documents.ts in
 * PostgreSQL's types. Index keys are the current kind from the start (numbers by numeric value),
 * so SQLite's re-keying table has no counterpart here.
 */
export const documentSchema: ComponentSchema = {
  component: 'documents',
  migrations: [
    {
      version: 1,
      sql: `
        CREATE TABLE qldb_tables (
          ledger_id TEXT NOT NULL,
          table_id TEXT NOT NULL,
          name TEXT NOT NULL,
          status TEXT NOT NULL,          -- ACTIVE | INACTIVE
          position INTEGER NOT NULL,     -- creation order
          tags TEXT,                     -- JSON object of aws_tags, if any
          PRIMARY KEY (ledger_id, table_id)
        );
        CREATE TABLE qldb_indexes (
          ledger_id TEXT NOT NULL,
          index_id TEXT NOT NULL,
          table_id TEXT NOT NULL,
          field TEXT NOT NULL,
          status TEXT NOT NULL,
          position INTEGER NOT NULL,
          PRIMARY KEY (ledger_id, index_id)
        );
        -- Latest revision of every document, deleted ones included (data NULL).
        CREATE TABLE documents (
          ledger_id TEXT NOT NULL,
          doc_id TEXT NOT NULL,
          table_id TEXT NOT NULL,
          version INTEGER NOT NULL,
          seq BIGINT NOT NULL,           -- block sequenceNo of this revision
          data BYTEA,                    -- Ion binary of the user document; NULL = deleted
          PRIMARY KEY (ledger_id, doc_id)
        );
        CREATE INDEX documents_by_table ON documents (ledger_id, table_id);
        -- Every committed revision as the committed view shows it (Ion binary struct
        -- {blockAddress, hash, data|dataHash, metadata}).
        CREATE TABLE revisions (
          ledger_id TEXT NOT NULL,
          doc_id TEXT NOT NULL,
          version INTEGER NOT NULL,
          table_id TEXT NOT NULL,
          seq BIGINT NOT NULL,
          tx_time BIGINT NOT NULL,       -- epoch ms
          until_time BIGINT,             -- tx_time of the next revision; NULL while latest
          ion BYTEA NOT NULL,
          redacted BOOLEAN NOT NULL DEFAULT false,
          PRIMARY KEY (ledger_id, doc_id, version)
        );
        CREATE INDEX revisions_by_table ON revisions (ledger_id, table_id, tx_time);
        CREATE TABLE index_entries (
          ledger_id TEXT NOT NULL,
          table_id TEXT NOT NULL,
          field TEXT NOT NULL,
          key BYTEA NOT NULL,
          doc_id TEXT NOT NULL,
          PRIMARY KEY (ledger_id, table_id, field, key, doc_id)
        );
      `,
    },
  ],
};
