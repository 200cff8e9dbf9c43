/**
 * SQL access to the catalog, documents, revisions and index entries of every ledger.
 * Synchronous (better-sqlite3): SqliteCommitStore calls the writers inside the batch's one
 * db.transaction together with the journal's, so a commit lands whole or not at all.
 */
import type { CurrentDoc, IndexRow, RevisionData, TableRow } from '../stores';
import type { Db } from './db';

/** A revision as this store reads it by document and sequence: its document is the caller's. */
type RevisionAt = Omit<RevisionData, 'docId'>;

export class DocumentStore {
  private readonly s;

  constructor(private readonly db: Db) {
    const p = (sql: string) => db.prepare(sql);
    this.s = {
      tables: p('SELECT table_id, name, status, tags FROM qldb_tables WHERE ledger_id = ? ORDER BY position'),
      indexes: p('SELECT index_id, table_id, field, status FROM qldb_indexes WHERE ledger_id = ? ORDER BY position'),
      maxTablePos: p('SELECT COALESCE(MAX(position), -1) FROM qldb_tables WHERE ledger_id = ?').pluck(),
      maxIndexPos: p('SELECT COALESCE(MAX(position), -1) FROM qldb_indexes WHERE ledger_id = ?').pluck(),
      insertTable: p('INSERT INTO qldb_tables (ledger_id, table_id, name, status, position, tags) VALUES (?, ?, ?, ?, ?, ?)'),
      setTableStatus: p('UPDATE qldb_tables SET status = ? WHERE ledger_id = ? AND table_id = ?'),
      insertIndex: p('INSERT INTO qldb_indexes (ledger_id, index_id, table_id, field, status, position) VALUES (?, ?, ?, ?, ?, ?)'),
      deleteIndex: p('DELETE FROM qldb_indexes WHERE ledger_id = ? AND index_id = ?'),
      doc: p('SELECT doc_id, table_id, version, seq, data FROM documents WHERE ledger_id = ? AND doc_id = ?'),
      scan: p('SELECT doc_id, table_id, version, seq, data FROM documents WHERE ledger_id = ? AND table_id = ? AND (data IS NOT NULL OR seq > ?)'),
      upsertDoc: p(
        `INSERT INTO documents (ledger_id, doc_id, table_id, version, seq, data) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (ledger_id, doc_id) DO UPDATE SET version = excluded.version, seq = excluded.seq, data = excluded.data`,
      ),
      revisionAsOf: p(
        'SELECT version, seq, ion FROM revisions WHERE ledger_id = ? AND doc_id = ? AND seq <= ? ORDER BY version DESC LIMIT 1',
      ),
      versionAtSeq: p('SELECT version FROM revisions WHERE ledger_id = ? AND doc_id = ? AND seq = ?').pluck(),
      revisionIon: p('SELECT ion FROM revisions WHERE ledger_id = ? AND doc_id = ? AND version = ?').pluck(),
      revision: p('SELECT doc_id, table_id, version, seq, tx_time, until_time, redacted, ion FROM revisions WHERE ledger_id = ? AND doc_id = ? AND version = ?'),
      insertRevision: p(
        'INSERT INTO revisions (ledger_id, doc_id, version, table_id, seq, tx_time, until_time, data, ion) VALUES (?, ?, ?, ?, ?, ?, NULL, NULL, ?)',
      ),
      closeRevision: p('UPDATE revisions SET until_time = ? WHERE ledger_id = ? AND doc_id = ? AND version = ?'),
      redact: p('UPDATE revisions SET ion = ?, redacted = 1 WHERE ledger_id = ? AND doc_id = ? AND version = ?'),
      history: p(
        `SELECT doc_id, version, seq, ion FROM revisions
         WHERE ledger_id = ? AND table_id = ? AND seq <= ? AND tx_time <= ? AND (until_time IS NULL OR until_time >= ?)
         ORDER BY tx_time, doc_id, version`,
      ),
      lookup: p('SELECT doc_id FROM index_entries WHERE ledger_id = ? AND table_id = ? AND field = ? AND key = ?').pluck(),
      putEntry: p('INSERT OR IGNORE INTO index_entries (ledger_id, table_id, field, key, doc_id) VALUES (?, ?, ?, ?, ?)'),
      delEntry: p('DELETE FROM index_entries WHERE ledger_id = ? AND table_id = ? AND field = ? AND key = ? AND doc_id = ?'),
      dropEntries: p('DELETE FROM index_entries WHERE ledger_id = ? AND table_id = ? AND field = ?'),
      liveDocs: p('SELECT doc_id, data FROM documents WHERE ledger_id = ? AND table_id = ? AND data IS NOT NULL'),
      rekeyPending: p('SELECT ledger_id, table_id, field FROM index_rekey_pending'),
      rekeyDone: p('DELETE FROM index_rekey_pending WHERE ledger_id = ? AND table_id = ? AND field = ?'),
    };
  }

  // ---- catalog ----
  tables(ledgerId: string): TableRow[] {
    return (this.s.tables.all(ledgerId) as any[]).map((r) => ({
      tableId: r.table_id,
      name: r.name,
      status: r.status,
      ...(r.tags ? { tags: JSON.parse(r.tags) } : {}),
    }));
  }
  indexes(ledgerId: string): IndexRow[] {
    return (this.s.indexes.all(ledgerId) as any[]).map((r) => ({ indexId: r.index_id, tableId: r.table_id, field: r.field, status: r.status }));
  }
  insertTable(ledgerId: string, t: TableRow): void {
    const pos = (this.s.maxTablePos.get(ledgerId) as number) + 1;
    this.s.insertTable.run(ledgerId, t.tableId, t.name, t.status, pos, t.tags ? JSON.stringify(t.tags) : null);
  }
  setTableStatus(ledgerId: string, tableId: string, status: 'ACTIVE' | 'INACTIVE'): void {
    this.s.setTableStatus.run(status, ledgerId, tableId);
  }
  insertIndex(ledgerId: string, i: IndexRow): void {
    const pos = (this.s.maxIndexPos.get(ledgerId) as number) + 1;
    this.s.insertIndex.run(ledgerId, i.indexId, i.tableId, i.field, i.status, pos);
  }
  deleteIndex(ledgerId: string, indexId: string): void {
    this.s.deleteIndex.run(ledgerId, indexId);
  }

  // ---- documents ----
  document(ledgerId: string, docId: string): CurrentDoc | undefined {
    const r = this.s.doc.get(ledgerId, docId) as any;
    return r && { docId: r.doc_id, tableId: r.table_id, version: r.version, seq: r.seq, data: r.data };
  }
  /** Live documents of a table, plus any changed after `sinceSeq` (deleted ones too) so a snapshot can be rebuilt. */
  scan(ledgerId: string, tableId: string, sinceSeq: number): CurrentDoc[] {
    return (this.s.scan.all(ledgerId, tableId, sinceSeq) as any[]).map((r) => ({
      docId: r.doc_id,
      tableId: r.table_id,
      version: r.version,
      seq: r.seq,
      data: r.data,
    }));
  }
  liveDocuments(ledgerId: string, tableId: string): { docId: string; data: Buffer }[] {
    return (this.s.liveDocs.all(ledgerId, tableId) as any[]).map((r) => ({ docId: r.doc_id, data: r.data }));
  }
  putDocument(ledgerId: string, d: CurrentDoc): void {
    this.s.upsertDoc.run(ledgerId, d.docId, d.tableId, d.version, d.seq, d.data);
  }
  /** The newest revision committed at or before block `seq`. */
  revisionAsOf(ledgerId: string, docId: string, seq: number): RevisionAt | undefined {
    return this.s.revisionAsOf.get(ledgerId, docId, seq) as RevisionAt | undefined;
  }
  /** The version of a document committed in block `seq`, if that block wrote it. */
  versionAtSeq(ledgerId: string, docId: string, seq: number): number | undefined {
    return this.s.versionAtSeq.get(ledgerId, docId, seq) as number | undefined;
  }
  revisionIon(ledgerId: string, docId: string, version: number): Buffer | undefined {
    return this.s.revisionIon.get(ledgerId, docId, version) as Buffer | undefined;
  }
  revision(ledgerId: string, docId: string, version: number) {
    const r = this.s.revision.get(ledgerId, docId, version) as any;
    return r && {
      docId: r.doc_id as string,
      tableId: r.table_id as string,
      version: r.version as number,
      seq: r.seq as number,
      redacted: r.redacted === 1,
      latest: r.until_time === null,
      ion: r.ion as Buffer,
    };
  }
  insertRevision(
    ledgerId: string,
    r: { docId: string; version: number; tableId: string; seq: number; txTime: number; ion: Buffer },
  ): void {
    if (r.version > 0) this.s.closeRevision.run(r.txTime, ledgerId, r.docId, r.version - 1);
    this.s.insertRevision.run(ledgerId, r.docId, r.version, r.tableId, r.seq, r.txTime, r.ion);
  }
  redactRevision(ledgerId: string, docId: string, version: number, ion: Buffer): void {
    this.s.redact.run(ion, ledgerId, docId, version);
  }
  /** Revisions of a table active at some time in [startMs, endMs], committed at or before block `maxSeq`. */
  history(ledgerId: string, tableId: string, maxSeq: number, startMs: number, endMs: number): RevisionData[] {
    return (this.s.history.all(ledgerId, tableId, maxSeq, endMs, startMs) as any[]).map((r) => ({
      docId: r.doc_id,
      version: r.version,
      seq: r.seq,
      ion: r.ion,
    }));
  }

  // ---- index entries ----
  lookup(ledgerId: string, tableId: string, field: string, key: Buffer): string[] {
    return this.s.lookup.all(ledgerId, tableId, field, key) as string[];
  }
  putEntry(ledgerId: string, tableId: string, field: string, key: Buffer, docId: string): void {
    this.s.putEntry.run(ledgerId, tableId, field, key, docId);
  }
  deleteEntry(ledgerId: string, tableId: string, field: string, key: Buffer, docId: string): void {
    this.s.delEntry.run(ledgerId, tableId, field, key, docId);
  }
  dropEntries(ledgerId: string, tableId: string, field: string): void {
    this.s.dropEntries.run(ledgerId, tableId, field);
  }

  /**
   * Rebuilds the indexes a schema migration left keyed the old way (see schema version 2 of
   * documents), with the transaction layer's key function; a no-op once they are done.
   */
  rekeyPendingIndexes(keyOf: (doc: Buffer, field: string) => Buffer | undefined): number {
    const pending = this.s.rekeyPending.all() as { ledger_id: string; table_id: string; field: string }[];
    if (pending.length === 0) return 0;
    this.db.transaction(() => {
      for (const { ledger_id: ledgerId, table_id: tableId, field } of pending) {
        this.dropEntries(ledgerId, tableId, field);
        for (const d of this.liveDocuments(ledgerId, tableId)) {
          const key = keyOf(d.data, field);
          if (key) this.putEntry(ledgerId, tableId, field, key, d.docId);
        }
        this.s.rekeyDone.run(ledgerId, tableId, field);
      }
    })();
    return pending.length;
  }

  dropLedger(ledgerId: string): void {
    for (const t of ['qldb_tables', 'qldb_indexes', 'documents', 'revisions', 'index_entries', 'index_rekey_pending']) {
      this.db.prepare(`DELETE FROM ${t} WHERE ledger_id = ?`).run(ledgerId);
    }
  }
}
