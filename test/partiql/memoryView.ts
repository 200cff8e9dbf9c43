/**
 * An in-memory ledger for engine tests: a real (if simple) LedgerView with tables, indexes,
 * documents, revisions and commits, plus counters that let tests see which access path the
 * engine chose. `commit()` plays the transaction layer: it turns this transaction's writes into
 * committed revisions in a new block.
 */
import { createHash } from 'node:crypto';
import { dom, makeBinaryWriter, Timestamp } from 'ion-js';
import { newId } from '../../src/journal/ids';
import { valuesEqual } from '../../src/partiql/values';
import type {
  BlockAddress, DocumentRow, IndexStatus, IonValue, LedgerView, TableInfo,
} from '../../src/partiql/ledgerView';

const STRAND_ID = 'KmA3ZZca7vAIiJAK9S5Iwl';

interface Revision {
  blockAddress: BlockAddress;
  hash: Uint8Array;
  data?: IonValue;
  dataHash?: Uint8Array;
  id: string;
  version: number;
  txTime: Date;
  txId: string;
}

interface Document {
  id: string;
  tableId: string;
  /** the latest state in this transaction; undefined once deleted */
  data: IonValue | undefined;
  revisions: Revision[];
  dirty: boolean;
}

function ionBytes(v: IonValue): Uint8Array {
  const writer = makeBinaryWriter();
  v.writeTo(writer);
  writer.close();
  return writer.getBytes();
}

function sha256(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(bytes).digest());
}

function ionStruct(fields: [string, IonValue][]): IonValue {
  return new dom.Struct(fields);
}

function timestamp(date: Date): IonValue {
  return new dom.Timestamp(Timestamp.parse(date.toISOString())!);
}

/** What the transaction layer answers with InvalidSessionException. */
export class TransactionExpired extends Error {}

export class MemoryLedger implements LedgerView {
  transactionId = newId();
  readIOs = 0;
  /** how the engine read documents, for access-path assertions */
  calls = { scan: 0, lookup: 0, get: 0 };
  private readonly tableList: TableInfo[] = [];
  private readonly documents = new Map<string, Document>();
  private sequenceNo = 0;
  /** the clock used for the next commit; tests move it to shape history */
  now = new Date('2024-01-01T00:00:00.000Z');
  redactions: { blockAddress: BlockAddress; tableId: string; documentId: string }[] = [];
  /** tests set it in the past to see a running statement stopped */
  deadline = Infinity;
  permissionsMode: 'ALLOW_ALL' | 'STANDARD' = 'STANDARD';

  expired(): never {
    throw new TransactionExpired(`Transaction ${this.transactionId} has expired`);
  }

  tables(): TableInfo[] {
    return this.tableList.map((t) => ({ ...t, indexes: t.indexes.map((ix) => ({ ...ix })) }));
  }

  activeTable(name: string): TableInfo | undefined {
    return this.tables().find((t) => t.name === name && t.status === 'ACTIVE');
  }

  private table(tableId: string): TableInfo {
    const t = this.tableList.find((x) => x.tableId === tableId);
    if (!t) throw new Error(`memory ledger: no table ${tableId}`);
    return t;
  }

  createTable(name: string): string {
    const tableId = newId();
    this.tableList.push({ tableId, name, status: 'ACTIVE', indexes: [] });
    return tableId;
  }

  dropTable(name: string): string {
    const t = this.tableList.find((x) => x.name === name && x.status === 'ACTIVE')!;
    t.status = 'INACTIVE';
    return t.tableId;
  }

  undropTable(tableId: string): string {
    this.table(tableId).status = 'ACTIVE';
    return tableId;
  }

  createIndex(tableName: string, field: string): string {
    const t = this.tableList.find((x) => x.name === tableName && x.status === 'ACTIVE')!;
    const indexId = newId();
    t.indexes.push({ indexId, field, status: 'ONLINE' });
    return t.tableId;
  }

  dropIndex(tableName: string, indexId: string): string {
    const t = this.tableList.find((x) => x.name === tableName && x.status === 'ACTIVE')!;
    t.indexes = t.indexes.filter((ix) => ix.indexId !== indexId);
    return t.tableId;
  }

  setIndexStatus(tableName: string, field: string, status: IndexStatus): void {
    const t = this.tableList.find((x) => x.name === tableName && x.status === 'ACTIVE')!;
    t.indexes.find((ix) => ix.field === field)!.status = status;
  }

  private row(doc: Document): DocumentRow {
    return {
      id: doc.id,
      data: doc.data!,
      committed: () => {
        const latest = doc.revisions[doc.revisions.length - 1];
        return latest && latest.data !== undefined && !doc.dirty ? this.revisionValue(latest) : undefined;
      },
    };
  }

  private live(tableId: string): Document[] {
    return [...this.documents.values()].filter((d) => d.tableId === tableId && d.data !== undefined);
  }

  scan(tableId: string): Iterable<DocumentRow> {
    this.calls.scan++;
    return this.live(tableId).map((d) => this.row(d));
  }

  lookup(tableId: string, field: string, value: IonValue): Iterable<DocumentRow> {
    this.calls.lookup++;
    const online = this.table(tableId).indexes.some((ix) => ix.field === field && ix.status === 'ONLINE');
    if (!online) throw new Error(`memory ledger: lookup on ${field} without an ONLINE index`);
    return this.live(tableId)
      .filter((d) => {
        const v = d.data!.get(field);
        return v !== null && !v.isNull() && valuesEqual(v, value);
      })
      .map((d) => this.row(d));
  }

  get(tableId: string, documentId: string): DocumentRow | undefined {
    this.calls.get++;
    const d = this.documents.get(documentId);
    return d && d.tableId === tableId && d.data !== undefined ? this.row(d) : undefined;
  }

  insert(tableId: string, data: IonValue): string {
    const id = newId();
    this.documents.set(id, { id, tableId, data, revisions: [], dirty: true });
    return id;
  }

  private writable(tableId: string, documentId: string): Document {
    const d = this.documents.get(documentId);
    if (!d || d.tableId !== tableId || d.data === undefined) throw new Error(`memory ledger: no live document ${documentId}`);
    return d;
  }

  update(tableId: string, documentId: string, data: IonValue): void {
    const d = this.writable(tableId, documentId);
    d.data = data;
    d.dirty = true;
  }

  delete(tableId: string, documentId: string): void {
    const d = this.writable(tableId, documentId);
    d.data = undefined;
    d.dirty = true;
  }

  /** Writes this transaction's changes as one block and starts a new transaction. */
  commit(): BlockAddress {
    const blockAddress = { strandId: STRAND_ID, sequenceNo: ++this.sequenceNo };
    const txTime = new Date(this.now);
    for (const doc of this.documents.values()) {
      if (!doc.dirty) continue;
      const version = doc.revisions.length;
      const data = doc.data;
      const hash = sha256(data ? ionBytes(data) : new Uint8Array([version]));
      doc.revisions.push({ blockAddress, hash, data, id: doc.id, version, txTime, txId: this.transactionId });
      doc.dirty = false;
    }
    this.transactionId = newId();
    return blockAddress;
  }

  private revisionValue(r: Revision): IonValue {
    const fields: [string, IonValue][] = [
      ['blockAddress', ionStruct([['strandId', new dom.String(r.blockAddress.strandId)], ['sequenceNo', new dom.Integer(r.blockAddress.sequenceNo)]])],
      ['hash', new dom.Blob(r.hash)],
    ];
    if (r.data !== undefined) fields.push(['data', r.data]);
    if (r.dataHash !== undefined) fields.push(['dataHash', new dom.Blob(r.dataHash)]);
    fields.push([
      'metadata',
      ionStruct([
        ['id', new dom.String(r.id)],
        ['version', new dom.Integer(r.version)],
        ['txTime', timestamp(r.txTime)],
        ['txId', new dom.String(r.txId)],
      ]),
    ]);
    return ionStruct(fields);
  }

  history(tableId: string, start?: Date, end?: Date): Iterable<IonValue> {
    const out: IonValue[] = [];
    for (const doc of this.documents.values()) {
      if (doc.tableId !== tableId) continue;
      doc.revisions.forEach((r, i) => {
        const next = doc.revisions[i + 1];
        // A revision is active from its commit until the next revision of the document.
        const from = r.txTime.getTime();
        const until = next ? next.txTime.getTime() : Infinity;
        if (end && from > end.getTime()) return;
        if (start && until < start.getTime()) return;
        out.push(this.revisionValue(r));
      });
    }
    return out;
  }

  redactRevision(blockAddress: BlockAddress, tableId: string, documentId: string): IonValue {
    const doc = this.documents.get(documentId);
    const index = doc?.revisions.findIndex((r) => r.blockAddress.sequenceNo === blockAddress.sequenceNo) ?? -1;
    if (!doc || doc.tableId !== tableId || index < 0) throw new Error('memory ledger: no such revision');
    if (index === doc.revisions.length - 1) throw new Error('memory ledger: cannot redact the latest revision');
    const r = doc.revisions[index];
    r.dataHash = sha256(ionBytes(r.data!));
    r.data = undefined;
    this.redactions.push({ blockAddress, tableId, documentId });
    return ionStruct([
      ['blockAddress', ionStruct([['strandId', new dom.String(blockAddress.strandId)], ['sequenceNo', new dom.Integer(blockAddress.sequenceNo)]])],
      ['tableId', new dom.String(tableId)],
      ['documentId', new dom.String(documentId)],
      ['version', new dom.Integer(r.version)],
    ]);
  }

  addReadIOs(n: number): void {
    this.readIOs += n;
  }
}


