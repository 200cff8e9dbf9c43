/**
 * The port between the PartiQL engine and the transaction that runs it.
 *
 * The engine (src/partiql) parses and evaluates statements; it knows nothing of storage, OCC or
 * the journal. The transaction layer (src/txn) implements LedgerView over the store, records what
 * each call read (for OCC) and buffers what it wrote (for the block at commit).
 * Every Ion value is an ion-js DOM value (`dom.Value`), so types, annotations and decimal
 * precision survive untouched.
 */
import type { dom } from 'ion-js';

export type IonValue = dom.Value;

export interface BlockAddress {
  strandId: string;
  sequenceNo: number;
}

export type IndexStatus = 'BUILDING' | 'FINALIZING' | 'ONLINE' | 'FAILED' | 'DELETING';

export interface IndexInfo {
  indexId: string;
  /** the indexed top-level field name, e.g. `VIN` (the catalog shows it as `[VIN]`) */
  field: string;
  status: IndexStatus;
}

export interface TableInfo {
  tableId: string;
  name: string;
  status: 'ACTIVE' | 'INACTIVE';
  indexes: IndexInfo[];
}

/** A document as the user view sees it: the latest, non-deleted revision. */
export interface DocumentRow {
  id: string;
  data: IonValue;
  /**
   * The committed-view row of this revision: `{blockAddress, hash, data, metadata}`.
   * Documents written earlier in the same transaction have no committed revision yet
   * (QLDB shows uncommitted writes in the user view only), so this returns undefined for them.
   */
  committed(): IonValue | undefined;
}

export interface LedgerView {
  /** The transaction's id (the TXID() function returns it). */
  readonly transactionId: string;
  /**
   * When the transaction expires (epoch ms). The engine checks it while a statement runs, since
   * the session layer can only check between commands, and calls `expired()` once it has passed.
   */
  readonly deadline: number;
  /** Throws the transaction-expired error the drivers recognise (`Transaction <id> has expired`). */
  expired(): never;
  /** Table tags (`WITH (aws_tags = …)`) exist only on STANDARD ledgers (§5.1). */
  readonly permissionsMode: 'ALLOW_ALL' | 'STANDARD';

  // ---- catalog ----
  /** Every table, active and dropped, in creation order. */
  tables(): TableInfo[];
  /** The ACTIVE table with this exact (case-sensitive) name. */
  activeTable(name: string): TableInfo | undefined;
  createTable(name: string, tags?: Record<string, string>): string;
  /** Returns the tableId. */
  dropTable(name: string): string;
  undropTable(tableId: string): string;
  createIndex(tableName: string, field: string): string;
  dropIndex(tableName: string, indexId: string): string;

  // ---- documents (user view; includes this transaction's own uncommitted writes) ----
  /** Every live document of the table; registers a whole-table read for OCC. */
  scan(tableId: string): Iterable<DocumentRow>;
  /**
   * Documents whose top-level `field` equals `value`, through an index on that field: numbers by
   * numeric value across int/decimal/float, as `=` compares them; anything else by Ion equality.
   * May return a few more (the engine applies WHERE to every row), never fewer. Registers a
   * narrow read: only matching documents conflict. Call only when `tables()` shows an ONLINE
   * index on the field, and never with a null.
   */
  lookup(tableId: string, field: string, value: IonValue): Iterable<DocumentRow>;
  /** The live document with this id, or undefined (a narrow read, as for an index). */
  get(tableId: string, documentId: string): DocumentRow | undefined;
  /** Returns the new document id. `data` must be a struct. */
  insert(tableId: string, data: IonValue): string;
  update(tableId: string, documentId: string, data: IonValue): void;
  delete(tableId: string, documentId: string): void;

  // ---- journal views ----
  /**
   * Committed revisions of a table (by id) whose lifetime touches [start, end] (both inclusive;
   * undefined means unbounded), each as a committed-view struct, including delete revisions
   * (no `data`) and redacted ones (`dataHash` instead of `data`).
   */
  history(tableId: string, start?: Date, end?: Date): Iterable<IonValue>;
  /** Schedules the redaction of one old revision; returns `{blockAddress, tableId, documentId, version}`. */
  redactRevision(blockAddress: BlockAddress, tableId: string, documentId: string): IonValue;

  /** Read IOs are counted by the engine per row it reads; it reports them here. */
  addReadIOs(n: number): void;
}

/** Raised by the engine for parse and semantic errors; becomes a BadRequestException. */
export class StatementError extends Error {}
