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
import { IonWriter, T_STRING, T_STRUCT, readStringBody } from '../journal/ionBinary';

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

/** `transactionInfo.documents`: document id → its table's name and id. */
function documentTables(block: ParsedBlock): Map<string, { tableName: string; tableId: string }> {
  const out = new Map<string, { tableName: string; tableId: string }>();
  const info = block.fields.get('transactionInfo');
  if (!info || info.h.type !== T_STRUCT || info.h.isNull) return out;
  const docs = structFields(block.bytes, info.h, block.symbols).get('documents');
  if (!docs || docs.h.type !== T_STRUCT || docs.h.isNull) return out;
  // field names are document ids; structFields keys them by name
  for (const [id, ref] of structFields(block.bytes, docs.h, block.symbols)) {
    if (ref.h.type !== T_STRUCT || ref.h.isNull) continue;
    const f = structFields(block.bytes, ref.h, block.symbols);
    out.set(id, { tableName: stringOf(block, f.get('tableName')), tableId: stringOf(block, f.get('tableId')) });
  }
  return out;
}

function stringOf(block: ParsedBlock, ref: ValueRef | undefined): string {
  if (!ref || ref.h.type !== T_STRING || ref.h.isNull) return '';
  return readStringBody(block.bytes, ref.h.body, ref.h.end);
}

/** The BLOCK_SUMMARY and REVISION_DETAILS records of a stored block. */
export function blockRecords(streamArn: string, blockIon: Uint8Array): BlockRecords {
  const block = parseBlock(blockIon);
  const records: StreamRecord[] = [];

  const w = new IonWriter(blockIon.length + 256);
  header(w, streamArn, 'BLOCK_SUMMARY');
  w.struct();
  for (const name of SUMMARY_FIELDS) {
    const ref = block.fields.get(name);
    if (ref) w.field(name).embed(block.bytes, ref.pos, block.symbols);
  }
  const summarized = block.revisions.filter((r) => r.hash);
  if (summarized.length) {
    w.field('revisionSummaries').list();
    for (const r of summarized) {
      w.struct().field('hash').blob(r.hash!);
      if (r.documentId !== undefined) w.field('documentId').string(r.documentId);
      w.end();
    }
    w.end();
  }
  w.end().end();
  records.push({ partitionKey: block.strandId, data: w.finish() });

  if (block.revisions.length) {
    const tables = documentTables(block);
    for (const r of block.revisions) {
      // a revision without a document id belongs to no user table: QLDB streams user revisions only
      if (r.documentId === undefined) continue;
      const table = tables.get(r.documentId) ?? { tableName: '', tableId: '' };
      const rw = new IonWriter(r.ref.h.end - r.ref.pos + 256);
      header(rw, streamArn, 'REVISION_DETAILS');
      rw.struct().field('tableInfo').struct().field('tableName').string(table.tableName).field('tableId').string(table.tableId).end();
      rw.field('revision').embed(block.bytes, r.ref.pos, block.symbols);
      rw.end().end();
      records.push({ partitionKey: r.documentId, data: rw.finish() });
    }
  }
  return { sequenceNo: block.sequenceNo, blockTimestampMs: block.blockTimestamp?.getTime() ?? 0, records };
}

