/**
 * Journal streams to Kinesis (control-plane.md §5): the checks of StreamJournalToKinesis,
 * Describe / List / Cancel, and the streams' lives as background jobs of kind 'stream' in the
 * store, run under a lease by the one JobRunner every job kind uses (stream.ts is the work).
 *
 * A job's spec is the request as accepted; its progress the durable position (the next block to
 * deliver, whether CREATED went out) and an impairment. The store holds both, so every node sees
 * the same streams and a restart, here or on another node, resumes from the last saved position.
 */
import type { Caller } from '../api/types';
import type { Config } from '../config';
import { newId } from '../journal/ids';
import { KINESIS_STREAM_ARN, ROLE_ARN, kinesisStreamName, streamArn } from '../ledger/arn';
import type { Ledger, LedgerService } from '../ledger/ledgers';
import { checkTags } from '../ledger/tags';
import {
  invalidParameter,
  limitExceeded,
  resourceInUse,
  resourceNotFound,
  resourcePreconditionNotMet,
} from '../server/errors';
import type { Logger } from '../server/log';
import type { Job } from '../jobs/types';
import { afterJobKey } from '../jobs/pageKey';
import type { JobStore, Store } from '../storage/stores';
import type { JobRunner } from '../jobs/runner';
import type { ErrorCause, KinesisWriter } from './kinesis';

/** At most this many ACTIVE (or IMPAIRED) streams per ledger [AWS quota]. */
export const MAX_ACTIVE_STREAMS_PER_LEDGER = 5;

export type StreamStatus = 'ACTIVE' | 'COMPLETED' | 'CANCELED' | 'FAILED' | 'IMPAIRED';

/** What StreamJournalToKinesis accepted, fixed for the stream's life (the job's spec). */
export interface StreamSpec {
  streamName: string;
  arn: string;
  roleArn: string;
  kinesisStreamArn: string;
  /** as requested; absent = QLDB's default (true) */
  aggregationEnabled?: boolean;
  /** InclusiveStartTime after clamping to the ledger's creation */
  startMs: number;
  endMs?: number;
}

/** How far the stream got (the job's progress), rewritten only by the lease's holder. */
export interface StreamProgress {
  /** the next block to deliver */
  nextSeq: number;
  /** CREATED was delivered */
  created: boolean;
  errorCause?: ErrorCause;
  /** when the current impairment began (epoch ms) */
  impairedSinceMs?: number;
}

export interface StreamRequest {
  RoleArn: string;
  Tags?: Record<string, string>;
  InclusiveStartTime: Date;
  ExclusiveEndTime?: Date;
  KinesisConfiguration: { StreamArn: string; AggregationEnabled?: boolean };
  StreamName: string;
}

/** The JournalKinesisStreamDescription shape. */
export interface StreamDescription {
  LedgerName: string;
  CreationTime: Date;
  InclusiveStartTime: Date;
  ExclusiveEndTime?: Date;
  RoleArn: string;
  StreamId: string;
  Arn: string;
  Status: StreamStatus;
  KinesisConfiguration: { StreamArn: string; AggregationEnabled: boolean };
  ErrorCause?: ErrorCause;
  StreamName: string;
}

export function describe(job: Job): StreamDescription {
  const spec = JSON.parse(job.spec) as StreamSpec;
  const progress = JSON.parse(job.progress) as StreamProgress;
  const out: StreamDescription = {
    LedgerName: job.ledgerName,
    CreationTime: new Date(job.createdMs),
    InclusiveStartTime: new Date(spec.startMs),
    RoleArn: spec.roleArn,
    StreamId: job.id,
    Arn: spec.arn,
    Status: job.status as StreamStatus,
    KinesisConfiguration: { StreamArn: spec.kinesisStreamArn, AggregationEnabled: spec.aggregationEnabled ?? true },
    StreamName: spec.streamName,
  };
  if (spec.endMs !== undefined) out.ExclusiveEndTime = new Date(spec.endMs);
  // a FAILED stream keeps the cause it failed of; an IMPAIRED one shows what impairs it now
  const cause = job.status === 'FAILED' ? (job.error as ErrorCause | undefined) : job.status === 'IMPAIRED' ? progress.errorCause : undefined;
  if (cause) out.ErrorCause = cause;
  return out;
}

export type StreamLedgers = Pick<LedgerService, 'requireActive' | 'requireExisting' | 'find'>;

export type StreamConfig = Pick<
  Config,
  | 'exportRetentionMs'
  | 'exportLeaseMs'
  | 'kinesisEndpoint'
  | 'kinesisAccessKeyId'
  | 'kinesisSecretAccessKey'
  | 'region'
  | 'streamImpairedLimitMs'
  | 'maxLedgers'
>;

/** Where this node runs streams: its id among the nodes, and whether it is the store's only one. */
export interface StreamNode {
  nodeId: string;
  soleNode: boolean;
}

export class StreamService {
  readonly jobs: JobStore;
  private runner: JobRunner<Job> | undefined;
  private writer: KinesisWriter | undefined;
  /** wakes the runner when a stream was created (set by whoever runs the streams) */
  onCreated: () => void = () => {};

  constructor(
    private readonly store: Store,
    private readonly ledgers: StreamLedgers,
    private readonly config: StreamConfig,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {
    this.jobs = store.jobs;
  }

  /** Finished streams at or before this instant are expired (like exports, `--export-retention`). */
  private horizon(): number {
    return this.now() - this.config.exportRetentionMs;
  }

  /**
   * With a Kinesis endpoint, runs streams (expired ones are purged by jobs/retention.ts): this node
   * claims ACTIVE ones whose lease is free (or a dead node's, once it ran out). Without an
   * endpoint none can be created, and streams a previous configuration created wait, untouched.
   */
  start(node: StreamNode): void {
    if (!this.config.kinesisEndpoint) return;
    // loaded only when streams run: the Kinesis client is not needed by a server without them
    const { StreamWork } = require('./stream') as typeof import('./stream');
    const { JobRunner, jobLeases, leaseTimings } = require('../jobs/runner') as typeof import('../jobs/runner');
    const work = new StreamWork(this.jobs, this.store.journal, this.kinesis(this.config.kinesisEndpoint), this.log, { impairedLimitMs: this.config.streamImpairedLimitMs }, this.now);
    // a stream holds its slot for as long as it runs: room for every stream the quotas allow
    this.runner = new JobRunner(jobLeases(this.jobs, 'stream'), work, this.log, {
      concurrency: MAX_ACTIVE_STREAMS_PER_LEDGER * Math.max(1, this.config.maxLedgers),
      nodeId: node.nodeId,
      ...leaseTimings(this.config.exportLeaseMs),
      soleNode: node.soleNode,
    }, this.now);
    this.onCreated = () => this.runner?.claimSoon();
    this.runner.start();
  }

  /** The one Kinesis client of this node (loaded only when streams run or are asked for). */
  private kinesis(endpoint: string): KinesisWriter {
    if (!this.writer) {
      const { KinesisWriter } = require('./kinesis') as typeof import('./kinesis');
      this.writer = new KinesisWriter({
        endpoint,
        region: this.config.region,
        accessKeyId: this.config.kinesisAccessKeyId,
        secretAccessKey: this.config.kinesisSecretAccessKey,
      });
    }
    return this.writer;
  }

  /**
   * QLDB looked at the destination before it accepted a stream, and refused one it could not
   * describe with these messages ("Common errors for journal streams in QLDB").
   */
  private async checkDestination(endpoint: string, kinesisArn: string): Promise<void> {
    const { DeliveryError } = require('./kinesis') as typeof import('./kinesis');
    try {
      await this.kinesis(endpoint).check(kinesisStreamName(kinesisArn));
    } catch (e) {
      if (!(e instanceof DeliveryError)) throw e;
      throw invalidParameter(
        e.errorCause
          ? `QLDB encountered an error validating Kinesis Data Streams: Response from Kinesis: ${e.message}`
          : `Unexpected response from Kinesis Data Streams while validating Kinesis configuration. Response from Kinesis: ${e.message}`,
        'KinesisConfiguration',
      );
    }
  }

  /** Resolves once the stream ended and no longer runs here (tests, benchmarks). */
  whenIdle(streamId: string): Promise<void> {
    return this.runner ? this.runner.whenIdle(streamId) : Promise.resolve();
  }

  async close(): Promise<void> {
    await this.runner?.stop();
    this.writer?.close();
  }



  /** Visible streams per status (for metrics). */
  streamsByStatus(): Promise<{ state: string; count: number }[]> {
    return this.jobs.countByStatus('stream', this.horizon());
  }

  /** LedgerService beforeDelete hook (control-plane.md §2): a running stream is never cut off silently. */
  async refuseDeleteWhileStreaming(ledger: Ledger): Promise<void> {
    const active = await this.jobs.activeByLedger('stream', ledger.ledgerId);
    if (active.length > 0) {
      throw resourceInUse(
        'JOURNAL_KINESIS_STREAM',
        active[0].id,
        `Ledger ${ledger.name} cannot be deleted while the journal stream ${active[0].id} is ${active[0].status}`,
      );
    }
  }

  /** StreamJournalToKinesis: the checks in QLDB's order, then the job, durable before the answer. */
  async create(caller: Caller, name: string, req: StreamRequest): Promise<string> {
    const ledger = this.ledgers.requireActive(caller, name);
    const endpoint = this.config.kinesisEndpoint;
    if (!endpoint) {
      throw invalidParameter(
        'This server has no Kinesis endpoint to deliver journal streams to: start it with --kinesis-endpoint (OPENQLDB_KINESIS_ENDPOINT)',
        'KinesisConfiguration',
      );
    }
    const now = this.now();
    let startMs = req.InclusiveStartTime.getTime();
    const endMs = req.ExclusiveEndTime?.getTime();
    if (startMs > now) throw invalidParameter('The InclusiveStartTime cannot be in the future', 'InclusiveStartTime');
    if (endMs !== undefined && startMs >= endMs) {
      throw invalidParameter('The InclusiveStartTime must be before the ExclusiveEndTime', 'InclusiveStartTime');
    }
    // QLDB effectively defaults an earlier start to the ledger's creation
    if (startMs < ledger.createdMs) startMs = ledger.createdMs;
    if (endMs !== undefined && startMs >= endMs) {
      throw invalidParameter(`The ExclusiveEndTime must be after the ledger's creation time`, 'ExclusiveEndTime');
    }
    if (!ROLE_ARN.test(req.RoleArn)) {
      throw invalidParameter(`The provided RoleArn '${req.RoleArn}' is not a valid IAM role ARN`, 'RoleArn');
    }
    const kinesisArn = req.KinesisConfiguration.StreamArn;
    if (!KINESIS_STREAM_ARN.test(kinesisArn)) {
      throw invalidParameter(`The provided StreamArn '${kinesisArn}' is not a valid Kinesis Data Streams ARN`, 'KinesisConfiguration');
    }
    if (req.Tags) checkTags({}, req.Tags);
    await this.checkDestination(endpoint, kinesisArn);

    // CreateLedger answers before the genesis block is written: a ledger without a strand yet
    // starts its stream at that block
    const strand = await this.store.journal.strand(ledger.ledgerId);
    // the first block at or after the start; none yet: the next one committed
    const range = strand ? await this.store.journal.sequenceRange(ledger.ledgerId, startMs, Number.MAX_SAFE_INTEGER) : undefined;
    const streamId = newId();
    const arn = streamArn(ledger.region, ledger.accountId, ledger.name, streamId);
    const spec: StreamSpec = {
      streamName: req.StreamName,
      arn,
      roleArn: req.RoleArn,
      kinesisStreamArn: kinesisArn,
      startMs,
    };
    if (req.KinesisConfiguration.AggregationEnabled !== undefined) spec.aggregationEnabled = req.KinesisConfiguration.AggregationEnabled;
    if (endMs !== undefined) spec.endMs = endMs;
    const progress: StreamProgress = { nextSeq: range ? range.first : strand ? strand.tipSequenceNo + 1 : 0, created: false };
    const job: Job = {
      kind: 'stream',
      id: streamId,
      accountId: ledger.accountId,
      region: ledger.region,
      ledgerId: ledger.ledgerId,
      ledgerName: ledger.name,
      createdMs: now,
      status: 'ACTIVE',
      active: true,
      spec: JSON.stringify(spec),
      progress: JSON.stringify(progress),
    };
    if (!(await this.jobs.insert(job, MAX_ACTIVE_STREAMS_PER_LEDGER, { field: 'streamName', value: req.StreamName }))) {
      // the refusal was atomic; which rule refused it is read afterwards, for the answer only
      const active = await this.jobs.activeByLedger('stream', ledger.ledgerId);
      if (active.some((j) => (JSON.parse(j.spec) as StreamSpec).streamName === req.StreamName)) {
        throw invalidParameter(
          `The ledger ${name} already has an ACTIVE journal stream named ${req.StreamName}: a stream name must be unique among the ledger's active streams`,
          'StreamName',
        );
      }
      throw limitExceeded(
        'JOURNAL_KINESIS_STREAM',
        `Exceeded the limit of ${MAX_ACTIVE_STREAMS_PER_LEDGER} ACTIVE journal streams for ledger ${name}`,
      );
    }
    if (req.Tags && Object.keys(req.Tags).length) await this.store.ledgers.putTags(arn, req.Tags);
    this.log.info('stream.created', { streamId, ledger: name, kinesisStreamArn: kinesisArn, nextSeq: progress.nextSeq });
    this.onCreated();
    return streamId;
  }

  /** The visible stream of the caller's ledger, or ResourceNotFound. */
  async job(caller: Caller, name: string, streamId: string): Promise<Job> {
    const ledger = this.ledgers.requireExisting(caller, name);
    const job = await this.jobs.visible('stream', streamId, this.horizon());
    if (!job || job.ledgerId !== ledger.ledgerId) {
      throw resourceNotFound('JOURNAL_KINESIS_STREAM', streamId, `The journal stream ${streamId} does not exist for ledger ${name}`);
    }
    return job;
  }

  listForLedger(caller: Caller, name: string): { ledger: Ledger; list: (after: string, limit: number) => Promise<Job[]> } {
    const ledger = this.ledgers.requireExisting(caller, name);
    return { ledger, list: (after, limit) => this.jobs.listByLedger('stream', ledger.ledgerId, afterJobKey(after), limit, this.horizon()) };
  }

  /**
   * CancelJournalKinesisStream: an ACTIVE stream ends at once, CANCELED, without a COMPLETED
   * record. AWS states that only an ACTIVE stream can be canceled: an IMPAIRED one is refused
   * too, and ends ACTIVE again (then cancelable) or FAILED.
   */
  async cancel(caller: Caller, name: string, streamId: string): Promise<void> {
    const job = await this.job(caller, name, streamId);
    const notRunning = () =>
      resourcePreconditionNotMet(
        'JOURNAL_KINESIS_STREAM',
        streamId,
        `The journal stream ${streamId} is ${job.status}; only an ACTIVE stream can be canceled`,
      );
    if (!job.active || job.status !== 'ACTIVE') throw notRunning();
    // whoever holds the lease loses it: its next update is refused and it stops writing
    if (!(await this.jobs.finish(streamId, 'CANCELED', this.now()))) {
      const now = await this.jobs.get('stream', streamId);
      if (now) job.status = now.status;
      throw notRunning();
    }
    this.log.info('stream.canceled', { streamId, ledger: name });
  }

  /** The stream a tag operation names, if the caller can see it. */
  async taggable(caller: Caller, ledgerName: string, streamId: string): Promise<string | undefined> {
    const ledger = this.ledgers.find(caller, ledgerName);
    if (!ledger) return undefined;
    const job = await this.jobs.visible('stream', streamId, this.horizon());
    if (!job || job.ledgerId !== ledger.ledgerId) return undefined;
    return (JSON.parse(job.spec) as StreamSpec).arn;
  }
}
