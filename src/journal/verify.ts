/**
 * Independent re-verification of stored or exported blocks: every check a QLDB auditor's
 * verifier makes (AWS's Java/Node samples, ValidateQldbHashChain), recomputed from the bytes.
 */
import { EMPTY_HASH, dot, merkleRoot } from './hash';
import { BlockFormatError, ParsedBlock, ParsedRevision, addressOfUnreadable, hashOf, parseBlockAt, readBlockAddress } from './block';
import { Header, MalformedIonError, SymbolTable, T_BLOB, T_STRUCT, UnsupportedIonError, firstValue } from './ionBinary';
import { ionHashAt } from './ionHash';

export type BlockCheck =
  | 'format'
  | 'revisionHash'
  | 'revisionsRoot'
  | 'transactionInfoHash'
  | 'redactionInfoHash'
  | 'entriesHash'
  | 'blockHash'
  | 'chain'
  | 'revisionAddress';

export interface BlockFailure {
  ok: false;
  /** the block's address when it could be read */
  strandId?: string;
  sequenceNo?: number;
  check: BlockCheck;
  message: string;
}

export interface BlockSuccess {
  ok: true;
  block: ParsedBlock;
}

export type BlockVerification = BlockSuccess | BlockFailure;

function where(b: { strandId: string; sequenceNo: number }): string {
  return `block {strandId:"${b.strandId}",sequenceNo:${b.sequenceNo}}`;
}

/** Verifies the block in `ion` (a stream whose first value is the block). */
export function verifyBlock(ion: Uint8Array, expectedPreviousBlockHash?: Uint8Array): BlockVerification {
  let v: ReturnType<typeof firstValue>;
  try {
    v = firstValue(ion);
  } catch (e) {
    return formatFailure(e);
  }
  return verifyBlockAt(ion, v.pos, v.h, v.symbols, expectedPreviousBlockHash);
}

/** Verifies a block located inside a larger stream (an export object). */
export function verifyBlockAt(
  bytes: Uint8Array,
  pos: number,
  h: Header,
  symbols: SymbolTable,
  expectedPreviousBlockHash?: Uint8Array,
): BlockVerification {
  let block: ParsedBlock;
  try {
    block = parseBlockAt(bytes, pos, h, symbols);
  } catch (e) {
    const f = formatFailure(e);
    const address = addressOfUnreadable(bytes, h, symbols);
    return address ? { ...f, ...address, message: `${where(address)}: ${f.message}` } : f;
  }
  return verifyParsedBlock(block, expectedPreviousBlockHash);
}

function formatFailure(e: unknown): BlockFailure {
  if (e instanceof BlockFormatError || e instanceof MalformedIonError || e instanceof UnsupportedIonError || e instanceof RangeError) {
    return { ok: false, check: 'format', message: `not a readable block: ${(e as Error).message}` };
  }
  throw e;
}

/**
 * The hash a revision must carry (journal spec §2.4), recomputed from the revision itself:
 * dot(H(metadata), H(data)); a redacted revision's stored dataHash stands for H(data), and a
 * delete (no data) hashes as H(metadata). Undefined for a hash-only (system) revision, which has
 * no metadata. Throws BlockFormatError for a metadata or dataHash of the wrong type.
 */
export function revisionHashOf(bytes: Uint8Array, symbols: SymbolTable, r: ParsedRevision): Buffer | undefined {
  const meta = r.fields.get('metadata');
  if (!meta) return undefined;
  if (meta.h.type !== T_STRUCT || meta.h.isNull) throw new BlockFormatError('metadata is not a struct');
  const data = r.fields.get('data');
  const dataHash = r.fields.get('dataHash');
  let hData: Buffer = EMPTY_HASH;
  if (data) hData = ionHashAt(bytes, data.h, symbols);
  else if (dataHash) {
    if (dataHash.h.type !== T_BLOB || dataHash.h.isNull) throw new BlockFormatError('dataHash is not a blob');
    hData = Buffer.from(bytes.subarray(dataHash.h.body, dataHash.h.end));
  }
  return dot(ionHashAt(bytes, meta.h, symbols), hData);
}

export function verifyParsedBlock(block: ParsedBlock, expectedPreviousBlockHash?: Uint8Array): BlockVerification {
  const fail = (check: BlockCheck, message: string): BlockFailure => ({
    ok: false,
    strandId: block.strandId,
    sequenceNo: block.sequenceNo,
    check,
    message: `${where(block)}: ${message}`,
  });
  try {
    const list = block.entriesHashList;
    const inList = (h: Buffer) => list.some((e) => e.equals(h));

    const revisionHashes: Buffer[] = [];
    for (let i = 0; i < block.revisions.length; i++) {
      const r = block.revisions[i];
      if (!r.hash || r.hash.length !== 32) return fail('revisionHash', `revision ${i} has no 32-byte hash`);
      revisionHashes.push(r.hash);
      // not covered by any hash in QLDB's design, so at least it must name this very block
      const addr = r.fields.get('blockAddress');
      if (addr) {
        const a = readBlockAddress(block.bytes, addr.h, block.symbols);
        if (a.strandId !== block.strandId || a.sequenceNo !== block.sequenceNo) {
          return fail('revisionAddress', `revision ${i} (document ${r.documentId ?? '?'}) names another block address`);
        }
      }
      let expected: Buffer | undefined;
      try {
        expected = revisionHashOf(block.bytes, block.symbols, r);
      } catch (e) {
        if (e instanceof BlockFormatError) return fail('format', `revision ${i}: ${e.message}`);
        if (e instanceof MalformedIonError || e instanceof UnsupportedIonError) {
          return fail('format', `revision ${i} (document ${r.documentId ?? '?'} version ${r.version ?? '?'}): not readable: ${e.message}`);
        }
        throw e;
      }
      // a hash-only entry is a system revision: it only takes part in the Merkle root
      if (!expected) continue;
      if (!expected.equals(r.hash)) {
        return fail('revisionHash', `revision ${i} (document ${r.documentId ?? '?'} version ${r.version ?? '?'}): hash does not match its metadata and data`);
      }
    }
    if (revisionHashes.length && !inList(merkleRoot(revisionHashes))) {
      return fail('revisionsRoot', 'the Merkle root of the revision hashes is not in entriesHashList');
    }
    const txInfo = block.fields.get('transactionInfo');
    if (!txInfo || txInfo.h.type !== T_STRUCT || txInfo.h.isNull) return fail('format', 'no transactionInfo struct');
    if (!inList(hashOf(block, txInfo))) return fail('transactionInfoHash', 'the hash of transactionInfo is not in entriesHashList');
    const redaction = block.fields.get('redactionInfo');
    if (redaction && (redaction.h.type !== T_STRUCT || redaction.h.isNull)) return fail('format', 'redactionInfo is not a struct');
    if (redaction && !inList(hashOf(block, redaction))) {
      return fail('redactionInfoHash', 'the hash of redactionInfo is not in entriesHashList');
    }
    if (!merkleRoot(list).equals(block.entriesHash)) return fail('entriesHash', 'entriesHash is not the Merkle root of entriesHashList');
    if (!dot(block.entriesHash, block.previousBlockHash).equals(block.blockHash)) {
      return fail('blockHash', 'blockHash is not dot(entriesHash, previousBlockHash)');
    }
    if (expectedPreviousBlockHash && !block.previousBlockHash.equals(expectedPreviousBlockHash)) {
      return fail('chain', "previousBlockHash is not the previous block's blockHash");
    }
    return { ok: true, block };
  } catch (e) {
    const f = formatFailure(e);
    return { ...f, strandId: block.strandId, sequenceNo: block.sequenceNo, message: `${where(block)}: ${f.message}` };
  }
}
