/**
 * Re-verifies a journal export (control-plane.md §4.3) object by object, in manifest order:
 * every block's own hashes (verify.ts), the chain across blocks and objects, consecutive
 * sequence numbers within one strand, object keys that match the blocks they hold, and block
 * timestamps that never decrease and lie in the export's time range (no hash covers
 * blockTimestamp, so a block moved in time would otherwise verify). With a digest and tip it
 * also checks that blocks 0..tip fold into that digest. Pure: the caller reads the objects
 * (local directory, S3) and feeds them in.
 */
import { ionTextToBinary } from './ionText';
import { StreamingDigest } from './digestTree';
import { forEachTopLevel, MalformedIonError, UnsupportedIonError } from './ionBinary';
import { BlockCheck, verifyBlockAt } from './verify';
import type { ParsedBlock } from './block';

export type ExportCheck =
  | BlockCheck
  | 'sequence'
  | 'strand'
  | 'objectRange'
  | 'timestampOrder'
  | 'timeRange'
  | 'digest'
  | 'emptyObject'
  | 'startedManifest'
  | 'omittedObject';

export interface ExportFailure {
  key: string;
  sequenceNo?: number;
  check: ExportCheck;
  message: string;
}

/** `<strandId>.<firstSeq>-<lastSeq>.<ext>`, the last path segment of a data object's key. */
export const OBJECT_NAME = /(?:^|\/)([0-9A-Za-z]{22})\.(\d+)-(\d+)\.(ion|json)$/;

function isIonBinary(b: Uint8Array): boolean {
  return b.length >= 4 && b[0] === 0xe0 && b[1] === 0x01 && b[2] === 0x00 && b[3] === 0xea;
}

/** Text exports are verified on their binary form. */
export const textToBinary = ionTextToBinary;

/** What one data object holds and whether it verified on its own (see verifyObject). */
export interface ObjectSummary {
  key: string;
  /** the first failure inside the object; the blocks before it are summarised below */
  failure?: ExportFailure;
  blocks: number;
  strandId?: string;
  firstSeq?: number;
  lastSeq?: number;
  /** previousBlockHash of the first block, to link with the object before */
  firstPreviousHash?: Buffer;
  lastBlockHash?: Buffer;
  /** blockTimestamps (epoch ms) of the first and last block, to link with the object before */
  firstTimestamp?: number;
  lastTimestamp?: number;
  /** block hashes of sequence numbers ≤ hashesUpTo, in order, when asked for (digest checks) */
  blockHashes: Buffer[];
}

/** The export's time range from its started manifest, in epoch milliseconds: [start, end). */
export interface ExportRange {
  start: number;
  end: number;
}

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * A block of an object that verified, handed over while its object is verified (see
 * verifyObject): a view into the object's bytes, valid while they are. `stream` is the block as
 * a standalone Ion binary stream when the object holds it so (a version marker before it and
 * before the next value, as openqldb's Ion binary exports concatenate stored blocks).
 */
export type VerifiedBlockVisitor = (block: ParsedBlock, stream: Uint8Array | undefined) => void;

/**
 * Verifies one data object on its own: every block's hashes, and the chain, sequence, strand and
 * timestamps within the object (in `range` when given), and the key's range. Independent of
 * other objects, so objects can be verified in parallel and linked in manifest order by
 * ExportVerifier.link. `onBlock` sees each block that passed these checks, in order, parsed once
 * for both (an import reads its blocks so); the object's own failure may still come later.
 */
export function verifyObject(
  key: string,
  bytes: Uint8Array,
  strandId?: string,
  hashesUpTo = -1,
  range?: ExportRange,
  onBlock?: VerifiedBlockVisitor,
): ObjectSummary {
  const summary: ObjectSummary = { key, blocks: 0, strandId, blockHashes: [] };
  let binary: Uint8Array;
  try {
    binary = isIonBinary(bytes) ? bytes : textToBinary(bytes);
  } catch (e) {
    summary.failure = { key, check: 'format', message: `${key}: not readable as Ion: ${(e as Error).message}` };
    return summary;
  }
  let previousHash: Buffer | undefined;
  // a block is handed to onBlock once the next value shows whether it is a stream of its own
  let held: { block: ParsedBlock; start: number; end: number } | undefined;
  let valueStart = 0;
  const release = (nextStart: number | undefined) => {
    if (!held) return;
    const own = binary === bytes && isIonBinary(binary.subarray(held.start)) && (nextStart === undefined || isIonBinary(binary.subarray(nextStart)));
    onBlock!(held.block, own ? binary.subarray(held.start, held.end) : undefined);
    held = undefined;
  };
  try {
    forEachTopLevel(binary, (pos, h, symbols) => {
      if (summary.failure) return;
      const start = valueStart;
      valueStart = h.end;
      const v = verifyBlockAt(binary, pos, h, symbols);
      if (!v.ok) {
        summary.failure = { key, sequenceNo: v.sequenceNo, check: v.check, message: `${key}: ${v.message}` };
        return;
      }
      const b = v.block;
      const where = () => `${key}: block {strandId:"${b.strandId}",sequenceNo:${b.sequenceNo}}`;
      if (summary.strandId !== undefined && b.strandId !== summary.strandId) {
        summary.failure = { key, sequenceNo: b.sequenceNo, check: 'strand', message: `${where()}: belongs to another strand than ${summary.strandId}` };
        return;
      }
      if (summary.lastSeq !== undefined && b.sequenceNo !== summary.lastSeq + 1) {
        summary.failure = { key, sequenceNo: b.sequenceNo, check: 'sequence', message: sequenceMessage(where(), summary.lastSeq) };
        return;
      }
      if (previousHash && !b.previousBlockHash.equals(previousHash)) {
        summary.failure = { key, sequenceNo: b.sequenceNo, check: 'chain', message: `${where()}: previousBlockHash is not the previous block's blockHash` };
        return;
      }
      if (!b.blockTimestamp) {
        summary.failure = { key, sequenceNo: b.sequenceNo, check: 'format', message: `${where()}: no blockTimestamp` };
        return;
      }
      const t = b.blockTimestamp.getTime();
      const late = summary.lastTimestamp !== undefined && t < summary.lastTimestamp ? timestampOrderFailure(key, where(), b.sequenceNo, t, summary.lastTimestamp) : undefined;
      const outside = late ?? (range && (t < range.start || t >= range.end) ? timeRangeFailure(key, where(), b.sequenceNo, t, range) : undefined);
      if (outside) {
        summary.failure = outside;
        return;
      }
      if (onBlock) {
        release(start);
        held = { block: b, start, end: h.end };
      }
      summary.strandId = b.strandId;
      // hashes kept past this object are copied: the parsed ones are views into its bytes
      if (summary.firstSeq === undefined) {
        summary.firstSeq = b.sequenceNo;
        summary.firstPreviousHash = Buffer.from(b.previousBlockHash);
        summary.firstTimestamp = t;
      }
      if (b.sequenceNo <= hashesUpTo) summary.blockHashes.push(Buffer.from(b.blockHash));
      previousHash = b.blockHash;
      summary.lastSeq = b.sequenceNo;
      summary.lastBlockHash = b.blockHash;
      summary.lastTimestamp = t;
      summary.blocks++;
    });
  } catch (e) {
    if (e instanceof MalformedIonError || e instanceof UnsupportedIonError) {
      const at = summary.lastSeq === undefined ? '' : ` after block ${summary.lastSeq}`;
      summary.failure = { key, check: 'format', message: `${key}: damaged Ion data${at}: ${e.message}` };
      return summary;
    }
    throw e;
  }
  if (summary.lastBlockHash) summary.lastBlockHash = Buffer.from(summary.lastBlockHash);
  if (summary.failure) return summary;
  if (onBlock) release(undefined);
  if (summary.blocks === 0) {
    summary.failure = { key, check: 'emptyObject', message: `${key}: holds no block` };
    return summary;
  }
  const name = OBJECT_NAME.exec(key);
  if (name) {
    const [, strand, lo, hi] = name;
    if (strand !== summary.strandId || Number(lo) !== summary.firstSeq || Number(hi) !== summary.lastSeq) {
      summary.failure = {
        key,
        sequenceNo: summary.firstSeq,
        check: 'objectRange',
        message: `${key}: the key names blocks ${strand}.${lo}-${hi} but the object holds ${summary.strandId}.${summary.firstSeq}-${summary.lastSeq}`,
      };
    }
  }
  return summary;
}

/**
 * Looks, in a data object the completed manifest does not list, for a block the export must have
 * held: one of its strand, with a blockTimestamp in the export's range and a sequence number the
 * listed objects do not cover (`covered`, absent when they hold no block). Such a block proves
 * that its object was left out of the manifest. Objects of other exports share the directory, so
 * blocks outside the range are expected; blocks that do not verify on their own, and objects
 * that cannot be read, prove nothing and are passed over.
 */
export function findOmittedBlock(
  key: string,
  bytes: Uint8Array,
  strandId: string,
  range: ExportRange,
  covered: { first: number; last: number } | undefined,
  manifestKey: string,
): ExportFailure | undefined {
  let binary: Uint8Array;
  try {
    binary = isIonBinary(bytes) ? bytes : textToBinary(bytes);
  } catch {
    return undefined;
  }
  let found: ExportFailure | undefined;
  try {
    forEachTopLevel(binary, (pos, h, symbols) => {
      if (found) return;
      const v = verifyBlockAt(binary, pos, h, symbols);
      if (!v.ok) return;
      const b = v.block;
      if (b.strandId !== strandId || !b.blockTimestamp) return;
      const t = b.blockTimestamp.getTime();
      if (t < range.start || t >= range.end) return;
      if (covered && b.sequenceNo >= covered.first && b.sequenceNo <= covered.last) return;
      found = {
        key,
        sequenceNo: b.sequenceNo,
        check: 'omittedObject',
        message:
          `${key}: block {strandId:"${b.strandId}",sequenceNo:${b.sequenceNo}} has blockTimestamp ${iso(t)}, inside the ` +
          `export's range [${iso(range.start)}, ${iso(range.end)}), but no object of ${manifestKey} holds it: ` +
          `this object was left out of the completed manifest`,
      };
    });
  } catch (e) {
    if (e instanceof MalformedIonError || e instanceof UnsupportedIonError) return found;
    throw e;
  }
  return found;
}

export function sequenceMessage(where: string, last: number): string {
  return `${where}: expected sequenceNo ${last + 1} after ${last} — a block or an object is missing, repeated or out of order`;
}

/** QLDB stamps blocks in commit order: a later block stamped earlier was moved in time. */
export function timestampOrderFailure(key: string, where: string, sequenceNo: number, t: number, previous: number): ExportFailure | undefined {
  if (t >= previous) return undefined;
  return {
    key,
    sequenceNo,
    check: 'timestampOrder',
    message: `${where}: blockTimestamp ${iso(t)} is before the previous block's ${iso(previous)} — block timestamps never decrease along the chain`,
  };
}

function timeRangeFailure(key: string, where: string, sequenceNo: number, t: number, range: ExportRange): ExportFailure | undefined {
  if (t >= range.start && t < range.end) return undefined;
  return {
    key,
    sequenceNo,
    check: 'timeRange',
    message: `${where}: blockTimestamp ${iso(t)} is outside the export's range [${iso(range.start)}, ${iso(range.end)}) from its started manifest`,
  };
}

export class ExportVerifier {
  private previousHash?: Buffer;
  private lastSeq?: number;
  private readonly tree = new StreamingDigest();
  private treeBroken = false;
  blocks = 0;
  objects = 0;
  firstSeq?: number;

  private digestAtTip?: Buffer;

  private lastTimestamp?: number;

  /**
   * @param strandId from the completed manifest's name, when known
   * @param digestTip the tip of a digest to check later with checkDigest
   * @param range the export's time range from its started manifest, when known
   */
  constructor(
    readonly strandId?: string,
    readonly digestTip?: number,
    readonly range?: ExportRange,
  ) {}

  get lastSequenceNo(): number | undefined {
    return this.lastSeq;
  }

  /** Verifies one data object in this thread and links it; returns the first failure, if any. */
  object(key: string, bytes: Uint8Array): ExportFailure | undefined {
    return this.link(verifyObject(key, bytes, this.strandId, this.digestTip ?? -1, this.range));
  }

  /**
   * Links the next object (in manifest order) to the ones before: consecutive sequence numbers,
   * an unbroken chain and no step back in time across the boundary, then the object's own first
   * failure.
   */
  link(o: ObjectSummary): ExportFailure | undefined {
    this.objects++;
    if (o.firstSeq !== undefined && this.lastSeq !== undefined) {
      const where = `${o.key}: block {strandId:"${o.strandId}",sequenceNo:${o.firstSeq}}`;
      if (o.firstSeq !== this.lastSeq + 1) {
        return { key: o.key, sequenceNo: o.firstSeq, check: 'sequence', message: sequenceMessage(where, this.lastSeq) };
      }
      if (!o.firstPreviousHash!.equals(this.previousHash!)) {
        return { key: o.key, sequenceNo: o.firstSeq, check: 'chain', message: `${where}: previousBlockHash is not the previous block's blockHash` };
      }
      const late = timestampOrderFailure(o.key, where, o.firstSeq, o.firstTimestamp!, this.lastTimestamp!);
      if (late) return late;
    }
    if (o.failure) return o.failure;
    this.firstSeq ??= o.firstSeq;
    if (this.blocks === 0 && o.firstSeq !== 0) this.treeBroken = true;
    if (!this.treeBroken && this.digestTip !== undefined) {
      for (const h of o.blockHashes) {
        this.tree.append(h);
        if (this.tree.size === this.digestTip + 1) this.digestAtTip = this.tree.digest();
      }
    }
    this.previousHash = o.lastBlockHash;
    this.lastTimestamp = o.lastTimestamp;
    this.lastSeq = o.lastSeq;
    this.blocks += o.blocks;
    return undefined;
  }

  /** Checks that blocks 0..digestTip were all seen and fold into `digest`. */
  checkDigest(digest: Buffer): ExportFailure | undefined {
    const tip = this.digestTip;
    if (tip === undefined) throw new Error('checkDigest needs the digest tip given to the constructor');
    const fail = (message: string): ExportFailure => ({ key: '(digest)', sequenceNo: tip, check: 'digest', message });
    if (this.treeBroken || this.firstSeq !== 0) {
      return fail(`checking a digest needs blocks 0..${tip}, but the export starts at block ${this.firstSeq ?? '(none)'}`);
    }
    if (!this.digestAtTip) {
      return fail(`checking a digest needs blocks 0..${tip}, but the export ends at block ${this.lastSeq ?? '(none)'}`);
    }
    if (!this.digestAtTip.equals(digest)) {
      return fail(`blocks 0..${tip} do not fold into the given digest (they give ${this.digestAtTip.toString('base64')})`);
    }
    return undefined;
  }
}
