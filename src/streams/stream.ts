/**
 * A journal stream's work (the JobWork of kind 'stream'), run by the lease's holder:
 *
 *   CREATED once → every block from the start position: its BLOCK_SUMMARY, then one
 *   REVISION_DETAILS per revision → … following new commits … → COMPLETED once a block at or
 *   after ExclusiveEndTime is seen, or the end time passed with nothing left before it.
 *
 * The position (the next block) is saved after each batch is in Kinesis, never before: a restart
 * resumes there and sends again what the last batch had sent (at least once, never a gap). New
 * commits are found by reading the strand's tip every `pollMs` (a cached read on SQLite, one
 * indexed row on PostgreSQL), which bounds the latency on an idle server.
 *
 * A destination that refuses or cannot be reached turns the stream IMPAIRED with its ErrorCause
 * while the same records are retried with backoff; it is ACTIVE again with the first put that
 * goes through, and FAILED once it stayed impaired for `impairedLimitMs`.
 */
import type { JobWork, Lease } from '../jobs/runner';
import type { Job } from '../jobs/types';
import type { Logger } from '../server/log';
import type { JobStore, JournalStore } from '../storage/stores';
import { aggregateByShard, unaggregated, type KinesisEntry } from './aggregation';
import { kinesisStreamName } from '../ledger/arn';
import { DeliveryError, type ErrorCause, type KinesisWriter } from './kinesis';
import { blockRecords, controlRecord, type StreamRecord } from './records';
import type { StreamProgress, StreamSpec, StreamStatus } from './service';

export interface StreamWorkOptions {
  /** how often an idle stream looks for new blocks */
  pollMs: number;
  /** blocks read and delivered per batch (one saved position per batch) */
  batchBlocks: number;
  /** how long an IMPAIRED stream keeps retrying before it is FAILED */
  impairedLimitMs: number;
  /** how long after ExclusiveEndTime a block stamped before it may still become visible */
  settleMs: number;
  /** largest aggregated Kinesis record */
  maxAggregateBytes: number;
  /** first and largest wait between retries of an impaired delivery */
  retryMinMs: number;
  retryMaxMs: number;
}

export const DEFAULT_STREAM_WORK: StreamWorkOptions = {
  pollMs: 100,
  batchBlocks: 1_000,
  impairedLimitMs: 3_600_000,
  settleMs: 1_000,
  maxAggregateBytes: 1_000_000,
  retryMinMs: 200,
  retryMaxMs: 1_000,
};

/** Blocks encoded between two turns of the event loop while a batch is prepared. */
const ENCODE_SLICE = 50;

/** A batch of records ready to deliver, and the position after it. */
interface Batch {
  records: StreamRecord[];
  next: number;
  /** a block at or after ExclusiveEndTime follows */
  ended: boolean;
}

/** The stream ended as FAILED while delivering. */
class Failed extends Error {}

export class StreamWork implements JobWork<Job> {
  readonly name = 'stream';
  private readonly options: StreamWorkOptions;

  constructor(
    private readonly jobs: JobStore,
    private readonly journal: JournalStore,
    private readonly writer: KinesisWriter,
    private readonly log: Logger,
    options: Partial<StreamWorkOptions> = {},
    private readonly now: () => number = Date.now,
  ) {
    this.options = { ...DEFAULT_STREAM_WORK, ...options };
  }

  id(job: Job): string {
    return job.id;
  }

  logFields(job: Job): Record<string, unknown> {
    return { streamId: job.id, ledger: job.ledgerName };
  }

  async fail(job: Job, reason: string, lease: Lease): Promise<void> {
    this.log.error('stream.failed', { ...this.logFields(job), reason });
    await this.jobs.finish(job.id, 'FAILED', this.now(), undefined, lease.owner);
  }

  async run(job: Job, lease: Lease): Promise<void> {
    const spec = JSON.parse(job.spec) as StreamSpec;
    const progress = JSON.parse(job.progress) as StreamProgress;
    const state = { status: job.status as StreamStatus };
    const name = kinesisStreamName(spec.kinesisStreamArn);
    const aggregated = spec.aggregationEnabled ?? true;
    const { pollMs, settleMs } = this.options;
    // an aggregate is made for the shards the stream has when it is put (the KPL's rule)
    const entries = async (records: readonly StreamRecord[]): Promise<KinesisEntry[]> =>
      aggregated ? aggregateByShard(records, this.options.maxAggregateBytes, await this.writer.shardRanges(name, this.now())) : unaggregated(records);

    const save = async (status: StreamStatus) => {
      if (!(await this.jobs.update(job.id, lease.owner, status, JSON.stringify(progress)))) lease.lost();
      state.status = status;
    };
    const deliver = (records: readonly StreamRecord[]) => this.deliver(job, lease, name, () => entries(records), progress, state, save);

    try {
      if (!progress.created) {
        await deliver([controlRecord(spec.arn, job.id, 'CREATED')]);
        progress.created = true;
        await save(state.status);
      }
      let endSeenAt: number | undefined;
      let ahead: { from: number; batch: Promise<Batch> } | undefined;
      for (;;) {
        lease.check();
        // no strand yet: the ledger's genesis block is still being written (an empty journal)
        const tipSeq = (await this.journal.strand(job.ledgerId))?.tipSequenceNo ?? -1;
        if (progress.nextSeq <= tipSeq) {
          const batch = await (ahead && ahead.from === progress.nextSeq ? ahead.batch : this.prepare(job, spec, progress.nextSeq, tipSeq));
          ahead = undefined;
          // the next batch is read and encoded while this one is in Kinesis
          if (!batch.ended && batch.next > progress.nextSeq && batch.next <= tipSeq) {
            const from = batch.next;
            ahead = { from, batch: this.prepare(job, spec, from, tipSeq) };
            ahead.batch.catch(() => {}); // its failure, if any, is met when it is awaited
          }
          if (batch.records.length) {
            // a cancel (on any node) ends the job in the store: look before sending more
            if (!(await this.jobs.get('stream', job.id))?.active) lease.lost();
            await deliver(batch.records);
          }
          if (batch.next !== progress.nextSeq) {
            progress.nextSeq = batch.next;
            await save(state.status);
          }
          if (batch.ended) break;
          continue;
        }
        if (spec.endMs !== undefined && this.now() >= spec.endMs + settleMs) {
          // one more look at the tip, taken after the end settled: nothing stamped earlier is still to come
          if (endSeenAt !== undefined) break;
          endSeenAt = this.now();
          continue;
        }
        await lease.sleep(pollMs);
      }
      // a stream canceled meanwhile never gets its COMPLETED record
      await lease.confirm();
      await deliver([controlRecord(spec.arn, job.id, 'COMPLETED')]);
      await lease.confirm();
      if (!(await this.jobs.finish(job.id, 'COMPLETED', this.now(), undefined, lease.owner))) lease.lost();
      this.log.info('stream.completed', { ...this.logFields(job), nextSeq: progress.nextSeq });
    } catch (e) {
      if (e instanceof Failed) return;
      throw e;
    }
  }

  /**
   * The records of blocks from..(at most batchBlocks, at most `tip`), stopping before a block at
   * or after the end time (`ended`) or a gap; encoded a slice at a time, so that a put in flight
   * meanwhile goes on.
   */
  private async prepare(job: Job, spec: StreamSpec, from: number, tip: number): Promise<Batch> {
    const to = Math.min(tip, from + this.options.batchBlocks - 1);
    const blocks = await this.journal.blocks(job.ledgerId, from, to, to - from + 1);
    const records: StreamRecord[] = [];
    let next = from;
    let ended = false;
    for (const b of blocks) {
      if (b.sequenceNo !== next) break; // a gap is never skipped: read again from here
      if (spec.endMs !== undefined && b.timestampMs >= spec.endMs) {
        ended = true;
        break;
      }
      for (const r of blockRecords(spec.arn, b.ion).records) records.push(r);
      next++;
      if ((next - from) % ENCODE_SLICE === 0) await new Promise<void>((resolve) => setImmediate(resolve));
    }
    return { records, next, ended };
  }

  /** Puts the entries until they are in, impairing the stream while the destination refuses. */
  private async deliver(
    job: Job,
    lease: Lease,
    streamName: string,
    entries: () => Promise<KinesisEntry[]>,
    progress: StreamProgress,
    state: { status: StreamStatus },
    save: (status: StreamStatus) => Promise<void>,
  ): Promise<void> {
    let wait = this.options.retryMinMs;
    for (;;) {
      lease.check();
      try {
        await this.writer.put(streamName, await entries(), (ms) => lease.sleep(ms));
        if (state.status === 'IMPAIRED') {
          delete progress.errorCause;
          delete progress.impairedSinceMs;
          await save('ACTIVE');
          this.log.info('stream.recovered', this.logFields(job));
        }
        return;
      } catch (e) {
        if (!(e instanceof DeliveryError)) throw e;
        const now = this.now();
        if (e.errorCause) {
          if (state.status !== 'IMPAIRED' || progress.errorCause !== e.errorCause) {
            progress.errorCause = e.errorCause;
            progress.impairedSinceMs ??= now;
            await save('IMPAIRED');
            this.log.warn('stream.impaired', { ...this.logFields(job), errorCause: e.errorCause, message: e.message });
          }
          if (now - progress.impairedSinceMs! >= this.options.impairedLimitMs) await this.failImpaired(job, lease, e.errorCause);
        } else {
          this.log.warn('stream.put_retry', { ...this.logFields(job), message: e.message });
        }
      }
      await lease.sleep(wait);
      wait = Math.min(this.options.retryMaxMs, wait * 2);
    }
  }

  private async failImpaired(job: Job, lease: Lease, cause: ErrorCause): Promise<never> {
    await lease.confirm();
    if (!(await this.jobs.finish(job.id, 'FAILED', this.now(), cause, lease.owner))) lease.lost();
    this.log.error('stream.failed', { ...this.logFields(job), errorCause: cause });
    throw new Failed();
  }
}
