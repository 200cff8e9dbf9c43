/**
 * The commit pipeline: group commit over the store's CommitStore.
 *
 * Commits that arrive together are grouped: they queue, and one flush (scheduled with
 * setImmediate) hands each ledger's queued commits to the store as one batch, which the store
 * writes in ONE database transaction under the lock on the ledger's tip, so one fsync (or one
 * PostgreSQL COMMIT) makes them all durable. Inside it, commitBuilder.ts validates and builds
 * each commit in arrival order and moves the in-memory ledger state (tip, catalog, OCC log) on
 * at once, so the next commit of the batch validates against it. Nobody is answered before the
 * batch is durable.
 *
 * A store that builds the batch before `commit` returns (SQLite, whose write lock is this
 * thread) lets the next batch of the ledger be written while this one's fsync runs. Otherwise
 * (PostgreSQL, which takes the lock later) a ledger has one batch in flight at a time, and
 * what arrives meanwhile waits for the next.
 */
import { internalFailure, occConflict, ServiceError } from '../server/errors';
import type { CommitStore } from '../storage/stores';
import { buildBatch, catchUp, commitNeeds, StaleLedgerState, type CommitOutcome } from './commitBuilder';
import type { LedgerState } from './ledgerState';
import type { Transaction } from './transaction';

export type { CommitOutcome } from './commitBuilder';
export { redactedRevision } from './commitBuilder';

interface Pending {
  txn: Transaction;
  resolve(o: CommitOutcome): void;
  reject(e: unknown): void;
}

export interface PipelineDeps {
  store: CommitStore;
  /** the current in-memory state of a ledger, or undefined when it is gone */
  state(ledgerId: string): LedgerState | undefined;
  /** forget a ledger's in-memory state (every ledger's when none is named): it is reloaded from storage */
  invalidate(ledgerId?: string): void;
  onError(e: unknown): void;
}

/** Told of each written batch and each OCC conflict (the server's metrics). */
export interface PipelineObserver {
  /** a batch is durable: its size, and how long it took from its writes to being durable */
  batch(transactions: number, durableMs: number | undefined): void;
  conflict(ledgerId: string): void;
}

export class CommitPipeline {
  private queue: Pending[] = [];
  private scheduled = false;
  /** ledgers with a batch the store has not built yet: their next batch waits for it */
  private readonly buildingBatches = new Map<string, Promise<unknown>>();
  /** batches flushed and commits in them, for the benchmark and logs */
  readonly stats = { batches: 0, commits: 0, maxBatch: 0 };
  private observer?: PipelineObserver;
  /** batches not yet durable: at 0 every written batch is (tests, shutdown and GetDigest rely on it) */
  inFlight = 0;
  private readonly pending = new Set<Promise<void>>();

  constructor(private readonly deps: PipelineDeps) {}

  observe(observer: PipelineObserver): void {
    this.observer = observer;
  }

  submit(txn: Transaction): Promise<CommitOutcome> {
    return new Promise((resolve, reject) => {
      this.queue.push({ txn, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** Hands every queued commit to the store, one batch per ledger. */
  flush(): void {
    this.scheduled = false;
    if (this.queue.length === 0) return;
    const byLedger = new Map<string, Pending[]>();
    const held: Pending[] = [];
    for (const p of this.queue) {
      const id = p.txn.ledger.ledgerId;
      if (this.buildingBatches.has(id)) held.push(p);
      else {
        let g = byLedger.get(id);
        if (!g) byLedger.set(id, (g = []));
        g.push(p);
      }
    }
    this.queue = held;
    for (const [ledgerId, batch] of byLedger) this.commitBatch(ledgerId, batch);
  }

  private commitBatch(ledgerId: string, batch: Pending[]): void {
    const st = this.deps.state(ledgerId);
    if (!st) {
      // dropped after a failed batch or another node's catalog change (or the ledger is gone):
      // the transactions read a state that is no more, as when buildOne finds a newer one
      for (const p of batch) p.reject(occConflict());
      return;
    }
    const txns = batch.map((p) => p.txn);
    let built = false;
    let builtTip = 0;
    let writtenAt = 0;
    const done = this.deps.store.commit(ledgerId, st.tipSeq, commitNeeds(txns), (reads) => {
      catchUp(st, reads);
      const b = buildBatch(st, txns, reads, (id) => this.observer?.conflict(id));
      built = true;
      builtTip = st.tipSeq;
      writtenAt = performance.now();
      return { writes: b.writes, result: b.results };
    });
    this.inFlight++;
    if (built) {
      // built and written before `commit` returned: readers see the batch already
      st.readableSeq = builtTip;
    } else {
      this.buildingBatches.set(ledgerId, done);
      done.then(
        () => this.release(ledgerId),
        () => this.release(ledgerId),
      );
    }
    const settled = done.then(
      (results) => {
        // committed: its rows are what readers see now (a failed batch drops the state instead)
        if (builtTip > st.readableSeq) st.readableSeq = builtTip;
        this.stats.batches++;
        this.stats.commits += batch.length;
        if (batch.length > this.stats.maxBatch) this.stats.maxBatch = batch.length;
        this.observer?.batch(batch.length, performance.now() - writtenAt);
        for (let i = 0; i < batch.length; i++) {
          const r = results[i];
          if ('error' in r) {
            if (!(r.error instanceof ServiceError)) this.deps.onError(r.error);
            batch[i].reject(r.error instanceof ServiceError ? r.error : internalFailure());
          } else batch[i].resolve(r);
        }
      },
      (e) => {
        if (e instanceof StaleLedgerState) {
          // another node changed what this node's state was built on: start that ledger afresh
          this.deps.invalidate(ledgerId);
          for (const p of batch) p.reject(occConflict());
          return;
        }
        // the batch did not reach the disk: nothing was committed, and the in-memory states may
        // be ahead of storage — drop them so they are rebuilt from what is really there
        this.deps.onError(e);
        this.deps.invalidate();
        for (const p of batch) p.reject(internalFailure());
      },
    );
    const tracked: Promise<void> = settled.finally(() => {
      this.inFlight--;
      this.pending.delete(tracked);
    });
    this.pending.add(tracked);
  }

  /** A batch of this ledger is with the store and not built yet (it will move the ledger's state). */
  building(ledgerId: string): boolean {
    return this.buildingBatches.has(ledgerId);
  }

  /** Settles when the batch of this ledger that the store has not built yet is done with, if there is one. */
  settled(ledgerId: string): Promise<void> | undefined {
    return this.buildingBatches.get(ledgerId)?.then(
      () => undefined,
      () => undefined,
    );
  }

  private release(ledgerId: string): void {
    this.buildingBatches.delete(ledgerId);
    if (this.queue.length) this.schedule();
  }

  /**
   * Resolves once everything written so far is durable. Blocks are visible to readers as soon as
   * their batch is written, a moment before its fsync; whatever hands journal state to an auditor
   * (a digest, a proof, an export's range) waits for this first, so that a power loss can never
   * take back a block someone outside already holds.
   */
  async durable(): Promise<void> {
    // a batch written while we waited has its own fsync: wait for that one too
    while (this.pending.size) await Promise.allSettled([...this.pending]);
  }

  /** Hands what is queued to the store; resolves once every batch is durable. */
  async close(): Promise<void> {
    this.flush();
    await this.durable();
  }
}
