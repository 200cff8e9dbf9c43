/**
 * An export job's work, run under its lease by the one job runner (`jobs/runner.ts`,
 * scale-out.md §4): a node records each data object with its resume point only while it still
 * holds the job, and a dead node's jobs are resumed by another from their resume points.
 *
 * A job writes its data objects in journal order, records each one (and the block after it)
 * durably as soon as the sink has it, then writes the completed manifest and only then turns
 * COMPLETED (control-plane.md §4.2).
 *
 * Resume is exact because everything that decides an object's key and bytes is fixed when the
 * job is created and stored with it: the block range (first and last block), the cut rule (bytes
 * and blocks per object), the format and the creation hour. A resumed job continues at the first
 * block not yet in a recorded object and cuts the same objects it would have cut, on any node.
 */
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { ExportStore, JournalStore } from '../storage/stores';
import type { JobWork, Lease, Leases } from '../jobs/runner';
import { FORMATS } from './encoders';
import { completedManifestKey, dataObjectKey } from './layout';
import { lazy } from '../lazy';
import type * as Manifests from './manifests';
import { OutBuf } from './outBuf';
import type { EncodedSegment, SegmentEncoder } from './segments';
import { putWithRetry, SinkError, type PutOptions, type RetryPolicy, type Sink } from './sinks/sink';
import { dataFormat, type ExportJob } from './types';
import type { Logger } from '../server/log';

// manifests are written with ion-js, loaded with the first export rather than at start-up
const manifests = lazy(() => require('./manifests') as typeof Manifests);

export interface ExportWorkOptions {
  retry: RetryPolicy;
  /** blocks per segment read and encoded at once */
  segmentBlocks: number;
  /** jobs run at once, which bounds the pooled object buffers */
  concurrency: number;
}

/** The export jobs' leases, held in their own table. */
export function exportLeases(store: ExportStore): Leases<ExportJob> {
  return {
    claim: (owner, until, expiredBefore) => store.claim(owner, until, expiredBefore),
    renew: (id, owner, until) => store.renew(id, owner, until),
    pending: async (id) => (await store.get(id))?.status === 'IN_PROGRESS',
  };
}

export class ExportWork implements JobWork<ExportJob> {
  readonly name = 'export';
  onObjectWritten?: (bytes: number) => void;

  constructor(
    private readonly store: ExportStore,
    private readonly journal: JournalStore,
    private readonly sink: Sink,
    private readonly segments: SegmentEncoder,
    private readonly log: Logger,
    private readonly options: ExportWorkOptions,
    private readonly now: () => number = Date.now,
  ) {}

  id(job: ExportJob): string {
    return job.exportId;
  }

  logFields(job: ExportJob): Record<string, unknown> {
    return { exportId: job.exportId, ledger: job.ledgerName, nextSeq: job.nextSeq ?? null };
  }

  async fail(job: ExportJob, reason: string): Promise<void> {
    await this.store.finish(job.exportId, 'CANCELLED', this.now(), reason);
    this.log.error('export.cancelled', { exportId: job.exportId, ledger: job.ledgerName, reason });
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
    if (this.pool.length < 2 * Math.max(1, this.options.concurrency)) this.pool.push(...buffers);
  }

  async run(job: ExportJob, lease: Lease): Promise<void> {
    const { owner } = lease;
    const format = dataFormat(job);
    const info = FORMATS[format];
    const put: PutOptions = {
      contentType: info.dataContentType,
      encryption: { type: job.encryptionType, kmsKeyArn: job.kmsKeyArn },
    };
    const created = new Date(job.createdMs);
    const onRetry = (err: SinkError, attempt: number) =>
      this.log.warn('export.retry', { exportId: job.exportId, attempt, code: err.code, message: err.message });

    let ordinal = (await this.store.objects(job.exportId)).length;
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
        // no new object once the lease is lost; one already on its way carries the same key and
        // bytes as the new holder's
        lease.check();
        const key = dataObjectKey(job.prefix, created, job.strandId, first, last, format);
        const bytes = body.view();
        const putting = putWithRetry(this.sink, job.bucket, key, bytes, put, this.options.retry, onRetry);
        // an unobserved rejection must not escape while the previous object is awaited
        putting.catch(() => undefined);
        if (previous) await previous;
        await putting;
        if (!lease.holds()) lease.lost();
        if (!(await this.store.addObject(job.exportId, owner, { ordinal: ordinal++, key, firstSeq: first, lastSeq: last }, last + 1))) {
          lease.lost();
        }
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
        await checkAfter(lease, inFlight);
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
          await checkAfter(lease, inFlight);
          if (!(await this.journal.strand(job.ledgerId))) throw new Error(`the ledger ${job.ledgerName} no longer exists`);
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

    // the completed manifest names every recorded object: only the lease's holder writes it
    lease.check();
    const keys = (await this.store.objects(job.exportId)).map((o) => o.key);
    await lease.confirm();
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
    if (await this.store.finish(job.exportId, 'COMPLETED', this.now())) {
      this.log.info('export.completed', { exportId: job.exportId, ledger: job.ledgerName, objects: keys.length });
    }
  }
}

/** Goes on unless stopping or the lease is lost; if not, the object on its way is written (and recorded) first. */
async function checkAfter(lease: Lease, inFlight: Promise<void> | undefined): Promise<void> {
  try {
    lease.check();
  } catch (e) {
    await inFlight;
    throw e;
  }
}
