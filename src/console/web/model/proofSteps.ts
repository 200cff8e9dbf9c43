/**
 * A proof fold as steps to draw: from the recomputed hash, each Proof hash is combined with the
 * running value by QLDB's `dot` (SHA-256 of the pair, the smaller by QLDB's signed byte order
 * first), and the last value must be the digest. The hashing is the journal core's.
 */
import { compareHashes, dot, HASH_LENGTH } from '../../../journal/hash';

export interface FoldStep {
  /** the running value before this step */
  from: string;
  /** the Proof element combined with it */
  sibling: string;
  /** which of the two came first in the hashed pair */
  order: 'running-first' | 'sibling-first';
  /** SHA-256 of the pair: the running value after this step */
  result: string;
}

export interface Fold {
  start: string;
  steps: FoldStep[];
  end: string;
  digest: string;
  reaches: boolean;
}

const b64 = (h: Uint8Array) => Buffer.from(h).toString('base64');

export function foldSteps(start: Uint8Array, proof: readonly Uint8Array[], digest: Uint8Array): Fold {
  const steps: FoldStep[] = [];
  let acc: Buffer = Buffer.from(start);
  for (const p of proof) {
    if (p.length !== HASH_LENGTH) throw new RangeError(`a Proof element is ${p.length} bytes, not a 32-byte hash`);
    const next = dot(acc, p);
    steps.push({ from: b64(acc), sibling: b64(p), order: compareHashes(acc, p) < 0 ? 'running-first' : 'sibling-first', result: b64(next) });
    acc = next;
  }
  return { start: b64(start), steps, end: b64(acc), digest: b64(digest), reaches: acc.equals(Buffer.from(digest)) };
}
