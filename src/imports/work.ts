/**
 * An import job's work (`JobWork` of jobs/runner.ts, kind 'import'): reads the planned data
 * objects in sequence order, verifies each with the export verifier `openqldb verify` uses
 * (exportVerifier.ts, on worker threads), links its blocks to the ones before (sequence, chain,
 * strand, timestamps; an overlap must end on the very block imported last), and writes them in
 * bounded batches, one store transaction each, into the ledger, which stays CREATING until every
 * block is written and the expected digest (if any) matches. Then it turns ACTIVE.
 *
 * Progress (the job's `progress`) is rewritten after every batch: the last block written and its
 * hash, the catalog's pending tables, counts and notes. A resumed job whose ledger's tip is not
 * the recorded one (a crash between a batch and its progress) starts again from block 0 on an
 * emptied ledger. A failed import removes the ledger's journal, documents and row: the name is
 * free again and nothing half-written stays.
 */
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { digestAt } from '../api/control/journalProofs';
import { parseBlock } from '../journal/block';
import { sequenceMessage, timestampOrderFailure, type ObjectSummary } from '../journal/exportVerifier';
import type { Job } from '../jobs/types';
import type { JobWork, Lease } from '../jobs/runner';
import type { LedgerService } from '../ledger/ledgers';
import type { Logger } from '../server/log';
import type { CommitWrites, Store } from '../storage/stores';
import { Catalog } from '../txn/catalog';
import { BatchOverlay, commitWritesOf } from '../txn/commitBuilder';
import type { CommitRecord } from '../txn/ledgerState';
import type { Sink } from '../exports/sinks/sink';
import { VerifyPool } from '../exports/verifyPool';
import { ImportCatalog, readPackedBlocks, verifyAndReadObject, type ImportedBlock, type PackedStreams } from './rebuild';
import { ImportFailure, planImport, type ImportPlan, type PlannedObject } from './source';
import { NOTES_KEPT, newProgress, type ImportProgress, type ImportSpec } from './types';

export interface ImportWorkOptions {
  /** blocks per store transaction */
  batchBlocks: number;
  /** worker threads verifying objects and reading their blocks (0: on the server's thread) */
  verifyThreads: number;
}

/**
 * One worker thread: each costs about 150 MB at its peak (its own heap, Ion and the hashing), and
 * two put a 100,000-block import past 512 MB on a 2-core machine; the server's thread reads
 * blocks for rebuilding and writes them while the worker verifies the next ones.
 *
 * Batches of 500 blocks: a batch's read blocks live until it is written, and at 2,000 they
 * outlived young-generation collections, were promoted and left to the old generation's
 * collector, whose threads took the cores from the two doing the work.
 */
export const DEFAULT_IMPORT_OPTIONS: ImportWorkOptions = {
  batchBlocks: 500,
  verifyThreads: Math.min(1, availableParallelism() - 1),
};

export class ImportWork implements JobWork<Job> {
  readonly name = 'import';

  constructor(
    private readonly store: Store,
    private readonly ledgers: Pick<LedgerService, 'get' | 'activate' | 'discard'>,
    private readonly sink: Sink,
    private readonly log: Logger,
    private readonly options: ImportWorkOptions = DEFAULT_IMPORT_OPTIONS,
    private readonly now: () => number = Date.now,
  ) {}

  id(job: Job): string {
    return job.id;
  }

  logFields(job: Job): Record<string, unknown> {
    return { importId: job.id, ledger: job.ledgerName };
  }

  async run(job: Job, lease: Lease): Promise<void> {
    const spec = JSON.parse(job.spec) as ImportSpec;
    const progress = { ...newProgress(), ...(JSON.parse(job.progress || '{}') as Partial<ImportProgress>) };
    if (progress.error !== undefined) return this.fail(job, progress.error, lease);
    const ledger = this.ledgers.get(job.ledgerId) ?? (await this.store.ledgers.get(job.ledgerId));
    if (!ledger) return this.fail(job, `the ledger ${job.ledgerName} being imported no longer exists`, lease);
    if (ledger.state !== 'CREATING') {
      // the ledger turned ACTIVE just before a stop: only the job's end was left to record
      await this.finish(job, lease, 'COMPLETED');
      return;
    }
    try {
      await new Run(this, job, spec, progress, lease).execute();
    } catch (e) {
      if (!(e instanceof ImportFailure)) throw e;
      await this.fail(job, e.message, lease);
    }
  }

  async fail(job: Job, reason: string, lease: Lease): Promise<void> {
    const progress = { ...newProgress(), ...(JSON.parse(job.progress || '{}') as Partial<ImportProgress>), error: reason };
    // recorded first: a stop in the middle of the removal finishes it on the next claim
    if (!(await this.store.jobs.update(job.id, lease.owner, 'IN_PROGRESS', JSON.stringify(progress)))) lease.lost();
    job.progress = JSON.stringify(progress);
    await this.purge(job.ledgerId);
    await this.ledgers.discard(job.ledgerId);
    if (!(await this.store.jobs.finish(job.id, 'FAILED', this.now(), reason, lease.owner))) lease.lost();
    this.log.warn('import.failed', { importId: job.id, ledger: job.ledgerName, reason });
  }

  /** @internal the ledger's journal and documents, for good */
  async purge(ledgerId: string): Promise<void> {
    await this.store.documents.dropLedger(ledgerId);
    await this.store.journal.dropLedger(ledgerId);
  }

  /** @internal */
  async save(job: Job, lease: Lease, progress: ImportProgress): Promise<void> {
    const text = JSON.stringify(progress);
    if (!(await this.store.jobs.update(job.id, lease.owner, 'IN_PROGRESS', text))) lease.lost();
    job.progress = text;
  }

  /** @internal */
  async finish(job: Job, lease: Lease, status: 'COMPLETED'): Promise<void> {
    await lease.confirm();
    const genesis = await this.store.journal.block(job.ledgerId, 0);
    await this.ledgers.activate(job.ledgerId, genesis?.timestampMs ?? job.createdMs);
    if (!(await this.store.jobs.finish(job.id, status, this.now(), undefined, lease.owner))) lease.lost();
  }

  /** @internal */
  get deps() {
    return { store: this.store, sink: this.sink, log: this.log, options: this.options };
  }
}

/** One run of an import job, from its recorded progress to its end (or a stop). */
class Run {
  private readonly store: Store;
  private readonly ledgerId: string;
  private plan!: ImportPlan;
  private catalog!: ImportCatalog;
  private tipHash: Buffer | undefined;
  /** the last block linked to the chain: written, or in a batch being written */
  private linked!: { seq: number; hash: Buffer | undefined; timestampMs: number | undefined };

  constructor(
    private readonly work: ImportWork,
    private readonly job: Job,
    private readonly spec: ImportSpec,
    private progress: ImportProgress,
    private readonly lease: Lease,
  ) {
    this.store = work.deps.store;
    this.ledgerId = job.ledgerId;
  }

  async execute(): Promise<void> {
    const { sink, log, options } = this.work.deps;
    this.plan = await planImport(sink, this.spec);
    this.lease.check();
    await this.resumePoint();
    this.progress.strandId = this.plan.strandId;
    this.progress.totalBlocks = this.plan.lastSeq + 1;
    log.info('import.planned', {
      importId: this.job.id,
      exports: this.plan.exportIds,
      objects: this.plan.objects.length,
      blocks: this.plan.lastSeq + 1,
      resumeAfter: this.progress.tip,
    });
    // objects wholly written before a restart were checked then
    const todo = this.plan.objects.filter((o) => o.lastSeq > this.progress.tip);
    const pool =
      options.verifyThreads > 0 && todo.length > 1 ? new VerifyPool(Math.min(options.verifyThreads, todo.length), join(__dirname, 'readWorker.js'), 256) : undefined;
    // objects read and verified ahead (on a worker thread), read for rebuilding and written strictly
    // in order, each as its verified blocks come: the writing starts with an object's first
    // thousand blocks, not when the whole object is verified
    const window = Math.max(2, options.verifyThreads);
    const ahead: { object: PlannedObject; feed: BlockFeed; result: Promise<{ size: number; summary: ObjectSummary }> }[] = [];
    let next = 0;
    // objects go to the pool in plan order, whichever read ends first: its worker takes one object
    // at a time, and a later object verified first would keep the next one to write waiting
    let handedOver: Promise<unknown> = Promise.resolve();
    const fetch = () => {
      const object = todo[next++];
      const feed = new BlockFeed();
      const read = this.read(object);
      read.catch(() => undefined); // a failed read is met in its object's turn, through `queued`
      const queued = handedOver
        .then(() => read)
        .then((bytes) => ({ bytes, verified: pool?.run<PackedStreams>(object.key, bytes, this.plan.strandId, -1, object.range, (part) => feed.push(readPackedBlocks(part))) }));
      handedOver = queued.catch(() => undefined);
      const result = queued.then(async ({ bytes, verified }) => {
        if (verified) return { size: bytes.length, summary: (await verified).summary };
        const { summary, blocks } = verifyAndReadObject(object.key, bytes, this.plan.strandId, object.range);
        if (!summary.failure) feed.push(blocks);
        return { size: bytes.length, summary };
      });
      // the worker's parts come before its answer: once that is in, nothing more is fed
      result.then(
        () => feed.end(),
        () => feed.end(),
      );
      ahead.push({ object, feed, result });
    };
    try {
      for (let i = 0; i < todo.length; i++) {
        while (next < todo.length && ahead.length < window) fetch();
        const { object, feed, result } = ahead.shift()!;
        await this.importObject(object, feed, result);
      }
    } finally {
      await pool?.close();
    }
    await this.checkDigest();
    if (this.progress.notesCount) {
      log.warn('import.not_understood', { importId: this.job.id, count: this.progress.notesCount, notes: this.progress.notes.slice(0, 10) });
    }
    await this.work.finish(this.job, this.lease, 'COMPLETED');
    log.info('import.completed', { importId: this.job.id, ledger: this.job.ledgerName, blocks: this.progress.blocksWritten });
  }

  /** Where to go on from: the recorded progress when the ledger's journal agrees with it, else block 0 on an emptied ledger. */
  private async resumePoint(): Promise<void> {
    const p = this.progress;
    const strand = await this.store.journal.strand(this.ledgerId);
    const agrees = p.tip < 0 ? !strand : !!strand && strand.tipSequenceNo === p.tip && strand.strandId === this.plan.strandId;
    if (!agrees) {
      this.work.deps.log.warn('import.restarted', { importId: this.job.id, recordedTip: p.tip, storedTip: strand?.tipSequenceNo ?? null });
      await this.work.purge(this.ledgerId);
      this.progress = { ...newProgress() };
    }
    const { tables, indexes } = await this.store.documents.catalog(this.ledgerId);
    const catalog = new Catalog(
      tables.map((t) => ({
        ...t,
        indexes: indexes.filter((i) => i.tableId === t.tableId).map((i) => ({ indexId: i.indexId, field: i.field, status: 'ONLINE' as const })),
      })),
    );
    this.catalog = new ImportCatalog(catalog, this.progress.pending, this.plan.strandId);
    this.tipHash = this.progress.tipHash ? Buffer.from(this.progress.tipHash, 'base64') : undefined;
    this.linked = { seq: this.progress.tip, hash: this.tipHash, timestampMs: this.progress.tipTimeMs };
  }

  private async read(o: PlannedObject): Promise<Buffer> {
    try {
      return await this.work.deps.sink.get(this.spec.bucket, o.key);
    } catch (e) {
      const err = e as { code?: string; message?: string };
      throw new ImportFailure(o.key, 'missingObject', `s3://${this.spec.bucket}/${o.key}: listed in the manifest of export ${o.exportId} but cannot be read (${err.code ?? 'Error'}: ${err.message ?? String(e)})`);
    }
  }

  private note(notes: string[]): void {
    for (const n of notes) {
      if (this.progress.notes.length < NOTES_KEPT) this.progress.notes.push(n);
      this.progress.notesCount++;
    }
  }

  /**
   * Links and writes an object's blocks as they are verified; the object's own verdict comes
   * after its last block, so a failure found late ends the import with blocks already written
   * to the CREATING ledger, and fail() removes them with the rest.
   *
   * A batch's write goes on (on SQLite its WAL's fsync, on PostgreSQL the whole transaction)
   * while the next batch's blocks are read and linked; one write at a time, and every write of
   * the object has ended, well or not, when this returns or throws.
   */
  private async importObject(object: PlannedObject, feed: BlockFeed, result: Promise<{ size: number; summary: ObjectSummary }>): Promise<void> {
    const p = this.progress;
    const key = object.key;
    const tipBefore = p.tip;
    let batch: ImportedBlock[] = [];
    let writing: Promise<void> | undefined;
    const writeBehind = async (blocks: ImportedBlock[]) => {
      await writing;
      writing = this.write(blocks);
      writing.catch(() => undefined); // met at the next await of `writing`
    };
    try {
      for await (const b of feed.blocks()) {
        p.blocksRead++;
        p.blocksVerified++;
        const seq = b.sequenceNo;
        if (seq <= this.linked.seq) {
          // an overlap, met only at an object's start: the object is a chain, so ending on the
          // same hash means the same blocks
          if (seq === this.linked.seq && !b.blockHash.equals(this.linked.hash!)) throw this.overlapFailure(key, seq);
          continue;
        }
        const { seq: previousSeq, hash: previousHash, timestampMs: lastTimestamp } = this.linked;
        if (seq !== previousSeq + 1) {
          throw new ImportFailure(key, 'sequence', previousSeq < 0 ? `${this.where(key, seq)}: the strand must start at block 0` : `${sequenceMessage(this.where(key, seq), previousSeq)} (check: sequence)`, seq);
        }
        if (previousHash && !b.previousBlockHash.equals(previousHash)) {
          throw new ImportFailure(key, 'chain', `${this.where(key, seq)}: previousBlockHash is not the previous block's blockHash (check: chain)`, seq);
        }
        const late = lastTimestamp !== undefined && b.timestampMs < lastTimestamp ? timestampOrderFailure(key, this.where(key, seq), seq, b.timestampMs, lastTimestamp) : undefined;
        if (late) throw new ImportFailure(key, late.check, `${late.message} (check: ${late.check})`, seq);
        this.linked.seq = seq;
        this.linked.hash = b.blockHash;
        this.linked.timestampMs = b.timestampMs;
        batch.push(b);
        if (batch.length >= this.work.deps.options.batchBlocks) {
          await writeBehind(batch);
          batch = [];
        }
      }
      const { size, summary } = await result;
      this.lease.check();
      p.bytesRead += size;
      if (summary.failure) {
        const f = summary.failure;
        throw new ImportFailure(f.key, f.check, `${f.message} (check: ${f.check})`, f.sequenceNo);
      }
      if (summary.lastSeq! <= tipBefore) {
        // wholly written already (an overlapping export): identical if it ends on the same block hash
        const stored = await this.blockHashAt(summary.lastSeq!);
        if (!stored.equals(summary.lastBlockHash!)) throw this.overlapFailure(key, summary.lastSeq!);
        return;
      }
      if (batch.length) await writeBehind(batch);
      await writing;
    } finally {
      // a failure must not race a write still going (its progress would follow the failure's)
      await writing?.catch(() => undefined);
    }
  }

  /** How a failure names a block: made only when one is found. */
  private where(key: string, seq: number): string {
    return `${key}: block {strandId:"${this.plan.strandId}",sequenceNo:${seq}}`;
  }

  private overlapFailure(key: string, seq: number): ImportFailure {
    return new ImportFailure(
      key,
      'overlap',
      `${this.where(key, seq)} differs from the block ${seq} of an earlier object: overlapping exports must hold identical blocks (check: overlap)`,
      seq,
    );
  }

  private async blockHashAt(seq: number): Promise<Buffer> {
    if (seq === this.progress.tip) return this.tipHash!;
    const b = await this.store.journal.block(this.ledgerId, seq);
    return Buffer.from(parseBlock(b!.ion).blockHash);
  }

  /** One store transaction: the batch's blocks and everything they rebuild, then the progress. */
  private async write(batch: ImportedBlock[]): Promise<void> {
    this.lease.check();
    const p = this.progress;
    const ledgerId = this.ledgerId;
    let blocks = batch;
    if (blocks[0].sequenceNo === 0) {
      const g = blocks[0];
      if (g.revisions.length || g.ddl.length || g.redactions.length) {
        this.note([`block 0: its revisions and statements are kept in the journal but not rebuilt into tables and documents`]);
      }
      await this.store.journal.createStrand(ledgerId, this.plan.strandId, { blockHash: g.blockHash, timestampMs: g.timestampMs, transactionId: g.transactionId, ion: g.ion });
      blocks = blocks.slice(1);
    }
    if (blocks.length) {
      // catalog changes are worked out first (they are the import's own state), row writes under the lock
      const planned = blocks.map((b) => {
        const before = this.catalog.catalog;
        const { ops, notes } = this.catalog.opsFor(b, b.sequenceNo === this.plan.lastSeq);
        this.note([...b.notes, ...notes]);
        return { b, before, ops };
      });
      const documents = new Set<string>();
      const liveDocumentsOf = new Set<string>();
      const revisions: { docId: string; version: number }[] = [];
      const redactedBlocks = new Set<number>();
      for (const { b, ops } of planned) {
        for (const r of b.revisions) if (r.version > 0) documents.add(r.docId);
        for (const op of ops) if (op.kind === 'createIndex') liveDocumentsOf.add(op.tableId);
        for (const r of b.redactions) {
          revisions.push({ docId: r.documentId, version: r.version });
          redactedBlocks.add(r.blockAddress.sequenceNo);
        }
      }
      const needs = { documents: [...documents], liveDocumentsOf: [...liveDocumentsOf], revisions, blocks: [...redactedBlocks] };
      await this.store.commits.commit(ledgerId, blocks[0].sequenceNo - 1, needs, (reads) => {
        const overlay = new BatchOverlay(reads);
        const writes: CommitWrites[] = planned.map(({ b, before, ops }) => {
          const record: CommitRecord = { seq: b.sequenceNo, docs: new Set(), tables: new Set(), keys: new Set(), catalogChanged: ops.length > 0, catalogNames: new Set() };
          return commitWritesOf(overlay, {
            ledgerId,
            block: { sequenceNo: b.sequenceNo, blockHash: b.blockHash, timestampMs: b.timestampMs, transactionId: b.transactionId, ion: b.ion },
            catalog: before,
            ops,
            written: b.revisions.map((r) => ({ docId: r.docId, tableId: r.tableId, version: r.version, cur: overlay.document(r.docId), data: r.data, revisionIon: r.revisionIon })),
            redactions: b.redactions,
            record,
          });
        });
        return { writes, result: undefined };
      });
    }
    const last = batch[batch.length - 1];
    p.tip = last.sequenceNo;
    p.tipHash = last.blockHash.toString('base64');
    p.tipTimeMs = last.timestampMs;
    p.blocksWritten += batch.length;
    p.pending = this.catalog.pending;
    this.tipHash = last.blockHash;
    await this.work.save(this.job, this.lease, p);
  }

  private async checkDigest(): Promise<void> {
    const { digest, tip } = this.spec;
    if (!digest || !tip) return;
    const fail = (message: string) => new ImportFailure('(digest)', 'digest', message, tip.sequenceNo);
    if (tip.strandId !== this.plan.strandId) {
      throw fail(`the expected digest's tip {strandId:"${tip.strandId}",sequenceNo:${tip.sequenceNo}} is on another strand than the exports' ${this.plan.strandId} (check: digest)`);
    }
    if (tip.sequenceNo > this.plan.lastSeq) {
      throw fail(`the expected digest's tip is block ${tip.sequenceNo}, but the exports end at block ${this.plan.lastSeq} (check: digest)`);
    }
    const got = await digestAt(this.store.journal, this.ledgerId, tip.sequenceNo);
    if (!got.equals(Buffer.from(digest, 'base64'))) {
      throw fail(`blocks 0..${tip.sequenceNo} do not fold into the expected digest ${digest} (they give ${got.toString('base64')}) (check: digest)`);
    }
  }
}

/**
 * An object's verified blocks as they come from its reader (a worker's parts, or all at once
 * when verified on this thread), taken in order by the one writing them.
 */
class BlockFeed {
  private readonly parts: Iterable<ImportedBlock>[] = [];
  private ended = false;
  private wake?: () => void;

  push(part: Iterable<ImportedBlock>): void {
    this.parts.push(part);
    this.wake?.();
  }

  end(): void {
    this.ended = true;
    this.wake?.();
  }

  async *blocks(): AsyncGenerator<ImportedBlock> {
    for (;;) {
      const part = this.parts.shift();
      if (part) yield* part;
      else if (this.ended) return;
      else await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }
}
