/**
 * What an imported block says about the ledger's state: its revisions (documents, versions, the
 * committed-view rows), its redactions, and the catalog statements in its transactionInfo
 * (CREATE/DROP/UNDROP TABLE, CREATE/DROP INDEX), turned into the catalog changes and row writes
 * that the commit path's own `commitWritesOf` (txn/commitBuilder.ts) applies, so that an imported
 * ledger's rows are exactly those its commits would have written.
 *
 * Journal blocks do not carry the ids of tables and indexes created by DDL, only the statements.
 * A table's id comes from the first document written to it (`transactionInfo.documents` names
 * its tableId): until then the table waits as "pending" and is written with that id when it is
 * resolved. A table no document ever named, and every index, gets an id derived from the strand,
 * the block and the statement, so that an import run twice gives the same ids.
 */
import { createHash } from 'node:crypto';
import { listItems, readBlockAddress, readSmallStruct, smallFields, structFields, type ValueRef } from '../journal/block';
import { idOfDigest } from '../journal/ids';
import { Header, IonWriter, T_LIST, T_NEGINT, T_POSINT, T_STRING, T_STRUCT, readStringBody, readUIntBody, type SymbolTable } from '../journal/ionBinary';
import { verifyObject, type ExportRange, type ObjectSummary } from '../journal/exportVerifier';
import { parseBlock, type ParsedBlock } from '../journal/block';
import type { Statement } from '../partiql/ast';
import { parse } from '../partiql';
import { Catalog, applyOp, type CatalogOp } from '../txn/catalog';

export interface ImportedRevision {
  docId: string;
  version: number;
  tableId: string;
  tableName: string;
  /** the user document as standalone Ion binary; null for a delete, or a revision already redacted */
  data: Buffer | null;
  /** the committed-view revision struct, standalone Ion binary */
  revisionIon: Buffer;
}

export interface ImportedRedaction {
  blockAddress: { strandId: string; sequenceNo: number };
  tableId: string;
  documentId: string;
  version: number;
}

/** One verified block, read for rebuilding; copies of what it holds, except `ion`: a view into the bytes the block was read from when they held it as a stream of its own. */
export interface ImportedBlock {
  sequenceNo: number;
  blockHash: Buffer;
  previousBlockHash: Buffer;
  timestampMs: number;
  transactionId: string;
  /** the block as stored: standalone Ion binary, exactly the value that was hashed */
  ion: Buffer;
  /** catalog statements, in statement order */
  ddl: { index: number; text: string; statement: Statement | undefined }[];
  revisions: ImportedRevision[];
  redactions: ImportedRedaction[];
  /** what this block holds that the import could not interpret (kept verbatim in the journal) */
  notes: string[];
}

const DDL = /^\s*(create|drop|undrop)\s/i;

function str(b: Uint8Array, v: ValueRef | undefined): string | undefined {
  return v && strAt(b, v.h);
}

function strAt(b: Uint8Array, h: Header): string | undefined {
  return h.type === T_STRING && !h.isNull ? readStringBody(b, h.body, h.end) : undefined;
}

/** what a statement and a document of transactionInfo are read for */
const STATEMENT_FIELDS = ['statement'];
const DOCUMENT_FIELDS = ['tableId', 'tableName'];

function int(b: Uint8Array, v: ValueRef | undefined): number | undefined {
  if (!v || v.h.isNull || (v.h.type !== T_POSINT && v.h.type !== T_NEGINT)) return undefined;
  const n = readUIntBody(b, v.h.body, v.h.end);
  return v.h.type === T_NEGINT ? -n : n;
}

/** One writer for every value re-encoded: finish() copies the stream out of it. */
const writer = new IonWriter(4096);

/**
 * A value re-encoded as a stream of its own, in a slice of Node's Buffer pool: a few hundred bytes
 * each, kept with their block until it is written, so an ArrayBuffer apiece would only feed the
 * collector.
 */
function standalone(b: Uint8Array, pos: number, symbols: SymbolTable): Buffer {
  return writer.reset().embed(b, pos, symbols).finish(Buffer.allocUnsafe);
}

function isStruct(h: Header): boolean {
  return h.type === T_STRUCT && !h.isNull;
}

/**
 * Reads what rebuilding needs from a block the verifier accepted; `stream` is the block as a
 * standalone Ion binary stream when the object holds it so (else it is re-encoded as one), kept
 * as a view: its caller keeps the bytes behind it until the block is written.
 */
export function readImportedBlock(block: ParsedBlock, stream?: Uint8Array): ImportedBlock {
  const b = block.bytes;
  const syms = block.symbols;
  const notes: string[] = [];
  const at = `block ${block.sequenceNo}`;
  const txInfo = block.fields.get('transactionInfo')!;
  const tf = structFields(b, txInfo.h, syms);
  const ddl: ImportedBlock['ddl'] = [];
  const stmts = tf.get('statements');
  if (stmts && stmts.h.type === T_LIST && !stmts.h.isNull) {
    listItems(b, stmts.h).forEach((s, index) => {
      if (!isStruct(s.h)) return;
      const text = readSmallStruct(b, s.h, syms, STATEMENT_FIELDS) ? strAt(b, smallFields[0]) : undefined;
      if (text === undefined || !DDL.test(text)) return;
      let statement: Statement | undefined;
      try {
        statement = parse(text);
      } catch {
        statement = undefined;
      }
      ddl.push({ index, text, statement });
    });
  }
  const tables = new Map<string, { tableId: string; tableName: string }>();
  const docs = tf.get('documents');
  if (docs && isStruct(docs.h)) {
    for (const [docId, d] of structFields(b, docs.h, syms)) {
      if (!isStruct(d.h) || readSmallStruct(b, d.h, syms, DOCUMENT_FIELDS) !== 3) continue;
      const tableId = strAt(b, smallFields[0]);
      const tableName = strAt(b, smallFields[1]);
      if (tableId !== undefined && tableName !== undefined) tables.set(docId, { tableId, tableName });
    }
  }
  const revisions: ImportedRevision[] = [];
  for (const r of block.revisions) {
    // a hash-only entry is a system revision: kept in the block, nothing to rebuild
    if (!r.fields.has('metadata')) continue;
    if (r.documentId === undefined || r.version === undefined) {
      notes.push(`${at}: a revision without metadata.id and metadata.version`);
      continue;
    }
    const table = tables.get(r.documentId);
    if (!table) {
      notes.push(`${at}: document ${r.documentId} is not in transactionInfo.documents, so its table is unknown`);
      continue;
    }
    const data = r.fields.get('data');
    revisions.push({
      docId: r.documentId,
      version: r.version,
      tableId: table.tableId,
      tableName: table.tableName,
      data: data ? standalone(b, data.pos, syms) : null,
      revisionIon: standalone(b, r.ref.pos, syms),
    });
  }
  const redactions: ImportedRedaction[] = [];
  const redaction = block.fields.get('redactionInfo');
  if (redaction && isStruct(redaction.h)) {
    const list = structFields(b, redaction.h, syms).get('revisions');
    for (const x of list && list.h.type === T_LIST && !list.h.isNull ? listItems(b, list.h) : []) {
      if (!isStruct(x.h)) continue;
      const f = structFields(b, x.h, syms);
      const addr = f.get('blockAddress');
      const tableId = str(b, f.get('tableId'));
      const documentId = str(b, f.get('documentId'));
      const version = int(b, f.get('version'));
      if (!addr || !isStruct(addr.h) || tableId === undefined || documentId === undefined || version === undefined) {
        notes.push(`${at}: a redactionInfo entry without blockAddress, tableId, documentId and version`);
        continue;
      }
      redactions.push({ blockAddress: readBlockAddress(b, addr.h, syms), tableId, documentId, version });
    }
  }
  return {
    sequenceNo: block.sequenceNo,
    blockHash: Buffer.from(block.blockHash),
    previousBlockHash: Buffer.from(block.previousBlockHash),
    timestampMs: block.blockTimestamp?.getTime() ?? 0,
    transactionId: block.transactionId ?? '',
    ion: stream ? Buffer.from(stream.buffer, stream.byteOffset, stream.byteLength) : standalone(b, block.ref.pos, syms),
    ddl,
    revisions,
    redactions,
    notes,
  };
}

/**
 * Verifies a data object (exportVerifier.ts's verifyObject) and reads each of its blocks for
 * rebuilding from the same parse, on the server's thread. A block that is a stream of its own in
 * the object (openqldb's Ion binary exports concatenate the stored blocks) stays a view into it,
 * not re-encoded. The blocks count only if the summary holds no failure.
 */
export function verifyAndReadObject(
  key: string,
  bytes: Uint8Array,
  strandId: string | undefined,
  range: ExportRange | undefined,
): { summary: ObjectSummary; blocks: ImportedBlock[] } {
  const blocks: ImportedBlock[] = [];
  const summary = verifyObject(key, bytes, strandId, -1, range, (block, stream) => blocks.push(readImportedBlock(block, stream)));
  return { summary, blocks };
}

/**
 * Verified blocks as standalone Ion binary streams, packed into one buffer to cross from a
 * reading worker to the server's thread (moved, not copied); block i ends at `ends[i]`.
 */
export interface PackedStreams {
  buffer: ArrayBuffer;
  ends: number[];
}

/**
 * A reading worker's part (readWorker.ts): verifies a data object and hands over its blocks'
 * streams, `chunk` blocks to a buffer, for the server's thread to read as it writes them
 * (readPackedBlocks). Verifying a block costs about what reading and writing it does, so each
 * thread does one of the two.
 */
export function verifyAndPackObject(
  key: string,
  bytes: Uint8Array,
  strandId: string | undefined,
  range: ExportRange | undefined,
  chunk: number,
  take: (packed: PackedStreams) => void,
): ObjectSummary {
  let streams: Uint8Array[] = [];
  const pack = () => {
    const ends: number[] = [];
    let size = 0;
    for (const s of streams) ends.push((size += s.length));
    const out = new Uint8Array(size);
    for (let i = 0; i < streams.length; i++) out.set(streams[i], i ? ends[i - 1] : 0);
    take({ buffer: out.buffer, ends });
    streams = [];
  };
  const summary = verifyObject(key, bytes, strandId, -1, range, (block, stream) => {
    // a view into the object, or a block of a QLDB export (several blocks to a stream) re-encoded
    streams.push(stream ?? standalone(block.bytes, block.ref.pos, block.symbols));
    if (streams.length >= chunk) pack();
  });
  if (streams.length && !summary.failure) pack();
  return summary;
}

/** The blocks of packed streams, each read for rebuilding only when it is asked for. */
export function* readPackedBlocks(packed: PackedStreams): Generator<ImportedBlock> {
  let start = 0;
  for (const end of packed.ends) {
    const ion = Buffer.from(packed.buffer, start, end - start);
    yield readImportedBlock(parseBlock(ion), ion);
    start = end;
  }
}

/** A table created by DDL whose id no document has named yet. */
export interface PendingTable {
  name: string;
  status: 'ACTIVE' | 'INACTIVE';
  indexes: { indexId: string; field: string }[];
  /** where it was created: its derived id, if no document ever names one */
  seq: number;
  statement: number;
}

/** An id derived from where a catalog object was created (see the module comment). */
export function derivedId(strandId: string, seq: number, statement: number, what: string): string {
  return idOfDigest(createHash('sha256').update(`openqldb-import\0${strandId}\0${seq}\0${statement}\0${what}`).digest());
}

/**
 * The catalog as the import rebuilds it, block by block: the tables written so far (with their
 * original ids) and the pending ones. Small (QLDB allows 40 tables of 5 indexes), so the pending
 * part travels in the job's progress.
 */
export class ImportCatalog {
  constructor(
    public catalog: Catalog,
    public pending: PendingTable[],
    private readonly strandId: string,
  ) {}

  /**
   * The catalog changes of one block, in order: its DDL statements, then the tables its
   * documents name for the first time. With `last`, every table still pending is written too.
   */
  opsFor(block: ImportedBlock, last: boolean): { ops: CatalogOp[]; notes: string[] } {
    const ops: CatalogOp[] = [];
    const notes: string[] = [];
    const apply = (op: CatalogOp) => {
      ops.push(op);
      this.catalog = applyOp(this.catalog, op);
    };
    const at = (i: number, text: string) => `block ${block.sequenceNo}, statement ${i} (${JSON.stringify(text.slice(0, 120))})`;
    const activePending = (name: string) => this.pending.find((p) => p.name === name && p.status === 'ACTIVE');
    for (const { index, text, statement: s } of block.ddl) {
      if (!s) {
        notes.push(`${at(index, text)}: not a statement openqldb can read; the catalog may lack what it changed`);
        continue;
      }
      switch (s.kind) {
        case 'createTable':
          this.pending.push({ name: s.name, status: 'ACTIVE', indexes: [], seq: block.sequenceNo, statement: index });
          break;
        case 'dropTable': {
          const t = this.catalog.active(s.name);
          const p = activePending(s.name);
          if (t) apply({ kind: 'dropTable', tableId: t.tableId });
          else if (p) p.status = 'INACTIVE';
          else notes.push(`${at(index, text)}: no active table ${s.name} to drop`);
          break;
        }
        case 'undropTable': {
          const t = this.catalog.byId(s.tableId);
          if (t) apply({ kind: 'undropTable', tableId: t.tableId });
          else notes.push(`${at(index, text)}: table ${s.tableId} is not known by that id`);
          break;
        }
        case 'createIndex': {
          const indexId = derivedId(this.strandId, block.sequenceNo, index, 'index');
          const t = this.catalog.active(s.table);
          const p = activePending(s.table);
          if (t) apply({ kind: 'createIndex', tableId: t.tableId, index: { indexId, field: s.field, status: 'ONLINE' } });
          else if (p) p.indexes.push({ indexId, field: s.field });
          else notes.push(`${at(index, text)}: no active table ${s.table} to index`);
          break;
        }
        case 'dropIndex': {
          const t = this.catalog.active(s.table);
          if (t?.indexes.some((i) => i.indexId === s.indexId)) apply({ kind: 'dropIndex', tableId: t.tableId, indexId: s.indexId });
          else notes.push(`${at(index, text)}: index ${s.indexId} is not known by that id (journal blocks do not carry index ids)`);
          break;
        }
        default:
          break;
      }
    }
    for (const r of block.revisions) {
      if (this.catalog.byId(r.tableId)) continue;
      let p = activePending(r.tableName);
      if (!p) {
        notes.push(`block ${block.sequenceNo}: table ${r.tableName} (${r.tableId}) is written to before any CREATE TABLE the import understood`);
        p = { name: r.tableName, status: 'ACTIVE', indexes: [], seq: block.sequenceNo, statement: -1 };
      } else {
        this.pending.splice(this.pending.indexOf(p), 1);
      }
      this.resolve(p, r.tableId, apply);
    }
    if (last) {
      for (const p of this.pending) this.resolve(p, derivedId(this.strandId, p.seq, p.statement, 'table'), apply);
      this.pending = [];
    }
    return { ops, notes };
  }

  private resolve(p: PendingTable, tableId: string, apply: (op: CatalogOp) => void): void {
    apply({ kind: 'createTable', table: { tableId, name: p.name, status: 'ACTIVE', indexes: [] } });
    for (const i of p.indexes) apply({ kind: 'createIndex', tableId, index: { indexId: i.indexId, field: i.field, status: 'ONLINE' } });
    if (p.status === 'INACTIVE') apply({ kind: 'dropTable', tableId });
  }
}
