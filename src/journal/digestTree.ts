/**
 * The ledger digest over block hashes (journal spec §2.9) as an append-only Merkle tree.
 *
 * Leaf i = blockHash of sequenceNo i. Whenever a leaf completes an aligned power-of-two run,
 * the node (level, index) covering leaves [index·2^level, (index+1)·2^level) is produced — those
 * are the only nodes ever stored. The pairwise-reduction tree of §2.3 (RFC 6962's shape) is made
 * of exactly such aligned subtrees plus a right spine, so the digest for any tip T and any audit
 * path are folds of O(log T) stored nodes: every historical tip stays reproducible and nothing
 * scans the journal.
 */
import { dot } from './hash';

/** Stored complete subtree roots; level 0 are the block hashes themselves. */
export interface NodeSource {
  node(level: number, index: number): Buffer;
}

export interface TreeNode {
  level: number;
  index: number;
  hash: Buffer;
}

/**
 * The nodes that become complete when leaf `seq` (with hash `leaf`) is appended, including the
 * leaf itself at level 0. `source` must already hold every node of leaves 0..seq-1.
 */
export function nodesCompletedBy(seq: number, leaf: Buffer, source: NodeSource): TreeNode[] {
  const out: TreeNode[] = [{ level: 0, index: seq, hash: leaf }];
  let index = seq;
  let hash = leaf;
  let level = 0;
  while (index % 2 === 1) {
    hash = dot(source.node(level, index - 1), hash);
    index = (index - 1) / 2;
    level++;
    out.push({ level, index, hash });
  }
  return out;
}

function log2(n: number): number {
  return Math.round(Math.log2(n));
}

/** The aligned peaks that make up leaves [lo, hi), largest first. */
function peaks(lo: number, hi: number): { level: number; index: number }[] {
  const keys: { level: number; index: number }[] = [];
  while (lo < hi) {
    let size = 1;
    while (size * 2 <= hi - lo) size *= 2;
    keys.push({ level: log2(size), index: lo / size });
    lo += size;
  }
  return keys;
}

/** Root of leaves [lo, hi): fold of its aligned peaks, largest first, right to left. */
function rangeRoot(lo: number, hi: number, source: NodeSource): Buffer {
  const nodes = peaks(lo, hi).map((p) => source.node(p.level, p.index));
  let acc = nodes[nodes.length - 1];
  for (let i = nodes.length - 2; i >= 0; i--) acc = dot(nodes[i], acc);
  return acc;
}

/**
 * The frontier at tip `tip`: the aligned peaks that make up leaves 0..tip, largest first — the
 * stored nodes that appending the next blocks folds with (nodesCompletedBy) and that the digest
 * at `tip` folds. Empty when there are no leaves.
 */
export function frontierKeys(tip: number): { level: number; index: number }[] {
  return peaks(0, tip + 1);
}

/** Ledger digest at tip `tip` (the last sequenceNo it covers). */
export function digestAt(tip: number, source: NodeSource): Buffer {
  if (tip < 0) throw new RangeError('no blocks');
  return rangeRoot(0, tip + 1, source);
}

/**
 * GetBlock proof: the audit path of leaf `seq` in the tree of leaves 0..tip, bottom-up.
 * Folding blockHash(seq) with it gives digestAt(tip).
 */
export function blockAuditPath(seq: number, tip: number, source: NodeSource): Buffer[] {
  if (seq < 0 || seq > tip) throw new RangeError('block outside the tree');
  const path: Buffer[] = [];
  let lo = 0;
  let hi = tip + 1;
  while (hi - lo > 1) {
    let k = 1;
    while (k * 2 < hi - lo) k *= 2;
    if (seq - lo < k) {
      path.push(rangeRoot(lo + k, hi, source));
      hi = lo + k;
    } else {
      path.push(source.node(log2(k), lo / k));
      lo += k;
    }
  }
  return path.reverse();
}

/** An in-memory NodeSource (tests, bench fixtures, verify --digest). */
export class MemoryDigestTree implements NodeSource {
  private readonly levels: Buffer[][] = [];

  get size(): number {
    return this.levels[0]?.length ?? 0;
  }

  append(leaf: Buffer): TreeNode[] {
    const nodes = nodesCompletedBy(this.size, leaf, this);
    for (const n of nodes) (this.levels[n.level] ??= [])[n.index] = n.hash;
    return nodes;
  }

  node(level: number, index: number): Buffer {
    const h = this.levels[level]?.[index];
    if (!h) throw new RangeError(`no node (${level}, ${index})`);
    return h;
  }

  digest(tip = this.size - 1): Buffer {
    return digestAt(tip, this);
  }

  auditPath(seq: number, tip = this.size - 1): Buffer[] {
    return blockAuditPath(seq, tip, this);
  }
}

/**
 * The digest of leaves appended in order, from O(log n) memory: the peaks of the complete
 * subtrees, merged like a binary counter. `verify --digest` uses it to check an export of any
 * size against a digest without holding the journal's hashes.
 */
export class StreamingDigest {
  /** peaks[level] = root of the complete subtree of 2^level leaves not yet merged, if any */
  private readonly peaks: (Buffer | undefined)[] = [];
  private count = 0;

  get size(): number {
    return this.count;
  }

  append(leaf: Buffer): void {
    let node = leaf;
    let level = 0;
    while (this.peaks[level]) {
      node = dot(this.peaks[level]!, node);
      this.peaks[level] = undefined;
      level++;
    }
    this.peaks[level] = node;
    this.count++;
  }

  /** Digest over every leaf appended so far (tip = size - 1). */
  digest(): Buffer {
    let acc: Buffer | undefined;
    for (let level = 0; level < this.peaks.length; level++) {
      const p = this.peaks[level];
      if (p) acc = acc ? dot(p, acc) : p;
    }
    if (!acc) throw new RangeError('no leaves');
    return acc;
  }
}
