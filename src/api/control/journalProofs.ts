/**
 * Digests and proofs over the asynchronous journal store. The digest tree's folds (pure, in
 * src/journal/digestTree.ts) ask for stored nodes one at a time; here a dry run over placeholder
 * hashes learns which nodes a fold visits (that depends only on the sequence numbers), one read
 * fetches them all, and the fold runs again over the real ones.
 */
import type * as Block from '../../journal/block';
import type * as DigestTree from '../../journal/digestTree';
import { lazy } from '../../lazy';
import type { JournalStore } from '../../storage/stores';

// the journal's hashing loads with the first digest or proof
const digestTree = lazy(() => require('../../journal/digestTree') as typeof DigestTree);
const blockModule = lazy(() => require('../../journal/block') as typeof Block);

const PLACEHOLDER = Buffer.alloc(32);

async function fold<T>(journal: JournalStore, ledgerId: string, run: (source: DigestTree.NodeSource) => T): Promise<T> {
  const keys: DigestTree.TreeNode[] = [];
  run({
    node(level, index) {
      keys.push({ level, index, hash: PLACEHOLDER });
      return PLACEHOLDER;
    },
  });
  const nodes = await journal.treeNodes(ledgerId, keys);
  return run({
    node(level, index) {
      const h = nodes.get(`${level}:${index}`);
      if (!h) throw new Error(`journal digest tree: missing node (${level}, ${index}) of ledger ${ledgerId}`);
      return h;
    },
  });
}

/** Digests already computed, per store: blocks 0..tip never change, so neither does the digest at tip. */
const digests = new WeakMap<JournalStore, Map<string, { tip: number; digest: Buffer }>>();

/** The ledger digest covering blocks 0..tip. */
export async function digestAt(journal: JournalStore, ledgerId: string, tip: number): Promise<Buffer> {
  let byLedger = digests.get(journal);
  if (!byLedger) digests.set(journal, (byLedger = new Map()));
  const hit = byLedger.get(ledgerId);
  // each caller gets its own copy: one that changes it must not change the digest kept here
  if (hit && hit.tip === tip) return Buffer.from(hit.digest);
  const digest = await fold(journal, ledgerId, (source) => digestTree().digestAt(tip, source));
  byLedger.set(ledgerId, { tip, digest: Buffer.from(digest) });
  return digest;
}

/** GetBlock's proof: folding block `seq`'s hash with it gives the digest at `tip`. */
export function blockProof(journal: JournalStore, ledgerId: string, seq: number, tip: number): Promise<Buffer[]> {
  return fold(journal, ledgerId, (source) => digestTree().blockAuditPath(seq, tip, source));
}

/**
 * GetRevision's proof for the revision `revision` of the stored block `ion` (sequence `seq`):
 * the path inside the block, then the block's own proof.
 */
export async function revisionProof(
  journal: JournalStore,
  ledgerId: string,
  block: Block.ParsedBlock,
  revision: Block.ParsedRevision,
  seq: number,
  tip: number,
): Promise<Buffer[]> {
  return [...blockModule().revisionProofInBlock(block, revision), ...(await blockProof(journal, ledgerId, seq, tip))];
}
