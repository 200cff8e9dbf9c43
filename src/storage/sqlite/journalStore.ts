/**
 * The journal in SQLite: strands, blocks (the exact Ion binary that was hashed) and the digest
 * tree's stored nodes.
 *
 * Every method is synchronous so that SqliteCommitStore can write a batch's blocks inside its one
 * db.transaction together with the document writes (better-sqlite3 nests transactions as
 * savepoints, so the methods that write several rows wrap themselves too). Blocks are read in
 * bounded batches (blockRows), never through a statement held open across an await. Digests and
 * proofs are folded by api/control/journalProofs.ts over the nodes `node` reads.
 */
import type { StrandTip } from '../stores';
import type { Db } from './db';
import type * as Block from '../../journal/block';
import type * as DigestTree from '../../journal/digestTree';
import { lazy } from '../../lazy';

// the journal's hashing and Ion (ion-js, hash-wasm) load with the first block read or written
const blockModule = lazy(() => require('../../journal/block') as typeof Block);
const digestTree = lazy(() => require('../../journal/digestTree') as typeof DigestTree);

/**
 * Strand tips, kept between reads: GetDigest asks for one on every call, and each SQLite read
 * costs a pair of WAL lock syscalls (20-40 µs on a small VM). (The digest at a tip is kept by
 * api/control/journalProofs.ts, for every store.) Shared by every JournalStore of one database, because every write
 * to a strand goes through one of them and drops its ledger's entries first; this process is
 * the database's only writer (the data-directory lock sees to it).
 */
interface TipCache {
  tips: Map<string, StrandTip>;
}

const tipCaches = new WeakMap<Db, TipCache>();

function tipCacheOf(db: Db): TipCache {
  let c = tipCaches.get(db);
  if (!c) tipCaches.set(db, (c = { tips: new Map() }));
  return c;
}

export class JournalStore {
  private readonly q;
  private readonly cache: TipCache;

  constructor(private readonly db: Db) {
    this.cache = tipCacheOf(db);
    this.q = {
      strand: db.prepare('SELECT strand_id, tip_seq, tip_hash FROM journal_strands WHERE ledger_id = ?'),
      insertStrand: db.prepare('INSERT INTO journal_strands (ledger_id, strand_id, tip_seq, tip_hash) VALUES (?, ?, ?, ?)'),
      updateTip: db.prepare('UPDATE journal_strands SET tip_seq = ?, tip_hash = ? WHERE ledger_id = ?'),
      insertBlock: db.prepare('INSERT INTO journal_blocks (ledger_id, seq, ts_ms, tx_id, block_hash, ion) VALUES (?, ?, ?, ?, ?, ?)'),
      block: db.prepare('SELECT ion FROM journal_blocks WHERE ledger_id = ? AND seq = ?').pluck(),
      updateBlock: db.prepare('UPDATE journal_blocks SET ion = ? WHERE ledger_id = ? AND seq = ?'),
      blockHash: db.prepare('SELECT block_hash FROM journal_blocks WHERE ledger_id = ? AND seq = ?').pluck(),
      page: db.prepare(
        'SELECT seq, ts_ms, ion FROM journal_blocks WHERE ledger_id = ? AND seq >= ? AND seq <= ? ORDER BY seq LIMIT ?',
      ),
      seqBoundsInRange: db.prepare(
        'SELECT MIN(seq) AS lo, MAX(seq) AS hi FROM journal_blocks WHERE ledger_id = ? AND ts_ms >= ? AND ts_ms < ?',
      ),
      node: db.prepare('SELECT hash FROM journal_tree_nodes WHERE ledger_id = ? AND level = ? AND idx = ?').pluck(),
      insertNode: db.prepare('INSERT INTO journal_tree_nodes (ledger_id, level, idx, hash) VALUES (?, ?, ?, ?)'),
      dropStrand: db.prepare('DELETE FROM journal_strands WHERE ledger_id = ?'),
      dropBlocks: db.prepare('DELETE FROM journal_blocks WHERE ledger_id = ?'),
      dropNodes: db.prepare('DELETE FROM journal_tree_nodes WHERE ledger_id = ?'),
    };
  }

  /**
   * Creates the ledger's strand with its genesis block (sequenceNo 0). Accepts
   * (ledgerId, genesis) or (ledgerId, strandId, genesis); the strand id must be the genesis
   * block's.
   */
  createStrand(ledgerId: string, strandOrGenesis: string | Block.BuiltBlock, maybeGenesis?: Block.BuiltBlock): void {
    const genesis = typeof strandOrGenesis === 'string' ? maybeGenesis : strandOrGenesis;
    if (!genesis || genesis.sequenceNo !== 0) throw new Error('createStrand needs the genesis block (sequenceNo 0)');
    const strandId = blockModule().parseBlock(genesis.ion).strandId;
    if (typeof strandOrGenesis === 'string' && strandOrGenesis !== strandId) {
      throw new Error(`strand ${strandOrGenesis} does not match the genesis block's ${strandId}`);
    }
    this.db.transaction(() => {
      this.q.insertStrand.run(ledgerId, strandId, -1, Buffer.alloc(0));
      this.appendBlock(ledgerId, genesis, blockModule().parseBlock(genesis.ion).transactionId ?? '');
    })();
  }

  /**
   * Creates the strand with its genesis block as given (already built and hashed), unless the
   * strand exists: the asynchronous JournalStore's createStrand (storage/stores.ts).
   */
  createStrandIfAbsent(ledgerId: string, strandId: string, genesis: { blockHash: Buffer; timestampMs: number; transactionId: string; ion: Buffer }): void {
    this.changed(ledgerId);
    this.db.transaction(() => {
      if (this.q.strand.get(ledgerId)) return;
      this.q.insertStrand.run(ledgerId, strandId, 0, genesis.blockHash);
      this.q.insertBlock.run(ledgerId, 0, genesis.timestampMs, genesis.transactionId, genesis.blockHash, genesis.ion);
    })();
  }

  /**
   * Appends blocks, in order, whose digest-tree nodes the caller computed already (the
   * CommitWrites of a batch, storage/stores.ts): nothing is re-derived here. The strand's tip
   * is read and moved once for all of them.
   */
  appendComputed(
    ledgerId: string,
    appended: readonly {
      block: { sequenceNo: number; blockHash: Buffer; timestampMs: number; transactionId: string; ion: Buffer };
      treeNodes: readonly { level: number; index: number; hash: Buffer }[];
    }[],
  ): void {
    if (!appended.length) return;
    this.changed(ledgerId);
    const row = this.q.strand.get(ledgerId) as { tip_seq: number } | undefined;
    if (!row) throw new Error(`no journal strand for ledger ${ledgerId}`);
    let tip = row.tip_seq;
    for (const { block, treeNodes } of appended) {
      if (block.sequenceNo !== tip + 1) throw new Error(`block ${block.sequenceNo} does not follow the tip ${tip}`);
      tip = block.sequenceNo;
      this.q.insertBlock.run(ledgerId, block.sequenceNo, block.timestampMs, block.transactionId, block.blockHash, block.ion);
      for (const n of treeNodes) this.q.insertNode.run(ledgerId, n.level, n.index, n.hash);
    }
    const last = appended[appended.length - 1].block;
    this.q.updateTip.run(last.sequenceNo, last.blockHash, ledgerId);
  }

  /** Replaces a stored block's bytes by their redacted form (same block hash). */
  replaceBlockIon(ledgerId: string, seq: number, ion: Buffer): void {
    this.q.updateBlock.run(ion, ledgerId, seq);
  }

  /** Blocks fromSeq..toSeq (inclusive), at most `max`, with their timestamps as epoch ms. */
  blockRows(ledgerId: string, fromSeq: number, toSeq: number, max: number): { sequenceNo: number; timestampMs: number; ion: Buffer }[] {
    return (this.q.page.all(ledgerId, fromSeq, toSeq, max) as { seq: number; ts_ms: number; ion: Buffer }[]).map((r) => ({
      sequenceNo: r.seq,
      timestampMs: r.ts_ms,
      ion: r.ion,
    }));
  }

  /** The first and last block whose timestamp is in [startMs, endMs), if any. */
  sequenceRange(ledgerId: string, startMs: number, endMs: number): { first: number; last: number } | undefined {
    const r = this.q.seqBoundsInRange.get(ledgerId, startMs, endMs) as { lo: number | null; hi: number | null };
    return r.lo === null || r.hi === null ? undefined : { first: r.lo, last: r.hi };
  }

  /** A stored digest-tree node (level 0: the block hash), if stored. */
  node(ledgerId: string, level: number, index: number): Buffer | undefined {
    return (level === 0 ? this.q.blockHash.get(ledgerId, index) : this.q.node.get(ledgerId, level, index)) as Buffer | undefined;
  }

  /** The strand's tip, shared with other callers: read only. */
  strand(ledgerId: string): Readonly<StrandTip> | undefined {
    const hit = this.cache.tips.get(ledgerId);
    if (hit) return hit;
    const row = this.q.strand.get(ledgerId) as { strand_id: string; tip_seq: number; tip_hash: Buffer } | undefined;
    if (!row || row.tip_seq < 0) return undefined;
    const tip = Object.freeze({ strandId: row.strand_id, tipSequenceNo: row.tip_seq, tipBlockHash: row.tip_hash });
    // a read inside a transaction may see a tip that is rolled back yet
    if (!this.db.inTransaction) this.cache.tips.set(ledgerId, tip);
    return tip;
  }

  /** Every write to a strand calls this first: rolled back or not, what was cached may be wrong now. */
  private changed(ledgerId: string): void {
    this.cache.tips.delete(ledgerId);
  }

  /** Appends the next block of the strand and the digest-tree nodes it completes. */
  appendBlock(ledgerId: string, built: Block.BuiltBlock, transactionId: string): void {
    this.changed(ledgerId);
    this.db.transaction(() => {
      const row = this.q.strand.get(ledgerId) as { tip_seq: number } | undefined;
      if (!row) throw new Error(`no journal strand for ledger ${ledgerId}`);
      if (built.sequenceNo !== row.tip_seq + 1) {
        throw new Error(`block ${built.sequenceNo} does not follow the tip ${row.tip_seq}`);
      }
      this.q.insertBlock.run(ledgerId, built.sequenceNo, built.blockTimestamp.getTime(), transactionId, built.blockHash, ionBuffer(built.ion));
      const nodes = digestTree().nodesCompletedBy(built.sequenceNo, built.blockHash, this.nodeSource(ledgerId));
      for (const n of nodes) if (n.level > 0) this.q.insertNode.run(ledgerId, n.level, n.index, n.hash);
      this.q.updateTip.run(built.sequenceNo, built.blockHash, ledgerId);
    })();
  }

  /** The stored Ion binary of block `seq`. */
  block(ledgerId: string, seq: number): Buffer | undefined {
    return this.q.block.get(ledgerId, seq) as Buffer | undefined;
  }

  dropLedger(ledgerId: string): void {
    this.changed(ledgerId);
    this.db.transaction(() => {
      this.q.dropNodes.run(ledgerId);
      this.q.dropBlocks.run(ledgerId);
      this.q.dropStrand.run(ledgerId);
    })();
  }

  private nodeSource(ledgerId: string): DigestTree.NodeSource {
    return {
      node: (level: number, index: number): Buffer => {
        const h = this.node(ledgerId, level, index);
        if (!h) throw new Error(`journal digest tree: missing node (${level}, ${index}) of ledger ${ledgerId}`);
        return h;
      },
    };
  }
}

function ionBuffer(b: Uint8Array): Buffer {
  return Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}

const stores = new WeakMap<Db, JournalStore>();

/** The JournalStore of a database connection (it only holds prepared statements). */
export function journalStoreOf(db: Db): JournalStore {
  let s = stores.get(db);
  if (!s) stores.set(db, (s = new JournalStore(db)));
  return s;
}
