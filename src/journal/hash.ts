/**
 * QLDB's hash algebra: `dot` (§2.2 of the journal spec), Merkle roots over lists of hashes
 * (§2.3) and audit paths. Pure functions over 32-byte SHA-256 hashes; an empty buffer is the
 * "empty hash", the identity of `dot`.
 */
import { sha256Into } from './sha256';

export const HASH_LENGTH = 32;
export const EMPTY_HASH: Buffer = Buffer.alloc(0);

/**
 * Orders two hashes as QLDB does: from the last byte down, each byte as a *signed* int8.
 * The signedness is observable — real block hashes only reproduce with it (TV-1).
 */
export function compareHashes(a: Uint8Array, b: Uint8Array): number {
  for (let i = HASH_LENGTH - 1; i >= 0; i--) {
    const d = ((a[i] << 24) >> 24) - ((b[i] << 24) >> 24);
    if (d !== 0) return d;
  }
  return 0;
}

/** dot(a, b) = SHA-256 of the two hashes concatenated smaller-first; commutative. */
export function dot(a: Uint8Array, b: Uint8Array): Buffer {
  if (a.length === 0) return Buffer.from(b);
  if (b.length === 0) return Buffer.from(a);
  if (a.length !== HASH_LENGTH || b.length !== HASH_LENGTH) throw new RangeError('a hash must be empty or 32 bytes');
  // a reused 64-byte buffer and the in-process SHA-256: dot runs per tree node and proof step
  if (compareHashes(a, b) < 0) {
    pair.set(a, 0);
    pair.set(b, 32);
  } else {
    pair.set(b, 0);
    pair.set(a, 32);
  }
  const out = Buffer.allocUnsafe(32);
  sha256Into(pair, 0, 64, out, 0);
  return out;
}

const pair = new Uint8Array(64);

/**
 * Merkle root by pairwise reduction, an odd last element carried up unchanged. The shape equals
 * RFC 6962's (split at the largest power of two below n), which is what makes audit paths and
 * the ledger digest line up.
 */
export function merkleRoot(list: readonly Uint8Array[]): Buffer {
  if (list.length === 0) return EMPTY_HASH;
  let level: Uint8Array[] = list.slice();
  while (level.length > 1) {
    const next: Uint8Array[] = [];
    for (let i = 0; i + 1 < level.length; i += 2) next.push(dot(level[i], level[i + 1]));
    if (level.length & 1) next.push(level[level.length - 1]);
    level = next;
  }
  return Buffer.from(level[0]);
}

/** Largest power of two strictly below n (n ≥ 2). */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/**
 * Audit path of `list[index]` within merkleRoot(list), bottom-up: folding the leaf with each
 * element in turn (foldProof) yields the root. A node without a sibling contributes nothing.
 */
export function merkleAuditPath(list: readonly Uint8Array[], index: number): Buffer[] {
  if (index < 0 || index >= list.length) throw new RangeError('index outside the list');
  const path: Buffer[] = [];
  let lo = 0;
  let hi = list.length;
  // walk top-down collecting siblings, then reverse to bottom-up order
  while (hi - lo > 1) {
    const k = splitPoint(hi - lo);
    if (index - lo < k) {
      path.push(merkleRoot(list.slice(lo + k, hi)));
      hi = lo + k;
    } else {
      path.push(merkleRoot(list.slice(lo, lo + k)));
      lo = lo + k;
    }
  }
  return path.reverse();
}

/** acc = leaf; acc = dot(acc, p) for each proof element. */
export function foldProof(leaf: Uint8Array, proof: readonly Uint8Array[]): Buffer {
  let acc: Buffer = Buffer.from(leaf);
  for (const p of proof) acc = dot(acc, p);
  return acc;
}
