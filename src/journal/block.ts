/**
 * Journal blocks: assembling one from a committed transaction (buildBlock), reading one back
 * (parseBlock) and its text form (blockToIonText).
 *
 * A block is stored as the exact Ion binary that was hashed, fields in the order QLDB emits them
 * (journal spec §1.2): blockAddress, transactionId, blockTimestamp, blockHash, entriesHash,
 * previousBlockHash, entriesHashList, transactionInfo, redactionInfo?, revisions?.
 *
 * Choices where QLDB is silent (journal spec §7):
 * - entriesHashList = [ M(revision hashes) if there are revisions, H(redactionInfo) if present,
 *   H(transactionInfo) ]. QLDB's extra opaque "internal" entries are not imitated: every
 *   published verifier only checks that these members are present and that the list's Merkle
 *   root is entriesHash, and GetRevision proofs walk exactly this list.
 * - A delete revision (no `data`) hashes as H(metadata) — `dot` with the empty hash.
 * - `transactionInfo.documents` is always written, `{}` when no document was touched.
 * - The genesis block (sequenceNo 0, written at ledger creation) has no statements, no
 *   revisions and a previousBlockHash of 32 zero bytes, which every sample verifier accepts.
 */
import { makeReader, makeTextWriter } from 'ion-js';
import { ionTextToBinary } from './ionText';
import { dot, merkleAuditPath, merkleRoot } from './hash';
import {
  Header,
  IonWriter,
  MalformedIonError,
  SymbolTable,
  T_BLOB,
  T_LIST,
  T_NEGINT,
  T_POSINT,
  T_STRING,
  T_STRUCT,
  T_TIMESTAMP,
  UnsupportedIonError,
  type ValueAt,
  firstValue,
  readChild,
  readStringBody,
  readUIntBody,
  readVarUInt,
  TimestampParts,
  readTimestamp,
} from './ionBinary';
import { ionHash, ionHashAt } from './ionHash';
import { newId } from './ids';

export interface BlockAddress {
  strandId: string;
  sequenceNo: number;
}

export interface StatementInfo {
  statement: string;
  startTime: Date;
  statementDigest: Buffer;
}

export interface DocumentInfo {
  tableName: string;
  tableId: string;
  statements: number[];
}

export interface RevisionMetadata {
  id: string;
  version: number;
  txTime: Date;
  txId: string;
}

export interface RevisionInput {
  /** Ion binary of the user document; absent for a delete revision */
  data?: Uint8Array;
  metadata: RevisionMetadata;
}

export interface RedactionInfo {
  revisions: { blockAddress: BlockAddress; tableId: string; documentId: string; version: number }[];
}

export interface BlockInput {
  strandId: string;
  sequenceNo: number;
  transactionId: string;
  blockTimestamp: Date;
  previousBlockHash: Buffer;
  statements: StatementInfo[];
  /** by document id; a Map spares a commit an object shaped by a random key */
  documents: Record<string, DocumentInfo> | ReadonlyMap<string, DocumentInfo>;
  revisions: RevisionInput[];
  redactionInfo?: RedactionInfo;
}

export interface BuiltRevision {
  documentId: string;
  version: number;
  hash: Buffer;
  /** the committed-view revision struct {blockAddress, hash, data?, metadata} in Ion binary */
  ion: Uint8Array;
}

export interface BuiltBlock {
  sequenceNo: number;
  blockTimestamp: Date;
  blockHash: Buffer;
  entriesHash: Buffer;
  /** Ion binary of the block struct, exactly what was hashed */
  ion: Uint8Array;
  revisions: BuiltRevision[];
}

export const ZERO_HASH: Buffer = Buffer.alloc(32);

/**
 * The writers buildBlock reuses, emptied before each value: each finish() copies its stream
 * out, and a block is built synchronously, so one of each serves every commit.
 */
const writers = { metadata: new IonWriter(), transactionInfo: new IonWriter(1024), revision: new IonWriter(1024), block: new IonWriter(4096) };

/**
 * Where a commit's values are copied out to: slices of Node's Buffer pool. A Uint8Array of its
 * own over 64 bytes is a zeroed allocation outside the heap (malloc, memset, a backing store to
 * sweep), four per commit; these are written whole, so zeroing them is wasted.
 */
const pooled = (size: number): Buffer => Buffer.allocUnsafe(size);

function writeAddress(w: IonWriter, a: BlockAddress): void {
  w.struct().field('strandId').string(a.strandId).field('sequenceNo').int(a.sequenceNo).end();
}

function encodeMetadata(m: RevisionMetadata): ValueAt {
  const w = writers.metadata.reset();
  w.struct()
    .field('id')
    .string(m.id)
    .field('version')
    .int(m.version)
    .field('txTime')
    .timestampMillis(m.txTime)
    .field('txId')
    .string(m.txId)
    .end();
  return w.finishAt(pooled);
}

function encodeTransactionInfo(statements: StatementInfo[], documents: BlockInput['documents']): ValueAt {
  const w = writers.transactionInfo.reset();
  w.struct().field('statements').list();
  for (const s of statements) {
    w.struct()
      .field('statement')
      .string(s.statement)
      .field('startTime')
      .timestampMillis(s.startTime)
      .field('statementDigest')
      .blob(s.statementDigest)
      .end();
  }
  w.end().field('documents').struct();
  for (const [id, d] of documents instanceof Map ? documents : Object.entries(documents)) {
    w.field(id).struct().field('tableName').string(d.tableName).field('tableId').string(d.tableId).field('statements').list();
    for (const i of d.statements) w.int(i);
    w.end().end();
  }
  w.end().end();
  return w.finishAt(pooled);
}

function encodeRedactionInfo(r: RedactionInfo): Uint8Array {
  const w = new IonWriter();
  w.struct().field('revisions').list();
  for (const x of r.revisions) {
    w.struct().field('blockAddress');
    writeAddress(w, x.blockAddress);
    w.field('tableId').string(x.tableId).field('documentId').string(x.documentId).field('version').int(x.version).end();
  }
  w.end().end();
  return w.finish();
}

/**
 * A standalone value this module wrote (metadata, transactionInfo, …), read once for both its
 * hash and its embedding: reading the symbol table is a good part of either.
 */
interface OwnValue {
  bytes: Uint8Array;
  at: { pos: number; h: Header; symbols: SymbolTable };
  hash: Buffer;
}

function ownValue(bytes: Uint8Array): OwnValue {
  const at = firstValue(bytes);
  return { bytes, at, hash: ionHashAt(bytes, at.h, at.symbols) };
}

/** ownValue of a value this module has just written, located by its writer. */
function written(v: ValueAt): OwnValue {
  return { bytes: v.bytes, at: v, hash: ionHashAt(v.bytes, v.h, v.symbols) };
}

function embedOwn(w: IonWriter, v: OwnValue): void {
  w.embed(v.bytes, v.at.pos, v.at.symbols);
}

/** A document's hash and its embedding from one read, unless ionHash must take its slow path. */
function userValue(bytes: Uint8Array): OwnValue {
  try {
    return ownValue(bytes);
  } catch (e) {
    // what the fast hasher does not take, ionHash hashes through ion-js
    if (!(e instanceof UnsupportedIonError)) throw e;
    return { bytes, at: firstValue(bytes), hash: ionHash(bytes) };
  }
}

function asBinary(data: Uint8Array): Uint8Array {
  if (data.length >= 4 && data[0] === 0xe0 && data[1] === 0x01 && data[2] === 0x00 && data[3] === 0xea) return data;
  // Ion text documents are accepted for convenience; they are stored (and hashed) as binary
  return ionTextToBinary(data);
}

export function buildBlock(input: BlockInput): BuiltBlock {
  const address: BlockAddress = { strandId: input.strandId, sequenceNo: input.sequenceNo };
  const revisions: BuiltRevision[] = [];
  const revisionIons: OwnValue[] = [];
  for (const r of input.revisions) {
    const meta = written(encodeMetadata(r.metadata));
    const data = r.data === undefined ? undefined : userValue(asBinary(r.data));
    const hash = data === undefined ? meta.hash : dot(meta.hash, data.hash);
    const w = writers.revision.reset();
    w.struct().field('blockAddress');
    writeAddress(w, address);
    w.field('hash').blob(hash);
    if (data !== undefined) {
      w.field('data');
      embedOwn(w, data);
    }
    w.field('metadata');
    embedOwn(w, meta);
    w.end();
    const at = w.finishAt(pooled);
    revisions.push({ documentId: r.metadata.id, version: r.metadata.version, hash, ion: at.bytes });
    revisionIons.push({ bytes: at.bytes, at, hash });
  }

  const txInfo = written(encodeTransactionInfo(input.statements, input.documents));
  const redaction = input.redactionInfo ? ownValue(encodeRedactionInfo(input.redactionInfo)) : undefined;
  const entriesHashList: Buffer[] = [];
  if (revisions.length) entriesHashList.push(merkleRoot(revisions.map((r) => r.hash)));
  if (redaction) entriesHashList.push(redaction.hash);
  entriesHashList.push(txInfo.hash);
  const entriesHash = merkleRoot(entriesHashList);
  const blockHash = dot(entriesHash, input.previousBlockHash);

  const w = writers.block.reset();
  w.struct().field('blockAddress');
  writeAddress(w, address);
  w.field('transactionId').string(input.transactionId);
  w.field('blockTimestamp').timestampMillis(input.blockTimestamp);
  w.field('blockHash').blob(blockHash);
  w.field('entriesHash').blob(entriesHash);
  w.field('previousBlockHash').blob(input.previousBlockHash);
  w.field('entriesHashList').list();
  for (const e of entriesHashList) w.blob(e);
  w.end();
  w.field('transactionInfo');
  embedOwn(w, txInfo);
  if (redaction) {
    w.field('redactionInfo');
    embedOwn(w, redaction);
  }
  if (revisions.length) {
    w.field('revisions').list();
    for (const r of revisionIons) embedOwn(w, r);
    w.end();
  }
  w.end();
  return {
    sequenceNo: input.sequenceNo,
    blockTimestamp: new Date(input.blockTimestamp.getTime()),
    blockHash,
    entriesHash,
    ion: w.finish(pooled),
    revisions,
  };
}

/** Block 0 of a new strand (see the module comment). */
export function genesisBlock(strandId: string, timestamp: Date, transactionId: string = newId()): BuiltBlock {
  return buildBlock({
    strandId,
    sequenceNo: 0,
    transactionId,
    blockTimestamp: timestamp,
    previousBlockHash: ZERO_HASH,
    statements: [],
    documents: {},
    revisions: [],
  });
}

/** The Ion text of a stored block (or any Ion value), as GetBlock and GetRevision return it. */
export function blockToIonText(ion: Uint8Array): string {
  const r = makeReader(ion);
  const w = makeTextWriter();
  w.writeValues(r);
  w.close();
  return Buffer.from(w.getBytes()).toString('utf8');
}

// ------------------------------------------------------------------------------------------------
// Reading blocks back

/** A located value inside a block's bytes. */
export interface ValueRef {
  pos: number;
  h: Header;
}

export interface ParsedRevision {
  /** metadata.id, absent for hash-only (system) revisions */
  documentId?: string;
  version?: number;
  hash?: Buffer;
  ref: ValueRef;
  fields: Map<string, ValueRef>;
}

export interface ParsedBlock {
  bytes: Uint8Array;
  symbols: SymbolTable;
  ref: ValueRef;
  fields: Map<string, ValueRef>;
  strandId: string;
  sequenceNo: number;
  transactionId?: string;
  blockTimestamp?: Date;
  blockHash: Buffer;
  entriesHash: Buffer;
  previousBlockHash: Buffer;
  entriesHashList: Buffer[];
  revisions: ParsedRevision[];
}

export class BlockFormatError extends Error {}

const BLOCK_FIELDS = new Set([
  'blockAddress', 'transactionId', 'blockTimestamp', 'blockHash', 'entriesHash', 'previousBlockHash',
  'entriesHashList', 'transactionInfo', 'redactionInfo', 'revisions',
]);

/**
 * Fields of the struct at `h` by name. With `allowed`, the struct must hold only those names,
 * each once: QLDB's own verifier (Jackson, default config) rejects unknown properties, and a
 * strict reading keeps a damaged block from parsing as a different, valid-looking one.
 */
export function structFields(b: Uint8Array, h: Header, syms: SymbolTable, allowed?: Set<string>): Map<string, ValueRef> {
  const out = new Map<string, ValueRef>();
  const p = { pos: 0 };
  let q = h.body;
  while (q < h.end) {
    const sid = readVarUInt(b, q, p);
    const c = new Header();
    readChild(b, p.pos, h.end, c);
    q = c.end;
    if (c.type === 0 && !c.isNull) continue;
    const name = syms[sid];
    if (allowed) {
      if (name == null || !allowed.has(name)) throw new BlockFormatError(`unexpected field ${name ?? '$' + sid}`);
      if (out.has(name)) throw new BlockFormatError(`repeated field ${name}`);
    }
    if (name != null && !out.has(name)) out.set(name, { pos: p.pos, h: c });
  }
  return out;
}

export function listItems(b: Uint8Array, h: Header): ValueRef[] {
  const out: ValueRef[] = [];
  let q = h.body;
  while (q < h.end) {
    const c = new Header();
    readChild(b, q, h.end, c);
    const pos = q;
    q = c.end;
    if (c.type === 0 && !c.isNull) continue;
    out.push({ pos, h: c });
  }
  return out;
}

function need(fields: Map<string, ValueRef>, name: string, type: number, what: string): ValueRef {
  const v = fields.get(name);
  if (!v || v.h.isNull || v.h.type !== type) throw new BlockFormatError(`${what}: missing or mistyped field '${name}'`);
  return v;
}

/** A view into the block's bytes, not a copy: keep it only as long as the block (or copy it). */
function blobOf(b: Uint8Array, v: ValueRef): Buffer {
  return Buffer.from(b.buffer, b.byteOffset + v.h.body, v.h.end - v.h.body);
}

function intOf(b: Uint8Array, v: ValueRef): number {
  return intAt(b, v.h);
}

function intAt(b: Uint8Array, h: Header): number {
  const n = readUIntBody(b, h.body, h.end);
  return h.type === T_NEGINT ? -n : n;
}

/**
 * The fields of a small struct read straight out, first occurrence of each name, without a Map:
 * every block and revision carries a blockAddress and a metadata, and a Map of located fields
 * apiece was a fifth of what verifying a block allocated. Returns which of `names` (at most
 * four) were found, bit i for names[i]; field i is then in smallFields[i], until the next call.
 */
export const smallFields: readonly Header[] = [new Header(), new Header(), new Header(), new Header()];
const skipped = new Header();
const smallFieldPos = { pos: 0 };
export function readSmallStruct(b: Uint8Array, h: Header, syms: SymbolTable, names: readonly string[]): number {
  let found = 0;
  let q = h.body;
  while (q < h.end) {
    const sid = readVarUInt(b, q, smallFieldPos);
    const i = names.indexOf(syms[sid] as string);
    const c = i >= 0 && i < smallFields.length && !(found & (1 << i)) ? smallFields[i] : skipped;
    readChild(b, smallFieldPos.pos, h.end, c);
    q = c.end;
    if (c !== skipped && !(c.type === 0 && !c.isNull)) found |= 1 << i;
  }
  return found;
}

const isInt = (c: Header) => !c.isNull && (c.type === T_POSINT || c.type === T_NEGINT);
const ADDRESS_FIELDS = ['strandId', 'sequenceNo'];

export function readBlockAddress(b: Uint8Array, h: Header, syms: SymbolTable): BlockAddress {
  if (h.type !== T_STRUCT || h.isNull) throw new BlockFormatError('blockAddress is not a struct');
  const found = readSmallStruct(b, h, syms, ADDRESS_FIELDS);
  const s = smallFields[0];
  const q = smallFields[1];
  if (!(found & 1) || s.isNull || s.type !== T_STRING) throw new BlockFormatError("blockAddress: missing or mistyped field 'strandId'");
  if (!(found & 2) || !isInt(q)) throw new BlockFormatError('blockAddress: missing sequenceNo');
  return { strandId: readStringBody(b, s.body, s.end), sequenceNo: intAt(b, q) };
}

/**
 * The address of a block that could not be read whole, if its blockAddress field can be: so that
 * a failure names the block, not only its object.
 */
export function addressOfUnreadable(b: Uint8Array, h: Header, syms: SymbolTable): BlockAddress | undefined {
  try {
    if (h.type !== T_STRUCT || h.isNull) return undefined;
    const address = structFields(b, h, syms).get('blockAddress');
    return address && readBlockAddress(b, address.h, syms);
  } catch {
    return undefined;
  }
}

const stamp = new TimestampParts();

function timestampOf(b: Uint8Array, v: ValueRef): Date {
  // no hash covers blockTimestamp, and GetBlock reads it through ion-js: it is held to what Ion
  // allows as hashed values are (every read stops at the value's end)
  try {
    readTimestamp(b, v.h.body, v.h.end, stamp);
  } catch (e) {
    if (e instanceof MalformedIonError) throw new MalformedIonError(`blockTimestamp: ${e.message}`);
    throw e;
  }
  // Ion binary timestamps carry UTC fields whatever the offset, so the offset is not needed
  const [y, mo, d, hh, mi, ss] = stamp.fields;
  const n = stamp.count;
  const ms = stamp.hasFraction ? Math.floor(readUIntBody(b, stamp.magnitudeStart, v.h.end) * 10 ** (3 + stamp.exponent)) : 0;
  const date = new Date(0);
  date.setUTCFullYear(y, n > 1 ? mo - 1 : 0, n > 2 ? d : 1);
  date.setUTCHours(n > 3 ? hh : 0, n > 4 ? mi : 0, n > 5 ? ss : 0, ms);
  return date;
}

const REVISION_FIELDS = new Set(['blockAddress', 'hash', 'data', 'dataHash', 'metadata']);

/** Locates a block's fields in its Ion binary. Throws BlockFormatError / MalformedIonError. */
export function parseBlock(bytes: Uint8Array): ParsedBlock {
  const v = firstValue(bytes);
  return parseBlockAt(bytes, v.pos, v.h, v.symbols);
}

export function parseBlockAt(bytes: Uint8Array, pos: number, h: Header, symbols: SymbolTable): ParsedBlock {
  if (h.type !== T_STRUCT || h.isNull) throw new BlockFormatError('the block is not a struct');
  const fields = structFields(bytes, h, symbols, BLOCK_FIELDS);
  const addr = readBlockAddress(bytes, need(fields, 'blockAddress', T_STRUCT, 'block').h, symbols);
  const txId = fields.get('transactionId');
  const ts = fields.get('blockTimestamp');
  const list = listItems(bytes, need(fields, 'entriesHashList', T_LIST, 'block').h);
  const entriesHashList = list.map((x) => {
    if (x.h.type !== T_BLOB || x.h.isNull) throw new BlockFormatError('entriesHashList holds a non-blob');
    return blobOf(bytes, x);
  });
  const revisions: ParsedRevision[] = [];
  const revs = fields.get('revisions');
  if (revs) {
    if (revs.h.type !== T_LIST || revs.h.isNull) throw new BlockFormatError('revisions is not a list');
    for (const r of listItems(bytes, revs.h)) revisions.push(parseRevisionAt(bytes, r, symbols));
  }
  return {
    bytes,
    symbols,
    ref: { pos, h },
    fields,
    strandId: addr.strandId,
    sequenceNo: addr.sequenceNo,
    transactionId: txId && txId.h.type === T_STRING && !txId.h.isNull ? readStringBody(bytes, txId.h.body, txId.h.end) : undefined,
    blockTimestamp: ts && ts.h.type === T_TIMESTAMP && !ts.h.isNull ? timestampOf(bytes, ts) : undefined,
    blockHash: blobOf(bytes, need(fields, 'blockHash', T_BLOB, 'block')),
    entriesHash: blobOf(bytes, need(fields, 'entriesHash', T_BLOB, 'block')),
    previousBlockHash: blobOf(bytes, need(fields, 'previousBlockHash', T_BLOB, 'block')),
    entriesHashList,
    revisions,
  };
}

/**
 * Locates a revision's fields: one of a block's, or a revision on its own as GetRevision
 * answers it. Throws BlockFormatError / MalformedIonError.
 */
export function parseRevisionAt(bytes: Uint8Array, r: ValueRef, symbols: SymbolTable): ParsedRevision {
  if (r.h.type !== T_STRUCT || r.h.isNull) throw new BlockFormatError('a revision is not a struct');
  const rf = structFields(bytes, r.h, symbols, REVISION_FIELDS);
  const hv = rf.get('hash');
  const parsed: ParsedRevision = { ref: r, fields: rf, hash: hv && hv.h.type === T_BLOB && !hv.h.isNull ? blobOf(bytes, hv) : undefined };
  const meta = rf.get('metadata');
  if (meta && meta.h.type === T_STRUCT && !meta.h.isNull) {
    const found = readSmallStruct(bytes, meta.h, symbols, METADATA_FIELDS);
    const id = smallFields[0];
    const ver = smallFields[1];
    if (found & 1 && id.type === T_STRING && !id.isNull) parsed.documentId = readStringBody(bytes, id.body, id.end);
    if (found & 2 && isInt(ver)) parsed.version = intAt(bytes, ver);
  }
  return parsed;
}

const METADATA_FIELDS = ['id', 'version'];

/** Ion hash of a located value of the block. */
export function hashOf(block: ParsedBlock, ref: ValueRef): Buffer {
  return ionHashAt(block.bytes, ref.h, block.symbols);
}

/** The revision of `documentId` in the block, or undefined. */
export function findRevision(block: ParsedBlock, documentId: string): ParsedRevision | undefined {
  return block.revisions.find((r) => r.documentId === documentId);
}

/**
 * The in-block part of a GetRevision proof (journal spec §2.10): the revision's path inside
 * M(revisions), that root's path inside entriesHashList, then previousBlockHash — folding the
 * revision hash with it gives the block hash.
 */
export function revisionProofInBlock(block: ParsedBlock, revision: ParsedRevision): Buffer[] {
  const hashes = block.revisions.map((r) => {
    if (!r.hash) throw new BlockFormatError('a revision has no hash');
    return r.hash;
  });
  const index = block.revisions.indexOf(revision);
  const root = merkleRoot(hashes);
  const at = block.entriesHashList.findIndex((e) => e.equals(root));
  if (index < 0 || at < 0) throw new BlockFormatError('the revisions root is not in entriesHashList');
  return [...merkleAuditPath(hashes, index), ...merkleAuditPath(block.entriesHashList, at), block.previousBlockHash];
}

/** A standalone Ion binary copy of one value of the block (a revision, for GetRevision). */
export function extractValue(block: ParsedBlock, ref: ValueRef): Uint8Array {
  const w = new IonWriter();
  w.embed(block.bytes, ref.pos, block.symbols);
  return w.finish();
}

export { MalformedIonError };

/**
 * The block with one revision redacted (journal spec §1.4): its `data` replaced by
 * `dataHash` = H(data). The revision hash, and so every block hash and proof, is unchanged.
 * Returns undefined when the block has no such revision (or it is already redacted / a delete).
 */
export function redactRevisionInBlock(
  ion: Uint8Array,
  documentId: string,
  version: number,
): { ion: Uint8Array; revision: Uint8Array } | undefined {
  const block = parseBlock(ion);
  const target = block.revisions.find((r) => r.documentId === documentId && r.version === version);
  const data = target?.fields.get('data');
  if (!target || !data) return undefined;
  const dataHash = hashOf(block, data);
  const writeRevision = (w: IonWriter) => {
    w.struct();
    for (const [name, ref] of target.fields) {
      if (name === 'data') w.field('dataHash').blob(dataHash);
      else w.field(name).embed(block.bytes, ref.pos, block.symbols);
    }
    w.end();
  };
  const w = new IonWriter();
  w.struct();
  for (const [name, ref] of block.fields) {
    w.field(name);
    if (name !== 'revisions') {
      w.embed(block.bytes, ref.pos, block.symbols);
      continue;
    }
    w.list();
    for (const r of block.revisions) {
      if (r === target) writeRevision(w);
      else w.embed(block.bytes, r.ref.pos, block.symbols);
    }
    w.end();
  }
  w.end();
  const rw = new IonWriter();
  writeRevision(rw);
  return { ion: w.finish(), revision: rw.finish() };
}
