/** The catalog, documents, revisions and index entries in PostgreSQL; written only by the CommitStore. */
import type { CurrentDoc, DocumentStore, IndexLookup, IndexRow, RevisionData, RevisionInfo, TableRow } from '../stores';
import type { PgDb } from './db';
import { q } from './sql';

interface DocRaw {
  doc_id: string;
  table_id: string;
  version: number;
  seq: number;
  data: Buffer | null;
}

export const toDoc = (r: DocRaw): CurrentDoc => ({ docId: r.doc_id, tableId: r.table_id, version: r.version, seq: r.seq, data: r.data });
const toRevisionData = (r: { doc_id: string; version: number; seq: number; ion: Buffer }): RevisionData => ({
  docId: r.doc_id,
  version: r.version,
  seq: r.seq,
  ion: r.ion,
});

export class PgDocumentStore implements DocumentStore {
  constructor(private readonly db: PgDb) {}

  private async rows<R extends object>(text: string, values: unknown[], name?: string): Promise<R[]> {
    return (await this.db.pool.query({ ...q(text, values), ...(name ? { name } : {}) })).rows as R[];
  }

  async catalog(ledgerId: string): Promise<{ tables: TableRow[]; indexes: IndexRow[] }> {
    const [tables, indexes] = await Promise.all([
      this.rows<{ table_id: string; name: string; status: TableRow['status']; tags: string | null }>(
        'SELECT table_id, name, status, tags FROM qldb_tables WHERE ledger_id = $1 ORDER BY position',
        [ledgerId],
      ),
      this.rows<{ index_id: string; table_id: string; field: string; status: string }>(
        'SELECT index_id, table_id, field, status FROM qldb_indexes WHERE ledger_id = $1 ORDER BY position',
        [ledgerId],
      ),
    ]);
    return {
      tables: tables.map((r) => ({ tableId: r.table_id, name: r.name, status: r.status, ...(r.tags ? { tags: JSON.parse(r.tags) } : {}) })),
      indexes: indexes.map((r) => ({ indexId: r.index_id, tableId: r.table_id, field: r.field, status: r.status })),
    };
  }

  async documents(ledgerId: string, docIds: string[]): Promise<CurrentDoc[]> {
    if (!docIds.length) return [];
    const rows = await this.rows<DocRaw>(
      'SELECT doc_id, table_id, version, seq, data FROM documents WHERE ledger_id = $1 AND doc_id = ANY($2::text[])',
      [ledgerId, docIds],
    );
    return rows.map(toDoc);
  }

  async scan(ledgerId: string, tableId: string, sinceSeq: number): Promise<CurrentDoc[]> {
    const rows = await this.rows<DocRaw>(
      'SELECT doc_id, table_id, version, seq, data FROM documents WHERE ledger_id = $1 AND table_id = $2 AND (data IS NOT NULL OR seq > $3)',
      [ledgerId, tableId, sinceSeq],
    );
    return rows.map(toDoc);
  }

  async revisionsAsOf(ledgerId: string, docIds: string[], seq: number): Promise<RevisionData[]> {
    if (!docIds.length) return [];
    const rows = await this.rows<{ doc_id: string; version: number; seq: number; ion: Buffer }>(
      `SELECT DISTINCT ON (doc_id) doc_id, version, seq, ion FROM revisions
       WHERE ledger_id = $1 AND doc_id = ANY($2::text[]) AND seq <= $3 ORDER BY doc_id, version DESC`,
      [ledgerId, docIds, seq],
    );
    return rows.map(toRevisionData);
  }

  async revision(ledgerId: string, docId: string, version: number): Promise<RevisionInfo | undefined> {
    const [r] = await this.rows<RevisionRaw>(`SELECT ${REVISION_COLUMNS} FROM revisions WHERE ledger_id = $1 AND doc_id = $2 AND version = $3`, [
      ledgerId,
      docId,
      version,
    ]);
    return r && toRevisionInfo(r);
  }

  async versionAtSeq(ledgerId: string, docId: string, seq: number): Promise<number | undefined> {
    const [r] = await this.rows<{ version: number }>('SELECT version FROM revisions WHERE ledger_id = $1 AND doc_id = $2 AND seq = $3', [
      ledgerId,
      docId,
      seq,
    ]);
    return r?.version;
  }

  async history(ledgerId: string, tableId: string, maxSeq: number, startMs: number, endMs: number): Promise<RevisionData[]> {
    const rows = await this.rows<{ doc_id: string; version: number; seq: number; ion: Buffer }>(
      `SELECT doc_id, version, seq, ion FROM revisions
       WHERE ledger_id = $1 AND table_id = $2 AND seq <= $3 AND tx_time <= $4 AND (until_time IS NULL OR until_time >= $5)
       ORDER BY tx_time, doc_id, version`,
      [ledgerId, tableId, maxSeq, endMs, startMs],
    );
    return rows.map(toRevisionData);
  }

  /** One query: the entries, their documents, and the snapshot revision of any changed after `asOfSeq`. */
  async lookup(ledgerId: string, tableId: string, field: string, key: Buffer, asOfSeq: number): Promise<IndexLookup> {
    // prepared once per connection: planning the join costs about what a round trip does
    const rows = await this.rows<DocRaw & { as_of_version: number | null; as_of_seq: number | null; as_of_ion: Buffer | null }>(
      `SELECT e.doc_id, d.table_id, d.version, d.seq, d.data, r.version AS as_of_version, r.seq AS as_of_seq, r.ion AS as_of_ion
       FROM index_entries e
       LEFT JOIN documents d ON d.ledger_id = e.ledger_id AND d.doc_id = e.doc_id
       LEFT JOIN LATERAL (
         SELECT version, seq, ion FROM revisions
         WHERE ledger_id = e.ledger_id AND doc_id = e.doc_id AND seq <= $5 AND d.seq > $5 ORDER BY version DESC LIMIT 1
       ) r ON TRUE
       WHERE e.ledger_id = $1 AND e.table_id = $2 AND e.field = $3 AND e.key = $4`,
      [ledgerId, tableId, field, key, asOfSeq],
      'openqldb_index_lookup',
    );
    const out: IndexLookup = { docIds: [], documents: [], asOf: [] };
    for (const r of rows) {
      out.docIds.push(r.doc_id);
      if (r.table_id !== null) out.documents.push(toDoc(r));
      if (r.as_of_ion !== null) out.asOf.push({ docId: r.doc_id, version: r.as_of_version!, seq: r.as_of_seq!, ion: r.as_of_ion });
    }
    return out;
  }

  async liveDocuments(ledgerId: string, tableId: string): Promise<{ docId: string; data: Buffer }[]> {
    const rows = await this.rows<{ doc_id: string; data: Buffer }>(
      'SELECT doc_id, data FROM documents WHERE ledger_id = $1 AND table_id = $2 AND data IS NOT NULL',
      [ledgerId, tableId],
    );
    return rows.map((r) => ({ docId: r.doc_id, data: r.data }));
  }

  async dropLedger(ledgerId: string): Promise<void> {
    await this.db.pool.query(
      q(
        `WITH t AS (DELETE FROM qldb_tables WHERE ledger_id = $1),
              i AS (DELETE FROM qldb_indexes WHERE ledger_id = $1),
              d AS (DELETE FROM documents WHERE ledger_id = $1),
              r AS (DELETE FROM revisions WHERE ledger_id = $1)
         DELETE FROM index_entries WHERE ledger_id = $1`,
        [ledgerId],
      ),
    );
  }
}

export interface RevisionRaw {
  doc_id: string;
  table_id: string;
  version: number;
  seq: number;
  ion: Buffer;
  redacted: boolean;
  latest: boolean;
}

export const REVISION_COLUMNS = 'doc_id, table_id, version, seq, ion, redacted, until_time IS NULL AS latest';

export const toRevisionInfo = (r: RevisionRaw): RevisionInfo => ({
  docId: r.doc_id,
  tableId: r.table_id,
  version: r.version,
  seq: r.seq,
  ion: r.ion,
  redacted: r.redacted,
  latest: r.latest,
});
