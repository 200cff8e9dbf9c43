/**
 * CommitStore on SQLite: a batch of commits is one SQLite transaction (SQLite's write lock is the
 * tip lock), made durable by an fsync of the WAL off the main thread (walSync.ts).
 *
 * This process is the only writer of a SQLite data directory (the data-directory lock), so
 * nothing can have been committed behind the caller's back: `since` is always empty, and a
 * `knownTip` other than the tip is the caller's bug — the commit is refused, nothing written.
 * That is also why no footprints are stored here.
 *
 * A failed fsync of the WAL ends commits for this process's life, as PostgreSQL panics on one:
 * the kernel may have dropped the pages it could not write and report the next fsync as a
 * success, so later commits could be acknowledged behind a hole that recovery stops at. Every
 * commit not yet answered fails, every later one is refused, and ping fails (`/ready` answers
 * 503); a restart recovers the database from what is on disk, every acknowledged commit with it.
 */
import type * as DigestTree from '../../journal/digestTree';
import { lazy } from '../../lazy';
import type { CommitNeeds, CommitReads, CommitStore, CommitWrites, CurrentDoc, RevisionInfo } from '../stores';
import type { Db } from './db';
import type { DocumentStore } from './documentStore';
import type { JournalStore } from './journalStore';
import { WalCheckpointer } from './checkpointer';
import { synced, walSyncFor, writeUnsynced, type WalSync } from './walSync';

// the journal's hashing loads with the first commit, not with the server
const digestTree = lazy(() => require('../../journal/digestTree') as typeof DigestTree);

/** The WAL's size, in frames (64 MB of 4 KB pages), past which a write first lets it start over. */
const WAL_RESTART_FRAMES = 16_384;

export class SqliteCommitStore implements CommitStore {
  private inFlight = new Set<Promise<void>>();
  /** checkpoints off the serving thread, once commits go through the WAL (checkpointer.ts) */
  private checkpointer?: WalCheckpointer;
  /** the first failed fsync of the WAL: from then on nothing is committed */
  private fsyncFailure?: Error;

  constructor(
    private readonly db: Db,
    private readonly journal: JournalStore,
    private readonly docs: DocumentStore,
    /** the WAL's fsync; by default the database's own (tests give one that fails) */
    private wal?: WalSync | null,
    /** told when a checkpoint of the WAL fails (checkpointer.ts) */
    private readonly onCheckpointError?: (message: string, fallback: boolean) => void,
  ) {}

  async commit<T>(
    ledgerId: string,
    knownTip: number,
    needs: CommitNeeds,
    prepare: (reads: CommitReads) => { writes: CommitWrites[]; result: T },
  ): Promise<T> {
    let blocks = 0;
    return this.writeDurably(() => {
      const { writes, result } = prepare(this.read(ledgerId, knownTip, needs));
      // the batch's blocks first: a redaction later in the batch may rewrite one of them
      this.journal.appendComputed(ledgerId, writes);
      for (const w of writes) this.apply(ledgerId, w);
      blocks = writes.length;
      return result;
    }, () => blocks);
  }

  /**
   * Runs `write` in one transaction and resolves once it is durable, with the WAL fsync'd off
   * this thread as a batch of commits is: for the other writes a caller awaits often (a job's
   * progress, an export's objects), which would otherwise fsync on the serving thread. Refused,
   * as commits are, once an fsync has failed. `blocks` says how many blocks it wrote, for the
   * checkpoints.
   */
  async writeDurably<T>(write: () => T, blocks: () => number = () => 0): Promise<T> {
    this.refuseAfterFsyncFailure();
    if (this.wal === undefined) {
      this.wal = walSyncFor(this.db);
      if (this.wal) this.checkpointer = new WalCheckpointer(this.db, undefined, this.onCheckpointError);
    }
    this.checkpointer?.restartIfLong(WAL_RESTART_FRAMES);
    const result = writeUnsynced(this.db, this.wal, write);
    this.checkpointer?.committed(blocks());
    const sync = synced(this.wal);
    this.inFlight.add(sync);
    try {
      await sync;
    } catch (e) {
      this.fsyncFailure ??= e as Error;
      throw e;
    } finally {
      this.inFlight.delete(sync);
    }
    // synced after another batch's fsync failed: durable or not, it follows what may be lost
    this.refuseAfterFsyncFailure();
    return result;
  }

  /** Throws once an fsync of the WAL has failed (see the module comment). */
  refuseAfterFsyncFailure(): void {
    if (this.fsyncFailure) {
      throw new Error(`an fsync of the SQLite WAL failed (${this.fsyncFailure.message}): nothing more is committed until the server restarts`);
    }
  }

  /** Waits for the fsyncs still running, then lets go of the WAL descriptor and the checkpoints' thread. */
  async close(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
    this.wal?.close();
    await this.checkpointer?.close();
  }

  private read(ledgerId: string, knownTip: number, needs: CommitNeeds): CommitReads {
    const { journal, docs } = this;
    const tip = journal.strand(ledgerId);
    if (!tip) throw new Error(`no journal strand for ledger ${ledgerId}`);
    if (tip.tipSequenceNo !== knownTip) {
      throw new Error(
        `commit to ${ledgerId} expected tip ${knownTip} but the strand's tip is ${tip.tipSequenceNo}: ` +
          'a SQLite data directory has one writer, so the caller\'s state is stale',
      );
    }
    const frontier = new Map<string, Buffer>();
    for (const k of digestTree().frontierKeys(tip.tipSequenceNo)) {
      const h = journal.node(ledgerId, k.level, k.index);
      if (!h) throw new Error(`journal digest tree: missing node (${k.level}, ${k.index}) of ledger ${ledgerId}`);
      frontier.set(`${k.level}:${k.index}`, h);
    }
    const documents = new Map<string, CurrentDoc>();
    for (const id of needs.documents) {
      const d = docs.document(ledgerId, id);
      if (d) documents.set(id, d);
    }
    const liveDocuments = new Map(needs.liveDocumentsOf.map((t) => [t, docs.liveDocuments(ledgerId, t)]));
    const revisions = new Map<string, RevisionInfo>();
    for (const { docId, version } of needs.revisions) {
      const r = docs.revision(ledgerId, docId, version);
      if (r) revisions.set(`${docId}:${version}`, r);
    }
    const blocks = new Map<number, Buffer>();
    for (const seq of needs.blocks) {
      const b = journal.block(ledgerId, seq);
      if (b) blocks.set(seq, b);
    }
    return { tip: { ...tip }, since: [], frontier, documents, liveDocuments, revisions, blocks };
  }

  private apply(ledgerId: string, w: CommitWrites): void {
    const { journal, docs } = this;
    if (w.ledgerId !== ledgerId) throw new Error(`a commit of ledger ${w.ledgerId} in a batch of ledger ${ledgerId}`);
    const seq = w.block.sequenceNo;
    for (const c of w.catalog) {
      switch (c.kind) {
        case 'insertTable':
          docs.insertTable(ledgerId, c.table);
          break;
        case 'setTableStatus':
          docs.setTableStatus(ledgerId, c.tableId, c.status);
          break;
        case 'insertIndex':
          docs.insertIndex(ledgerId, c.index);
          for (const e of c.entries) docs.putEntry(ledgerId, c.index.tableId, c.index.field, e.key, e.docId);
          break;
        case 'deleteIndex':
          docs.deleteIndex(ledgerId, c.indexId);
          docs.dropEntries(ledgerId, c.tableId, c.field);
          break;
      }
    }
    for (const d of w.documents) {
      docs.putDocument(ledgerId, { docId: d.docId, tableId: d.tableId, version: d.version, seq, data: d.data });
      docs.insertRevision(ledgerId, { docId: d.docId, version: d.version, tableId: d.tableId, seq, txTime: w.block.timestampMs, ion: d.revisionIon });
    }
    for (const e of w.indexEntries) {
      if (e.put) docs.putEntry(ledgerId, e.tableId, e.field, e.key, e.docId);
      else docs.deleteEntry(ledgerId, e.tableId, e.field, e.key, e.docId);
    }
    for (const r of w.redactions) {
      docs.redactRevision(ledgerId, r.docId, r.version, r.revisionIon);
      if (r.blockSequenceNo !== undefined && r.blockIon) journal.replaceBlockIon(ledgerId, r.blockSequenceNo, r.blockIon);
    }
  }
}
