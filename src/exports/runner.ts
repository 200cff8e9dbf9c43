/**
 * Runs export jobs: a bounded number at once (exportConcurrency), the rest queued in creation
 * order. A job writes its data objects in journal order, records each one (and the block after
 * it) durably as soon as the sink has it, then writes the completed manifest and only then
 * turns COMPLETED (control-plane.md §4.2).
 *
 * Resume is exact because everything that decides an object's key and bytes is fixed when the
 * job is created and stored with it: the block range (first and last block), the cut rule (bytes
 * and blocks per object), the format and the creation hour. A restarted job continues at the
 * first block not yet in a recorded object and cuts the same objects it would have cut.
 */
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { Logger } from '../server/log';
import type { SqliteExportStore } from '../storage/sqlite/exportStore';
import { FORMATS } from './encoders';
import type { ExportJournal } from './journalSource';
import { completedManifestKey, dataObjectKey } from './layout';
import { lazy } from '../lazy';
import type * as Manifests from './manifests';
import { OutBuf } from './outBuf';
import type { EncodedSegment, SegmentEncoder } from './segments';
import { putWithRetry, SinkError, type PutOptions, type RetryPolicy, type Sink } from './sinks/sink';
import { dataFormat, type ExportJob } from './types';

// manifests are written with ion-js, loaded with the first export rather than at start-up
const manifests = lazy(() => require('./manifests') as typeof Manifests);

export interface RunnerOptions {
  concurrency: number;
  retry: RetryPolicy;
  /** blocks per segment read and encoded at once */
  segmentBlocks: number;
}

class Stopped extends Error {}

export class ExportRunner {
  private readonly queue: string[] = [];
  private readonly queued = new Set<string>();
  private readonly running = new Map<string, Promise<void>>();
  private stopping = false;
  /** resolves when a job finishes: tests and the benchmark wait on it */
  private readonly waiters = new Map<string, (() => void)[]>();
  onObjectWritten?: (bytes: number) => void;

  constructor(
    private readonly store: SqliteExportStore,
    private readonly journal: ExportJournal,
    private readonly sink: Sink,
    private readonly segments: SegmentEncoder,
    private readonly log: Logger,
    private readonly options: RunnerOptions,
    private readonly now: () => number = Date.now,
  ) {}

  /** Queues every IN_PROGRESS job (at start-up: the jobs a stop interrupted). */
  resumeAll(): void {
    for (const job of this.store.inProgress()) {
      this.log.info('export.resume', { exportId: job.exportId, ledger: job.ledgerName, nextSeq: job.nextSeq ?? null });
      this.enqueue(job.exportId);
    }
  }

  enqueue(exportId: string): void {
    if (this.stopping || this.queued.has(exportId) || this.running.has(exportId)) return;
    this.queued.add(exportId);
    this.queue.push(exportId);
    this.pump();
  }

  /** Resolves once the job is no longer running or queued (finished, or left for a restart). */
  whenIdle(exportId: string): Promise<void> {
    if (!this.queued.has(exportId) && !this.running.has(exportId)) return Promise.resolve();
    return new Promise((resolve) => {
      const list = this.waiters.get(exportId) ?? [];
      list.push(resolve);
      this.waiters.set(exportId, list);
    });
  }

  /** Stops taking jobs; running ones pause at their next step and stay IN_PROGRESS for the next start. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.queue.length = 0;
    this.queued.clear();
    await Promise.allSettled([...this.running.values()]);
  }

  /**
   * Object buffers are pooled: each grows to an object's size once and is reused by the next
   * job, so memory stays at (2 × concurrency) objects however many jobs run.
   */
  private readonly pool: OutBuf[] = [];

  private takeBuffer(maxObjectBytes: number): OutBuf {
    const b = this.pool.pop() ?? new OutBuf(1 << 20, maxObjectBytes + (1 << 20));
    b.reset();
    return b;
  }

  private returnBuffers(buffers: OutBuf[]): void {
    if (this.pool.length < 2 * this.options.concurrency) this.pool.push(...buffers);
  }

  private pump(): void {
    while (!this.stopping && this.running.size < this.options.concurrency && this.queue.length > 0) {
      const id = this.queue.shift()!;
      this.queued.delete(id);
      const p = this.run(id).finally(() => {
        this.running.delete(id);
        for (const w of this.waiters.get(id) ?? []) w();
        this.waiters.delete(id);
        this.pump();
      });
      this.running.set(id, p);
    }
  }

  private async run(exportId: string): Promise<void> {
    const job = this.store.get(exportId);
    if (!job || job.status !== 'IN_PROGRESS') return;
    try {
      await this.export(job);
    } catch (e) {
      if (e instanceof Stopped) {
        this.log.info('export.paused', { exportId });
        return;
      }
      const reason =
        e instanceof SinkError ? `${e.code}: ${e.message}` : `${(e as Error)?.name ?? 'Error'}: ${(e as Error)?.message ?? String(e)}`;
      this.store.finish(exportId, 'CANCELLED', this.now(), reason);
      this.log.error('export.cancelled', { exportId, ledger: job.ledgerName, reason });
    }
  }

  private async export(job: ExportJob): Promise<void> {
    const format = dataFormat(job);
    const info = FORMATS[format];
    const put: PutOptions = {
      contentType: info.dataContentType,
      encryption: { type: job.encryptionType, kmsKeyArn: job.kmsKeyArn },
    };
    const created = new Date(job.createdMs);
    const onRetry = (err: SinkError, attempt: number) =>
      this.log.warn('export.retry', { exportId: job.exportId, attempt, code: err.code, message: err.message });

    let ordinal = this.store.objects(job.exportId).length;
    if (job.firstSeq !== undefined && job.lastSeq !== undefined && job.nextSeq !== undefined) {
      // two buffers: the next object is encoded while the sink writes the previous one; objects
      // are still recorded strictly in order, each only once the sink has it
      const buffers = [this.takeBuffer(job.maxObjectBytes), this.takeBuffer(job.maxObjectBytes)];
      let out = buffers[0];
      let inFlight: Promise<void> | undefined;
      let seq = job.nextSeq;
      let objFirst = -1;
      let objLast = -1;
      let objBlocks = 0;

      const write = async (body: OutBuf, first: number, last: number, previous: Promise<void> | undefined) => {
        const key = dataObjectKey(job.prefix, created, job.strandId, first, last, format);
        const bytes = body.view();
        const putting = putWithRetry(this.sink, job.bucket, key, bytes, put, this.options.retry, onRetry);
        // an unobserved rejection must not escape while the previous object is awaited
        putting.catch(() => undefined);
        if (previous) await previous;
        await putting;
        this.store.addObject(job.exportId, { ordinal: ordinal++, key, firstSeq: first, lastSeq: last }, last + 1);
        this.onObjectWritten?.(bytes.length);
      };

      const flush = async () => {
        const previous = inFlight;
        inFlight = write(out, objFirst, objLast, previous);
        inFlight.catch(() => undefined);
        // the other buffer is free once the object before this one is written
        if (previous) await previous;
        out = out === buffers[0] ? buffers[1] : buffers[0];
        out.reset();
        objFirst = -1;
        objBlocks = 0;
        if (this.stopping) {
          await inFlight;
          throw new Stopped();
        }
      };

      // segments are read and encoded ahead (in parallel when the encoder has workers); objects
      // are cut here, block by block, so the cut never depends on how the range was segmented
      const ahead: Promise<EncodedSegment>[] = [];
      let requested = seq;
      const requestNext = () => {
        if (requested > job.lastSeq!) return;
        const to = Math.min(job.lastSeq!, requested + this.options.segmentBlocks - 1);
        const p = this.segments.encode(job.ledgerId, requested, to, format);
        p.catch(() => undefined);
        ahead.push(p);
        requested = to + 1;
      };
      try {
        for (let i = 0; i < this.segments.depth; i++) requestNext();
        while (ahead.length > 0) {
          if (this.stopping) {
            await inFlight;
            throw new Stopped();
          }
          if (!this.journal.strand(job.ledgerId)) throw new Error(`the ledger ${job.ledgerName} no longer exists`);
          const segment = await ahead.shift()!;
          requestNext();
          const { bytes, ends } = segment;
          let from = 0;
          for (let i = 0; i < ends.length; i++) {
            if (objFirst < 0) objFirst = seq;
            out.bytes(bytes, from, ends[i]);
            from = ends[i];
            objLast = seq++;
            objBlocks++;
            if (out.len >= job.maxObjectBytes || objBlocks >= job.maxObjectBlocks) await flush();
          }
          // a long export shares the event loop with requests (and lets the sink's I/O complete)
          await yieldToLoop();
        }
      } finally {
        ahead.length = 0;
      }
      if (objBlocks > 0) await flush();
      await inFlight;
      this.returnBuffers(buffers);
    }

    const keys = this.store.objects(job.exportId).map((o) => o.key);
    const manifest = manifests().encodeCompletedManifest(keys, format);
    await putWithRetry(
      this.sink,
      job.bucket,
      completedManifestKey(job.prefix, job.exportId, job.strandId),
      manifest,
      { contentType: info.manifestContentType, encryption: put.encryption },
      this.options.retry,
      onRetry,
    );
    if (this.store.finish(job.exportId, 'COMPLETED', this.now())) {
      this.log.info('export.completed', { exportId: job.exportId, ledger: job.ledgerName, objects: keys.length });
    }
  }
}
