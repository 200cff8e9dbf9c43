/**
 * One QLDB transaction: the LedgerView the PartiQL engine runs statements against.
 *
 * Reads see the ledger as committed when the transaction started (its snapshot, block
 * `startSeq`) plus the transaction's own writes; every read is recorded for OCC validation at
 * commit. Writes and catalog changes are buffered here and reach storage only through the
 * commit pipeline, as one block.
 */
import { dom } from 'ion-js';
import { badRequest, invalidSession } from '../server/errors';
import type { PermissionsMode } from '../storage/store';
import { newId } from '../journal/ids';
import { MAX_NESTING_DEPTH, nestingExceeds } from '../partiql/documentSize';
import type { BlockAddress, DocumentRow, IndexInfo, IonValue, LedgerView, TableInfo } from '../partiql/ledgerView';
import type { CurrentDoc } from '../storage/stores';
import { applyOp, Catalog, type CatalogOp, type CatalogTable } from './catalog';
import { fieldOf, fromBinary, indexKey, toBinary } from './ion';
import { isStruct } from '../partiql/values';
import { keyId, ReadSet, type LedgerState } from './ledgerState';
import { QUOTAS } from './quotas';
import type { SnapshotReader } from './snapshotReader';

/** A document this transaction wrote; replaced (never mutated) so statement rollback is a Map copy. */
export interface Write {
  docId: string;
  tableId: string;
  /** new data, or null when deleted */
  data: IonValue | null;
  bytes: Buffer | null;
  /** created by this transaction (no committed revision yet) */
  inserted: boolean;
  /** indices into `statements` of the statements that touched it */
  statements: number[];
}

export interface StatementRecord {
  statement: string;
  startTime: Date;
  statementDigest: Buffer;
}

export interface Redaction {
  blockAddress: BlockAddress;
  tableId: string;
  documentId: string;
  version: number;
}

interface Savepoint {
  writes: Map<string, Write>;
  catalog: Catalog;
  ops: number;
  redactions: number;
  bytes: number;
}

export class Transaction implements LedgerView {
  readonly reads = new ReadSet();
  writes = new Map<string, Write>();
  readonly statements: StatementRecord[] = [];
  ops: CatalogOp[] = [];
  redactions: Redaction[] = [];
  /** the catalog as this transaction sees it: snapshot + own DDL */
  catalog: Catalog;
  readIOs = 0;
  /** documents written by the current statement (its WriteIOs) */
  statementWrites = 0;
  /** Ion binary bytes written so far (documents), for the 4 MB transaction quota */
  private bytes = 0;
  private current = -1;
  private savepoint: Savepoint | undefined;
  state: 'open' | 'committing' | 'closed' = 'open';

  constructor(
    readonly transactionId: string,
    readonly ledger: LedgerState,
    /** committed documents as of any snapshot (may throw ReadFault: see snapshotReader.ts) */
    readonly reader: SnapshotReader,
    /** committed block the snapshot ends at */
    readonly startSeq: number,
    readonly startedAt: number,
    /** the committed catalog at start */
    readonly baseCatalog: Catalog,
    /** epoch ms at which the transaction expires (startedAt + the transaction timeout) */
    readonly deadline: number = Infinity,
    /** read on use: the mode may change while the transaction is open */
    private readonly modeOf: () => PermissionsMode = () => 'STANDARD',
  ) {
    this.catalog = baseCatalog;
  }

  get permissionsMode(): PermissionsMode {
    return this.modeOf();
  }

  expired(): never {
    throw invalidSession(`Transaction ${this.transactionId} has expired`);
  }

  private get ledgerId(): string {
    return this.ledger.ledgerId;
  }

  // ---- statement boundaries (statement-level atomicity) ----

  /** Starts a statement; its writes are attributed to it. */
  beginStatement(statement: string, statementDigest: Buffer, startTime = new Date()): void {
    this.savepoint = {
      writes: new Map(this.writes),
      catalog: this.catalog,
      ops: this.ops.length,
      redactions: this.redactions.length,
      bytes: this.bytes,
    };
    this.current = this.statements.length;
    this.statementWrites = 0;
    this.statements.push({ statement, startTime, statementDigest });
  }

  /** Undoes the current statement's effects (it failed); it stays out of the block. */
  rollbackStatement(): void {
    const sp = this.savepoint;
    if (!sp) return;
    this.writes = sp.writes;
    this.catalog = sp.catalog;
    this.ops.length = sp.ops;
    this.redactions.length = sp.redactions;
    this.bytes = sp.bytes;
    this.statements.length = this.current;
    this.savepoint = undefined;
    this.current = -1;
  }

  endStatement(): void {
    this.savepoint = undefined;
    this.current = -1;
  }

  /** Documents written (inserted, updated or deleted) — the WriteIOs of the transaction. */
  get documentsWritten(): number {
    return this.writes.size;
  }

  // ---- catalog ----

  tables(): TableInfo[] {
    this.reads.catalogAll = true;
    return this.catalog.tables.map(publicTable);
  }

  activeTable(name: string): TableInfo | undefined {
    this.reads.catalogNames.add(name);
    const t = this.catalog.active(name);
    return t && publicTable(t);
  }

  private ddl(op: CatalogOp): void {
    // a catalog change depends on the whole catalog (quotas, names): any concurrent DDL conflicts
    this.reads.catalogAll = true;
    this.ops.push(op);
    this.catalog = applyOp(this.catalog, op);
  }

  createTable(name: string, tags?: Record<string, string>): string {
    this.reads.catalogAll = true;
    if (this.catalog.active(name)) throw badRequest(`Table '${name}' already exists`);
    if (this.catalog.activeCount() >= QUOTAS.activeTables) {
      throw badRequest(`Exceeded the limit of ${QUOTAS.activeTables} active tables per ledger`);
    }
    if (this.catalog.tables.length >= QUOTAS.totalTables) {
      throw badRequest(`Exceeded the limit of ${QUOTAS.totalTables} tables (active and inactive) per ledger`);
    }
    const table: CatalogTable = { tableId: newId(), name, status: 'ACTIVE', indexes: [], ...(tags ? { tags } : {}) };
    this.ddl({ kind: 'createTable', table });
    return table.tableId;
  }

  dropTable(name: string): string {
    const t = this.catalog.active(name);
    this.reads.catalogNames.add(name);
    if (!t) throw badRequest(`No such table: ${name}`);
    this.ddl({ kind: 'dropTable', tableId: t.tableId });
    return t.tableId;
  }

  undropTable(tableId: string): string {
    this.reads.catalogAll = true;
    const t = this.catalog.byId(tableId);
    if (!t) throw badRequest(`No such table: ${tableId}`);
    if (t.status === 'ACTIVE') throw badRequest(`Table ${tableId} is not dropped`);
    if (this.catalog.active(t.name)) throw badRequest(`An active table named '${t.name}' already exists`);
    if (this.catalog.activeCount() >= QUOTAS.activeTables) {
      throw badRequest(`Exceeded the limit of ${QUOTAS.activeTables} active tables per ledger`);
    }
    this.ddl({ kind: 'undropTable', tableId });
    return tableId;
  }

  createIndex(tableName: string, field: string): string {
    const t = this.catalog.active(tableName);
    this.reads.catalogNames.add(tableName);
    if (!t) throw badRequest(`No such table: ${tableName}`);
    if (field.length === 0 || field.length > QUOTAS.indexFieldNameChars) {
      throw badRequest(`Index field name must be 1 to ${QUOTAS.indexFieldNameChars} characters`);
    }
    if (t.indexes.some((i) => i.field === field)) throw badRequest(`An index on '${field}' already exists on table '${tableName}'`);
    if (t.indexes.length >= QUOTAS.indexesPerTable) {
      throw badRequest(`Exceeded the limit of ${QUOTAS.indexesPerTable} indexes per table`);
    }
    // indexes are built inside the commit that creates them, so they are ONLINE when visible
    const index: IndexInfo = { indexId: newId(), field, status: 'ONLINE' };
    this.ddl({ kind: 'createIndex', tableId: t.tableId, index });
    return t.tableId;
  }

  dropIndex(tableName: string, indexId: string): string {
    const t = this.catalog.active(tableName);
    this.reads.catalogNames.add(tableName);
    if (!t) throw badRequest(`No such table: ${tableName}`);
    if (!t.indexes.some((i) => i.indexId === indexId)) throw badRequest(`No such index: ${indexId}`);
    this.ddl({ kind: 'dropIndex', tableId: t.tableId, indexId });
    return t.tableId;
  }

  // ---- reads ----

  /** The committed revision of a stored document as of the snapshot, or undefined if it did not exist / was deleted. */
  private snapshotRow(d: CurrentDoc): DocumentRow | undefined {
    if (d.seq > this.startSeq) {
      // changed since the snapshot: take the revision that was current then
      const r = this.reader.revisionAsOf(this.ledgerId, d.docId, this.startSeq);
      if (!r) return undefined;
      const data = fromBinary(r.ion).get('data');
      return data === null ? undefined : this.committedRow(d.docId, r.version, data);
    }
    if (d.data === null) return undefined;
    return this.committedRow(d.docId, d.version, fromBinary(d.data));
  }

  private committedRow(id: string, version: number, data: IonValue): DocumentRow {
    const store = this.reader;
    const ledgerId = this.ledgerId;
    return {
      id,
      data,
      committed() {
        const ion = store.revisionIon(ledgerId, id, version);
        return ion ? fromBinary(ion) : undefined;
      },
    };
  }

  private writtenRow(w: Write): DocumentRow | undefined {
    if (w.data === null) return undefined;
    return { id: w.docId, data: w.data, committed: () => undefined };
  }

  scan(tableId: string): Iterable<DocumentRow> {
    this.reads.tables.add(tableId);
    const out: DocumentRow[] = [];
    if (this.baseCatalog.byId(tableId)) {
      for (const d of this.reader.scan(this.ledgerId, tableId, this.startSeq)) {
        const w = this.writes.get(d.docId);
        if (w) continue;
        const row = this.snapshotRow(d);
        if (row) out.push(row);
      }
    }
    for (const w of this.writes.values()) {
      if (w.tableId !== tableId) continue;
      const row = this.writtenRow(w);
      if (row) out.push(row);
    }
    return out;
  }

  lookup(tableId: string, field: string, value: IonValue): Iterable<DocumentRow> {
    // an index created by this transaction (or after it started) has no committed entries we
    // may use: fall back to a scan, which also records the wider read
    const key = indexKey(value);
    if (!this.baseCatalog.hasIndex(tableId, field) || !this.ledger.catalog.hasIndex(tableId, field)) {
      return [...this.scan(tableId)].filter((r) => {
        const v = fieldOf(r.data, field);
        return v !== undefined && indexKey(v).equals(key);
      });
    }
    this.reads.keys.add(keyId(tableId, field, key));
    const out: DocumentRow[] = [];
    for (const docId of this.reader.lookup(this.ledgerId, tableId, field, key)) {
      this.reads.docs.add(docId);
      if (this.writes.has(docId)) continue;
      const d = this.reader.document(this.ledgerId, docId);
      if (!d) continue;
      const row = this.snapshotRow(d);
      if (!row) continue;
      if (d.seq > this.startSeq) {
        // changed since the snapshot: the index entry is for the newer value
        const v = fieldOf(row.data, field);
        if (v === undefined || !indexKey(v).equals(key)) continue;
      }
      out.push(row);
    }
    for (const w of this.writes.values()) {
      if (w.tableId !== tableId || w.data === null) continue;
      const v = fieldOf(w.data, field);
      if (v !== undefined && indexKey(v).equals(key)) out.push(this.writtenRow(w)!);
    }
    return out;
  }

  get(tableId: string, documentId: string): DocumentRow | undefined {
    this.reads.docs.add(documentId);
    const w = this.writes.get(documentId);
    if (w) return w.tableId === tableId ? this.writtenRow(w) : undefined;
    const d = this.reader.document(this.ledgerId, documentId);
    if (!d || d.tableId !== tableId) return undefined;
    return this.snapshotRow(d);
  }

  // ---- writes ----

  private writable(tableId: string): CatalogTable {
    const t = this.catalog.byId(tableId);
    if (!t || t.status !== 'ACTIVE') throw badRequest(`No such table: ${tableId}`);
    return t;
  }

  private put(w: Write): void {
    const prev = this.writes.get(w.docId);
    if (!prev && this.writes.size >= QUOTAS.documentsPerTransaction) {
      throw badRequest(
        `Transaction exceeds the limit of ${QUOTAS.documentsPerTransaction} documents modified per transaction`,
      );
    }
    const size = w.bytes?.length ?? 0;
    const total = this.bytes - (prev?.bytes?.length ?? 0) + size;
    if (total > QUOTAS.transactionBytes) {
      throw badRequest(`Transaction exceeds the maximum size of ${QUOTAS.transactionBytes} bytes`);
    }
    this.bytes = total;
    const statements = prev ? [...prev.statements] : [];
    if (this.current >= 0 && !statements.includes(this.current)) {
      statements.push(this.current);
      this.statementWrites++;
    }
    this.writes.set(w.docId, { ...w, statements });
  }

  private encode(data: IonValue): { data: IonValue; bytes: Buffer } {
    if (!isStruct(data)) throw badRequest('A document must be a struct');
    // the engine checks this too; here it holds for every writer of the view
    if (nestingExceeds(data, MAX_NESTING_DEPTH)) {
      throw badRequest(`Document nests deeper than the maximum of ${MAX_NESTING_DEPTH} levels`);
    }
    const bytes = toBinary(data);
    if (bytes.length > QUOTAS.documentBytes) {
      throw badRequest(`Document size of ${bytes.length} bytes exceeds the maximum of ${QUOTAS.documentBytes} bytes (128 KB)`);
    }
    return { data, bytes };
  }

  insert(tableId: string, data: IonValue): string {
    this.writable(tableId);
    const enc = this.encode(data);
    const docId = newId();
    this.put({ docId, tableId, data: enc.data, bytes: enc.bytes, inserted: true, statements: [] });
    return docId;
  }

  update(tableId: string, documentId: string, data: IonValue): void {
    this.writable(tableId);
    this.reads.docs.add(documentId);
    const prev = this.writes.get(documentId);
    if (!prev && !this.get(tableId, documentId)) throw badRequest(`No such document: ${documentId}`);
    const enc = this.encode(data);
    this.put({ docId: documentId, tableId, data: enc.data, bytes: enc.bytes, inserted: prev?.inserted ?? false, statements: [] });
  }

  delete(tableId: string, documentId: string): void {
    this.writable(tableId);
    this.reads.docs.add(documentId);
    const prev = this.writes.get(documentId);
    if (!prev && !this.get(tableId, documentId)) throw badRequest(`No such document: ${documentId}`);
    this.put({ docId: documentId, tableId, data: null, bytes: null, inserted: prev?.inserted ?? false, statements: [] });
  }

  // ---- journal views ----

  history(tableId: string, start?: Date, end?: Date): Iterable<IonValue> {
    this.reads.tables.add(tableId);
    const rows = this.reader.history(
      this.ledgerId,
      tableId,
      this.startSeq,
      start ? start.getTime() : -8.64e15,
      end ? end.getTime() : 8.64e15,
    );
    return rows.map((r) => fromBinary(r.ion));
  }

  /**
   * QLDB redacts asynchronously after the commit; here the redaction is applied by the commit
   * itself (same block, same SQLite transaction), so history() shows `dataHash` as soon as the
   * redacting transaction is acknowledged.
   */
  redactRevision(blockAddress: BlockAddress, tableId: string, documentId: string): IonValue {
    if (this.redactions.length >= QUOTAS.redactionsPerTransaction) {
      throw badRequest(`Only ${QUOTAS.redactionsPerTransaction} revision can be redacted per transaction`);
    }
    if (blockAddress.strandId !== this.ledger.strandId) throw badRequest(`No block at address ${addressText(blockAddress)}`);
    const table = this.catalog.byId(tableId);
    if (!table) throw badRequest(`No such table: ${tableId}`);
    this.reads.docs.add(documentId);
    const version = this.reader.versionAtSeq(this.ledgerId, documentId, blockAddress.sequenceNo);
    const rev = version === undefined ? undefined : this.reader.revision(this.ledgerId, documentId, version);
    if (!rev || rev.tableId !== tableId || rev.seq > this.startSeq) {
      throw badRequest(`No revision of document ${documentId} in table ${tableId} at ${addressText(blockAddress)}`);
    }
    if (rev.latest) throw badRequest(`Revision ${version} of document ${documentId} is the latest revision; only older revisions can be redacted`);
    if (rev.redacted) throw badRequest(`Revision ${version} of document ${documentId} is already redacted`);
    const r: Redaction = { blockAddress: { ...blockAddress }, tableId, documentId, version: rev.version };
    this.redactions.push(r);
    return dom.load(
      `{blockAddress:{strandId:${JSON.stringify(blockAddress.strandId)},sequenceNo:${blockAddress.sequenceNo}},` +
        `tableId:${JSON.stringify(tableId)},documentId:${JSON.stringify(documentId)},version:${rev.version}}`,
    )!;
  }

  addReadIOs(n: number): void {
    this.readIOs += n;
  }
}

function addressText(a: BlockAddress): string {
  return `{strandId:"${a.strandId}",sequenceNo:${a.sequenceNo}}`;
}

function publicTable(t: CatalogTable): TableInfo {
  return { tableId: t.tableId, name: t.name, status: t.status, indexes: t.indexes.map((i) => ({ ...i })) };
}
