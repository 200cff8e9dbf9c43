/**
 * Runs export jobs, one node at a time per job (scale-out.md §4): a job is run by whoever holds
 * its lease in the store. This runner claims IN_PROGRESS jobs whose lease is free or expired —
 * at start-up, right after this node creates one, and every `pollMs` — up to `concurrency` at
 * once, renews each lease every `renewMs` while it works, and records each data object with its
 * resume point only while it still holds the lease. A node that dies stops renewing; once its
 * leases run out another node claims its jobs and resumes them from their resume points.
 *
 * A job writes its data objects in journal order, records each one (and the block after it)
 * durably as soon as the sink has it, then writes the completed manifest and only then turns
 * COMPLETED (control-plane.md §4.2).
 *
 * Resume is exact because everything that decides an object's key and bytes is fixed when the
 * job is created and stored with it: the block range (first and last block), the cut rule (bytes
 * and blocks per object), the format and the creation hour. A resumed job continues at the first
 * block not yet in a recorded object and cuts the same objects it would have cut, on any node.
 *
 * Each of the `concurrency` slots claims under an owner name of its own (`<nodeId>/<slot>`):
 * claiming again under a name that holds a lease renews that lease, so one name could never
 * hold two jobs.
 */
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { Logger } from '../server/log';
import type { ExportStore, JournalStore } from '../storage/stores';
import { FORMATS } from './encoders';
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
  /** this server process among the nodes sharing the store */
  nodeId: string;
  /** how long a claim or renewal holds a job */
  leaseMs: number;
  /** how often a running job's lease is renewed (well within leaseMs) */
  renewMs: number;
  /** how often the store is asked for claimable jobs when nothing else prompts it */
  pollMs: number;
  /**
   * The store serves this process alone (SQLite, under the data-directory lock): a lease found
   * at start-up can only be a previous process's, and is taken over at once.
   */
  soleNode: boolean;
}

/** The runner is stopping: the job pauses, IN_PROGRESS, and its lease is let go. */
class Stopped extends Error {}
/** Another node holds the job now (or this one can no longer be sure it does): touch nothing more. */
class LeaseLost extends Error {}

interface Run {
  readonly job: ExportJob;
  readonly owner: string;
  /** the lease is held until then, as far as this node knows */
  until: number;
  lost: boolean;
  ended: boolean;
  done?: Promise<void>;
}

export class ExportRunner {
  private readonly slots: (Run | undefined)[];
  private stopping = false;
  private readonly startedAt: number;
  private claiming: Promise<void> | undefined;
  private claimAgain = false;
  private pollTimer: NodeJS.Timeout | undefined;
  /** woken whenever a job ends here, a claim round ends, or the runner stops */
  private waiters: (() => void)[] = [];
  onObjectWritten?: (bytes: number) => void;

  constructor(
    private readonly store: ExportStore,
    private readonly journal: JournalStore,
    private readonly sink: Sink,
    private readonly segments: SegmentEncoder,
    private readonly log: Logger,
    private readonly options: RunnerOptions,
    private readonly now: () => number = Date.now,
  ) {
    this.slots = new Array<Run | undefined>(Math.max(1, options.concurrency)).fill(undefined);
    this.startedAt = now();
  }

  /** Starts claiming: first the jobs left IN_PROGRESS by a stop or by a node that died. */
  start(): void {
    this.claimSoon();
  }

  /** A job was just created here: claim it now rather than at the next poll. */
  claimSoon(): void {
    if (this.stopping) return;
    if (this.claiming) {
      this.claimAgain = true;
      return;
    }
    if (this.pollTimer) clearTimeout(this.pollTimer);
    this.pollTimer = undefined;
    this.claiming = this.claimRound().finally(() => {
      this.claiming = undefined;
      this.wake();
      if (this.stopping) return;
      if (this.claimAgain) {
        this.claimAgain = false;
        this.claimSoon();
        return;
      }
      this.pollTimer = setTimeout(() => this.claimSoon(), this.options.pollMs);
      // polling alone keeps no process alive, unless someone waits for a job (see whenIdle)
      if (this.waiters.length === 0) this.pollTimer.unref();
    });
  }

  private async claimRound(): Promise<void> {
    try {
      for (let slot = 0; slot < this.slots.length && !this.stopping; slot++) {
        if (this.slots[slot]) continue;
        const owner = `${this.options.nodeId}/${slot}`;
        const now = this.now();
        // on a store of its own, a lease that ends before this process' first could have is a
        // previous process'; a lease this process took ends after that
        const expiredBefore = this.options.soleNode ? Math.max(now, this.startedAt + this.options.leaseMs) : now;
        const job = await this.store.claim(owner, now + this.options.leaseMs, expiredBefore);
        if (!job) break;
        if (this.stopping) {
          await this.release(job.exportId, owner);
          break;
        }
        this.begin(slot, { job, owner, until: now + this.options.leaseMs, lost: false, ended: false });
      }
    } catch (e) {
      this.log.warn('export.claim_failed', { message: String((e as Error)?.message ?? e) });
    }
  }

  private begin(slot: number, run: Run): void {
    this.slots[slot] = run;
    const { job } = run;
    this.log.info('export.claimed', { exportId: job.exportId, ledger: job.ledgerName, nextSeq: job.nextSeq ?? null, owner: run.owner });
    const renewal = setInterval(() => void this.renew(run), this.options.renewMs);
    renewal.unref();
    run.done = this.run(run).finally(() => {
      run.ended = true;
      clearInterval(renewal);
      this.slots[slot] = undefined;
      this.wake();
      this.claimSoon();
    });
  }

  private async renew(run: Run): Promise<void> {
    if (run.lost || run.ended) return;
    const until = this.now() + this.options.leaseMs;
    try {
      const held = await this.store.renew(run.job.exportId, run.owner, until);
      if (run.ended) return;
      if (held) run.until = Math.max(run.until, until);
      else this.lose(run);
    } catch (e) {
      // the lease may still be held: the next renewal or the next record tells
      this.log.warn('export.renew_failed', { exportId: run.job.exportId, message: String((e as Error)?.message ?? e) });
    }
  }

  private lose(run: Run): void {
    if (!run.lost) this.log.warn('export.lease_lost', { exportId: run.job.exportId, owner: run.owner });
    run.lost = true;
  }

  /** Whether this node still holds the job's lease, as far as it knows. */
  private holds(run: Run): boolean {
    // renewals that could not reach the store leave `until` behind: past it, another node may hold the job
    if (!run.lost && this.now() >= run.until) this.lose(run);
    return !run.lost;
  }

  /** Throws unless this node may go on with the job. */
  private check(run: Run): void {
    if (!this.holds(run)) throw new LeaseLost();
    if (this.stopping) throw new Stopped();
  }

  /** Lets another node (or this one's next start) claim a paused job at once. */
  private async release(exportId: string, owner: string): Promise<void> {
    try {
      await this.store.renew(exportId, owner, 0);
    } catch {
      // it runs out on its own
    }
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const fn of w) fn();
  }

  private running(exportId: string): boolean {
    return this.slots.some((r) => r?.job.exportId === exportId);
  }

  /**
   * Resolves once the job is finished (COMPLETED, CANCELLED or gone) and not running here, or once
   * this runner stops: tests and the benchmark wait on it. Another node may be the one running it.
   */
  async whenIdle(exportId: string): Promise<void> {
    for (;;) {
      if (this.stopping) return;
      if (!this.running(exportId)) {
        const job = await this.store.get(exportId);
        if (!job || job.status !== 'IN_PROGRESS' || this.stopping) return;
      }
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        this.pollTimer?.ref();
      });
    }
  }

  /** Stops claiming; running jobs pause at their next step and stay IN_PROGRESS, their leases let go. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.pollTimer) clearTimeout(this.pollTimer);
    this.pollTimer = undefined;
    await this.claiming;
    await Promise.allSettled(this.slots.map((r) => r?.done));
    this.wake();
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
    if (this.pool.length < 2 * this.slots.length) this.pool.push(...buffers);
  }

  private async run(run: Run): Promise<void> {
    const { job, owner } = run;
    const exportId = job.exportId;
    try {
      await this.export(run);
    } catch (e) {
      if (e instanceof Stopped) {
        await this.release(exportId, owner);
        this.log.info('export.paused', { exportId });
        return;
      }
      if (e instanceof LeaseLost) {
        this.log.info('export.left', { exportId, owner });
        return;
      }
      const reason =
        e instanceof SinkError ? `${e.code}: ${e.message}` : `${(e as Error)?.name ?? 'Error'}: ${(e as Error)?.message ?? String(e)}`;
      try {
        // only the lease's holder decides a job's end
        if (!run.lost && (await this.store.renew(exportId, owner, this.now() + this.options.leaseMs))) {
          await this.store.finish(exportId, 'CANCELLED', this.now(), reason);
          this.log.error('export.cancelled', { exportId, ledger: job.ledgerName, reason });
        }
      } catch (e2) {
        // the store is unreachable: the job stays IN_PROGRESS, and is claimed again once its lease runs out
        this.log.error('export.failed', { exportId, ledger: job.ledgerName, reason, store: String((e2 as Error)?.message ?? e2) });
      }
    }
  }

  private async export(run: Run): Promise<void> {
    const { job, owner } = run;
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
        if (!this.holds(run)) throw new LeaseLost();
        const key = dataObjectKey(job.prefix, created, job.strandId, first, last, format);
        const bytes = body.view();
        const putting = putWithRetry(this.sink, job.bucket, key, bytes, put, this.options.retry, onRetry);
        // an unobserved rejection must not escape while the previous object is awaited
        putting.catch(() => undefined);
        if (previous) await previous;
        await putting;
        if (run.lost) throw new LeaseLost();
        if (!(await this.store.addObject(job.exportId, owner, { ordinal: ordinal++, key, firstSeq: first, lastSeq: last }, last + 1))) {
          this.lose(run);
          throw new LeaseLost();
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
        if (this.stopping || run.lost) {
          await inFlight;
          this.check(run);
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
          if (this.stopping || run.lost) {
            await inFlight;
            this.check(run);
          }
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
    this.check(run);
    const keys = (await this.store.objects(job.exportId)).map((o) => o.key);
    if (!(await this.store.renew(job.exportId, owner, this.now() + this.options.leaseMs))) {
      this.lose(run);
      throw new LeaseLost();
    }
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
