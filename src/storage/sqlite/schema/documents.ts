import type { ComponentSchema } from '../db';

/**
 * Document storage: the catalog (tables, indexes), the current state of every document, its
 * revision history and the index entries. The journal (blocks) lives in the journal component;
 * everything here can be derived from the blocks, and is kept so that reads never replay them.
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
        -- Latest revision of every document, deleted ones included (data NULL) so that a
        -- transaction can tell "deleted after I started" from "never existed".
        CREATE TABLE documents (
          ledger_id TEXT NOT NULL,
          doc_id TEXT NOT NULL,
          table_id TEXT NOT NULL,
          version INTEGER NOT NULL,
          seq INTEGER NOT NULL,          -- block sequenceNo of this revision
          data BLOB,                     -- Ion binary of the user document; NULL = deleted
          PRIMARY KEY (ledger_id, doc_id)
        ) WITHOUT ROWID;
        CREATE INDEX documents_by_table ON documents (ledger_id, table_id);
        -- Every committed revision, as the committed view shows it (Ion binary struct
        -- {blockAddress, hash, data|dataHash, metadata}). The data column is reserved (unused):
        -- snapshot reads take the document from the revision struct.
        CREATE TABLE revisions (
          ledger_id TEXT NOT NULL,
          doc_id TEXT NOT NULL,
          version INTEGER NOT NULL,
          table_id TEXT NOT NULL,
          seq INTEGER NOT NULL,
          tx_time INTEGER NOT NULL,      -- epoch ms
          until_time INTEGER,            -- tx_time of the next revision; NULL while latest
          data BLOB,
          ion BLOB NOT NULL,
          redacted INTEGER NOT NULL DEFAULT 0,
          PRIMARY KEY (ledger_id, doc_id, version)
        ) WITHOUT ROWID;
        CREATE INDEX revisions_by_table ON revisions (ledger_id, table_id, tx_time);
        -- Index entries: key = Ion hash of the field's value, so key equality is Ion equality
        -- (types, precision, annotations significant; struct field order not).
        CREATE TABLE index_entries (
          ledger_id TEXT NOT NULL,
          table_id TEXT NOT NULL,
          field TEXT NOT NULL,
          key BLOB NOT NULL,
          doc_id TEXT NOT NULL,
          PRIMARY KEY (ledger_id, table_id, field, key, doc_id)
        ) WITHOUT ROWID;
      `,
    },
    {
      // Numbers are keyed by numeric value since this version (so that `=` across int, decimal
      // and float can use an index); entries written before were Ion hashes. Rewriting them
      // needs Ion decoding, which SQL cannot do: the indexes that existed are listed here and
      // DocumentStore.rekeyPendingIndexes rebuilds them at startup.
      version: 2,
      sql: `
        CREATE TABLE index_rekey_pending (
          ledger_id TEXT NOT NULL,
          table_id TEXT NOT NULL,
          field TEXT NOT NULL,
          PRIMARY KEY (ledger_id, table_id, field)
        ) WITHOUT ROWID;
        INSERT OR IGNORE INTO index_rekey_pending (ledger_id, table_id, field)
          SELECT ledger_id, table_id, field FROM qldb_indexes;
      `,
    },
  ],
};
