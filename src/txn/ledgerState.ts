/**
 * What the server keeps in memory per ledger: the journal tip, the committed catalog and the
 * recent commit log OCC validation checks against. Rebuilt from SQLite on first use (and after
 * a failed batch), so it is a cache, never the source of truth.
 */
import type { Catalog } from './catalog';

/** The footprint of one committed transaction, as far as OCC cares. */
export interface CommitRecord {
  seq: number;
  /** documents written (inserted, updated, deleted) */
  docs: Set<string>;
  /** tables with any document written */
  tables: Set<string>;
  /** index keys whose matching set changed: `tableId\0field\0keyhex`, old and new values */
  keys: Set<string>;
  /** the catalog changed (DDL) */
  catalogChanged: boolean;
  /** table names created, dropped or undropped */
  catalogNames: Set<string>;
}

/** What a transaction read, as far as OCC cares. */
export class ReadSet {
  readonly docs = new Set<string>();
  readonly tables = new Set<string>();
  readonly keys = new Set<string>();
  readonly catalogNames = new Set<string>();
  /** listed the whole catalog, or changed it: any concurrent DDL conflicts */
  catalogAll = false;

  conflictsWith(r: CommitRecord): boolean {
    if (r.catalogChanged) {
      if (this.catalogAll) return true;
      for (const n of r.catalogNames) if (this.catalogNames.has(n)) return true;
    }
    for (const t of r.tables) if (this.tables.has(t)) return true;
    if (this.docs.size < r.docs.size) {
      for (const d of this.docs) if (r.docs.has(d)) return true;
    } else {
      for (const d of r.docs) if (this.docs.has(d)) return true;
    }
    for (const k of r.keys) if (this.keys.has(k)) return true;
    return false;
  }
}

export function keyId(tableId: string, field: string, key: Buffer): string {
  return `${tableId}\u0000${field}\u0000${key.toString('hex')}`;
}

export class LedgerState {
  /** commits after the oldest open transaction's start; older ones can no longer conflict */
  log: CommitRecord[] = [];
  /** start sequence numbers of open transactions, with multiplicity */
  private readonly openStarts = new Map<number, number>();
  /**
   * The last block whose rows the store shows to readers. Behind `tipSeq` while a batch built on
   * the tip is still being written (PostgreSQL: until its COMMIT returns): a transaction started
   * then takes this as its snapshot, so what it reads is as of this block and the batch in
   * flight is a later commit its OCC validation sees. Starting at `tipSeq` instead, it would read
   * rows from before the batch, validate against nothing after it, and overwrite the batch's
   * updates (a lost update).
   */
  readableSeq: number;

  constructor(
    readonly ledgerId: string,
    readonly strandId: string,
    public tipSeq: number,
    public tipHash: Buffer,
    /** epoch ms of the tip block; block timestamps never go backwards */
    public tipTime: number,
    public catalog: Catalog,
  ) {
    this.readableSeq = tipSeq;
  }

  openTransaction(startSeq: number): void {
    this.openStarts.set(startSeq, (this.openStarts.get(startSeq) ?? 0) + 1);
  }

  closeTransaction(startSeq: number): void {
    const n = this.openStarts.get(startSeq) ?? 0;
    if (n <= 1) this.openStarts.delete(startSeq);
    else this.openStarts.set(startSeq, n - 1);
    if (this.openStarts.size === 0 || this.log.length > 1024) this.prune();
  }

  /** True when a commit after `startSeq` touched what `reads` covers. */
  conflicts(startSeq: number, reads: ReadSet): boolean {
    // the log is ordered by seq: walk back from the newest
    for (let i = this.log.length - 1; i >= 0; i--) {
      const r = this.log[i];
      if (r.seq <= startSeq) break;
      if (reads.conflictsWith(r)) return true;
    }
    return false;
  }

  record(r: CommitRecord): void {
    this.log.push(r);
    // amortized: the minimum start over open transactions costs O(open transactions)
    if (this.log.length % 64 === 0) this.prune();
  }

  private prune(): void {
    let min = Infinity;
    for (const s of this.openStarts.keys()) if (s < min) min = s;
    let drop = 0;
    while (drop < this.log.length && this.log[drop].seq <= min) drop++;
    if (drop > 64 || drop === this.log.length) this.log.splice(0, drop);
  }
}

/**
 * A commit's footprint as stored beside its block, for the OCC validation of other nodes that
 * share the store (src/storage/stores.ts `CommitWrites.footprint`), with the block's timestamp
 * so that their next blocks never go back in time.
 */
export function encodeFootprint(r: CommitRecord, timestampMs: number): Buffer {
  return Buffer.from(
    JSON.stringify({ t: timestampMs, d: [...r.docs], tb: [...r.tables], k: [...r.keys], c: r.catalogChanged, n: [...r.catalogNames] }),
  );
}

/** The footprint of a block that touched nothing OCC cares about (written outside any transaction: a migration, a fixture). */
export function emptyFootprint(seq: number, timestampMs: number): Buffer {
  return encodeFootprint({ seq, docs: new Set(), tables: new Set(), keys: new Set(), catalogChanged: false, catalogNames: new Set() }, timestampMs);
}

export function decodeFootprint(seq: number, bytes: Buffer): { record: CommitRecord; timestampMs: number } {
  const f = JSON.parse(bytes.toString('utf8')) as { t: number; d: string[]; tb: string[]; k: string[]; c: boolean; n: string[] };
  return {
    record: { seq, docs: new Set(f.d), tables: new Set(f.tb), keys: new Set(f.k), catalogChanged: f.c, catalogNames: new Set(f.n) },
    timestampMs: f.t,
  };
}
