/**
 * QLDB's stream records ("QLDB stream records in Kinesis"), in Ion binary, made from a stored
 * block without re-deriving anything that was hashed: every field of a block summary and every
 * revision is embedded byte for byte from the block, so a consumer verifies them with the same
 * hashing as GetBlock's and GetRevision's answers.
 *
 *   { qldbStreamArn, recordType: "CONTROL" | "BLOCK_SUMMARY" | "REVISION_DETAILS", payload }
 *
 * Partition keys (the developer guide names only the document id, for revision details): a
 * REVISION_DETAILS record goes under its document id, so one document's revisions stay in order on
 * one shard; a BLOCK_SUMMARY under the strand id, so block summaries arrive in journal order on
 * one shard; a CONTROL record under the QLDB stream id.
 */
import { parseBlock, structFields, type ParsedBlock, type ValueRef } from '../journal/block';
import {
  ByteSink,
  Header,
  IVM,
  IonWriter,
  SYSTEM_SYMBOLS,
  T_ANNOTATION,
  T_BLOB,
  T_LIST,
  T_STRING,
  T_STRUCT,
  readChild,
  readHeader,
  readVarUInt,
  writeTypeAndLength,
  writeVarUInt,
} from '../journal/ionBinary';

export type RecordType = 'CONTROL' | 'BLOCK_SUMMARY' | 'REVISION_DETAILS';

/** One stream record as a Kinesis user record. */
export interface StreamRecord {
  partitionKey: string;
  data: Uint8Array;
}

/** The records of one block: its summary first, then one record per revision in block order. */
export interface BlockRecords {
  sequenceNo: number;
  blockTimestampMs: number;
  records: StreamRecord[];
}

function header(w: IonWriter, streamArn: string, recordType: RecordType): void {
  w.struct().field('qldbStreamArn').string(streamArn).field('recordType').string(recordType).field('payload');
}

/** CREATED (the first record of a stream) or COMPLETED (the last, when ExclusiveEndTime passed). */
export function controlRecord(streamArn: string, streamId: string, type: 'CREATED' | 'COMPLETED'): StreamRecord {
  const w = new IonWriter(160);
  header(w, streamArn, 'CONTROL');
  w.struct().field('controlRecordType').string(type).end();
  w.end();
  return { partitionKey: streamId, data: w.finish() };
}

/** Block summary fields, in the order of the block they come from. */
const SUMMARY_FIELDS = [
  'blockAddress',
  'transactionId',
  'blockTimestamp',
  'blockHash',
  'entriesHash',
  'previousBlockHash',
  'entriesHashList',
  'transactionInfo',
  'redactionInfo',
] as const;

/** Field names of the records that a block's own symbol table may lack. */
const RECORD_SYMBOLS = ['qldbStreamArn', 'recordType', 'payload', 'revisionSummaries', 'hash', 'documentId', 'tableInfo', 'tableName', 'tableId', 'revision'] as const;
type RecordSymbol = (typeof RECORD_SYMBOLS)[number];

const SID_SYMBOL_TABLE = SYSTEM_SYMBOLS.indexOf('$ion_symbol_table');
const SID_SYMBOLS = SYSTEM_SYMBOLS.indexOf('symbols');

/**
 * Scratch space for one record's containers, reused from record to record (blockRecords runs
 * to its end synchronously): a stream encodes the whole journal, and fresh buffers for each
 * value cost more in allocation and collection than the encoding itself.
 */
const scratch = { top: new ByteSink(4096), payload: new ByteSink(4096), list: new ByteSink(1024), item: new ByteSink(1024), info: new ByteSink(1024), head: new ByteSink(8) };

function reset(s: ByteSink): ByteSink {
  s.reset();
  return s;
}

/** Each record field name as an Ion string value, encoded once. */
const NAME_VALUES = new Map<string, Uint8Array>();
for (const name of RECORD_SYMBOLS) {
  const v = new ByteSink(name.length + 2);
  writeTypeAndLength(v, T_STRING, name.length);
  v.bytes(Buffer.from(name, 'latin1'));
  NAME_VALUES.set(name, v.result());
}

/**
 * The records of a block share one local symbol table: the block's own symbols, in their order,
 * then the record field names it lacks. Every value taken from the block then keeps its symbol
 * ids, so it is copied as the bytes it is stored as — no walk through its fields (a stream sends
 * the whole journal; re-encoding every revision cost more than the rest of the stream). The
 * block's symbols are copied as their stored bytes too: each block has symbols of its own (the
 * document ids of transactionInfo.documents are field names), so no table can be shared.
 */
class RecordSymbols {
  readonly sid: Record<RecordSymbol, number>;
  /** IVM and the $ion_symbol_table, the same for each record of the block */
  readonly prelude: Uint8Array;

  constructor(block: ParsedBlock) {
    const symbols = block.symbols;
    const sid = {} as Record<RecordSymbol, number>;
    const added: string[] = [];
    for (const name of RECORD_SYMBOLS) {
      const at = symbols.indexOf(name);
      if (at >= SYSTEM_SYMBOLS.length) sid[name] = at;
      else {
        sid[name] = symbols.length + added.length;
        added.push(name);
      }
    }
    this.sid = sid;
    const list = reset(scratch.list);
    const stored = storedSymbols(block);
    if (stored) list.bytes(block.bytes, stored.start, stored.end);
    else {
      for (const text of symbols.slice(SYSTEM_SYMBOLS.length)) {
        if (text === null) list.byte(0x0f);
        else writeString(list, text);
      }
    }
    for (const name of added) list.bytes(NAME_VALUES.get(name)!);
    const table = reset(scratch.item);
    writeVarUInt(table, SID_SYMBOLS);
    wrap(table, T_LIST, list);
    const annotated = reset(scratch.info);
    annotated.byte(0x81);
    writeVarUInt(annotated, SID_SYMBOL_TABLE);
    wrap(annotated, T_STRUCT, table);
    const out = reset(scratch.top);
    out.bytes(IVM);
    wrap(out, T_ANNOTATION, annotated);
    this.prelude = out.result();
  }
}

/**
 * Where the block's local symbols are stored, as the body of its one symbol table's `symbols`
 * list — when the block starts as the journal writes it (IVM, `$ion_symbol_table::{symbols:[…]}`,
 * the block); undefined for any other layout, whose symbols are then written afresh.
 */
function storedSymbols(block: ParsedBlock): { start: number; end: number } | undefined {
  const b = block.bytes;
  if (b.length < 5 || b[0] !== 0xe0 || b[1] !== 0x01 || b[2] !== 0x00 || b[3] !== 0xea) return undefined;
  // an annotation wrapper must follow the IVM (another IVM, a NOP pad: some other writer)
  if (b[4] >> 4 !== T_ANNOTATION || (b[4] & 0x0f) < 3) return undefined;
  const h = new Header();
  readHeader(b, 4, h);
  if (h.end !== block.ref.pos || h.type !== T_STRUCT || h.annEnd - h.annStart !== 1 || b[h.annStart] !== (0x80 | SID_SYMBOL_TABLE)) return undefined;
  let found: { start: number; end: number } | undefined;
  const c = new Header();
  const at = { pos: 0 };
  for (let p = h.body; p < h.end; p = c.end) {
    const fieldSid = readVarUInt(b, p, at);
    readChild(b, at.pos, h.end, c);
    if (fieldSid === SID_SYMBOLS && c.type === T_LIST && !c.isNull && c.annEnd === c.annStart) found = { start: c.body, end: c.end };
    else if (!(c.type === 0 && !c.isNull)) return undefined; // imports or anything else: not the writer's layout
  }
  return found;
}

function writeString(s: ByteSink, text: string): void {
  const bytes = Buffer.from(text, 'utf8');
  writeTypeAndLength(s, T_STRING, bytes.length);
  s.bytes(bytes);
}

/** Appends a container of `type` whose body is `body`. */
function wrap(out: ByteSink, type: number, body: ByteSink): void {
  writeTypeAndLength(out, type, body.len);
  out.bytes(body.buf, 0, body.len);
}

/** Appends a value of the block exactly as stored (annotations included). */
function copy(out: ByteSink, block: ParsedBlock, ref: ValueRef): void {
  out.bytes(block.bytes, ref.pos, ref.h.end);
}

/** `{ qldbStreamArn, recordType, payload }` around a payload body, after the block's prelude. */
function record(symbols: RecordSymbols, arn: Uint8Array, recordType: Uint8Array, payload: ByteSink): Uint8Array {
  const top = reset(scratch.top);
  writeVarUInt(top, symbols.sid.qldbStreamArn);
  top.bytes(arn);
  writeVarUInt(top, symbols.sid.recordType);
  top.bytes(recordType);
  writeVarUInt(top, symbols.sid.payload);
  wrap(top, T_STRUCT, payload);
  const head = reset(scratch.head);
  writeTypeAndLength(head, T_STRUCT, top.len);
  const out = new Uint8Array(symbols.prelude.length + head.len + top.len);
  out.set(symbols.prelude, 0);
  out.set(head.buf.subarray(0, head.len), symbols.prelude.length);
  out.set(top.buf.subarray(0, top.len), symbols.prelude.length + head.len);
  return out;
}

function stringValue(text: string): Uint8Array {
  const s = new ByteSink(text.length + 4);
  writeString(s, text);
  return s.result();
}

const BLOCK_SUMMARY = stringValue('BLOCK_SUMMARY');
const REVISION_DETAILS = stringValue('REVISION_DETAILS');

/** `transactionInfo.documents`: document id → its table's name and id, as stored. */
function documentTables(block: ParsedBlock): Map<string, { tableName?: ValueRef; tableId?: ValueRef }> {
  const out = new Map<string, { tableName?: ValueRef; tableId?: ValueRef }>();
  const info = block.fields.get('transactionInfo');
  if (!info || info.h.type !== T_STRUCT || info.h.isNull) return out;
  const docs = structFields(block.bytes, info.h, block.symbols).get('documents');
  if (!docs || docs.h.type !== T_STRUCT || docs.h.isNull) return out;
  // field names are document ids; structFields keys them by name
  for (const [id, ref] of structFields(block.bytes, docs.h, block.symbols)) {
    if (ref.h.type !== T_STRUCT || ref.h.isNull) continue;
    const f = structFields(block.bytes, ref.h, block.symbols);
    out.set(id, { tableName: f.get('tableName'), tableId: f.get('tableId') });
  }
  return out;
}

/** The BLOCK_SUMMARY and REVISION_DETAILS records of a stored block. */
export function blockRecords(streamArn: string, blockIon: Uint8Array): BlockRecords {
  const block = parseBlock(blockIon);
  const symbols = new RecordSymbols(block);
  const { sid } = symbols;
  const arn = stringValue(streamArn);
  const records: StreamRecord[] = [];

  const summary = reset(scratch.payload);
  for (const name of SUMMARY_FIELDS) {
    const ref = block.fields.get(name);
    if (!ref) continue;
    // the block's own field name, under its own symbol id
    writeVarUInt(summary, block.symbols.indexOf(name));
    copy(summary, block, ref);
  }
  const summarized = block.revisions.filter((r) => r.hash);
  if (summarized.length) {
    const list = reset(scratch.list);
    for (const r of summarized) {
      const item = reset(scratch.item);
      writeVarUInt(item, sid.hash);
      writeTypeAndLength(item, T_BLOB, r.hash!.length);
      item.bytes(r.hash!);
      if (r.documentId !== undefined) {
        writeVarUInt(item, sid.documentId);
        writeString(item, r.documentId);
      }
      wrap(list, T_STRUCT, item);
    }
    writeVarUInt(summary, sid.revisionSummaries);
    wrap(summary, T_LIST, list);
  }
  records.push({ partitionKey: block.strandId, data: record(symbols, arn, BLOCK_SUMMARY, summary) });

  if (block.revisions.length) {
    const tables = documentTables(block);
    for (const r of block.revisions) {
      // a revision without a document id belongs to no user table: QLDB streams user revisions only
      if (r.documentId === undefined) continue;
      const table = tables.get(r.documentId) ?? {};
      const info = reset(scratch.info);
      writeVarUInt(info, sid.tableName);
      if (table.tableName) copy(info, block, table.tableName);
      else writeString(info, '');
      writeVarUInt(info, sid.tableId);
      if (table.tableId) copy(info, block, table.tableId);
      else writeString(info, '');
      const payload = reset(scratch.payload);
      writeVarUInt(payload, sid.tableInfo);
      wrap(payload, T_STRUCT, info);
      writeVarUInt(payload, sid.revision);
      copy(payload, block, r.ref);
      records.push({ partitionKey: r.documentId, data: record(symbols, arn, REVISION_DETAILS, payload) });
    }
  }
  return { sequenceNo: block.sequenceNo, blockTimestampMs: block.blockTimestamp?.getTime() ?? 0, records };
}
