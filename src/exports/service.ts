/**
 * Journal exports to S3: the checks of ExportJournalToS3 in the order of control-plane.md §4.1,
 * Describe / List with expiry (§4.2), and the job runner's life with the server's.
 */
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import type { Caller } from '../api/types';
import type { Config } from '../config';
import { newId } from '../journal/ids';
import { KMS_KEY_ARN } from '../ledger/arn';
import type { Ledger, LedgerService } from '../ledger/ledgers';
import { invalidParameter, limitExceeded, resourceInUse, resourceNotFound } from '../server/errors';
import type { Logger } from '../server/log';
import type { ExportStore, JournalStore, Store } from '../storage/stores';
import { FORMATS, type OutputFormat } from './encoders';
import { fileBlocks, storeBlocks } from './journalSource';
import { completedManifestKey, dataObjectKey, startedManifestKey } from './layout';
import { lazy } from '../lazy';
import type * as Manifests from './manifests';
import { JobRunner } from '../jobs/runner';
import { exportLeases, ExportWork } from './runner';
import { InProcessSegmentEncoder, SharedSegmentEncoder, WorkerSegmentEncoder, type SegmentEncoder } from './segments';
import { LocalSink } from './sinks/localSink';
import { putWithRetry, SinkError, type ObjectEncryptionType, type RetryPolicy, type Sink } from './sinks/sink';
import type { ExportJob } from './types';

// manifests are written with ion-js, loaded with the first export rather than at start-up
const manifests = lazy(() => require('./manifests') as typeof Manifests);

/** At most this many IN_PROGRESS exports per ledger [AWS]. */
export const MAX_IN_PROGRESS_PER_LEDGER = 2;
/** Default cut of data objects (§4.3): a new object after 16 MiB or 10,000 blocks. */
export const DEFAULT_MAX_OBJECT_BYTES = 16 * 1024 * 1024;
export const DEFAULT_MAX_OBJECT_BLOCKS = 10_000;

const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[A-Za-z0-9+=,.@_\-/]+$/;

/** The S3ExportConfiguration shape, as requested and as described. */
export interface S3ExportConfiguration {
  Bucket: string;
  Prefix: string;
  EncryptionConfiguration: { ObjectEncryptionType: ObjectEncryptionType; KmsKeyArn?: string };
}

export interface ExportRequest {
  InclusiveStartTime: Date;
  ExclusiveEndTime: Date;
  S3ExportConfiguration: S3ExportConfiguration;
  RoleArn: string;
  OutputFormat?: OutputFormat;
}

/** The JournalS3ExportDescription shape. */
export interface ExportDescription {
  LedgerName: string;
  ExportId: string;
  ExportCreationTime: Date;
  Status: ExportJob['status'];
  InclusiveStartTime: Date;
  ExclusiveEndTime: Date;
  S3ExportConfiguration: S3ExportConfiguration;
  RoleArn: string;
  OutputFormat: OutputFormat;
}

export function describe(job: ExportJob): ExportDescription {
  const encryption: ExportDescription['S3ExportConfiguration']['EncryptionConfiguration'] = {
    ObjectEncryptionType: job.encryptionType,
  };
  if (job.kmsKeyArn) encryption.KmsKeyArn = job.kmsKeyArn;
  return {
    LedgerName: job.ledgerName,
    ExportId: job.exportId,
    ExportCreationTime: new Date(job.createdMs),
    Status: job.status,
    InclusiveStartTime: new Date(job.startMs),
    ExclusiveEndTime: new Date(job.endMs),
    S3ExportConfiguration: { Bucket: job.bucket, Prefix: job.prefix, EncryptionConfiguration: encryption },
    RoleArn: job.roleArn,
    OutputFormat: job.outputFormat ?? 'ION_TEXT',
  };
}

export interface ExportServiceOptions {
  maxObjectBytes: number;
  maxObjectBlocks: number;
  /** retries of a data or manifest put before the job is cancelled */
  retry: RetryPolicy;
  /** retries of the started-manifest put while ExportJournalToS3 waits */
  validateRetry: RetryPolicy;
  /** blocks per segment read and encoded at once */
  segmentBlocks: number;
  /**
   * worker threads reading and encoding segments alongside the server's own thread (which takes
   * every other segment); 0 = the server's thread alone. Each worker costs ~25 MB. Only with a
   * `dbPath`.
   */
  workers: number;
  /** how often finished jobs past their retention are purged */
  purgeIntervalMs: number;
  /** this server process among the nodes sharing the store: export leases name it */
  nodeId: string;
  /** how long a node holds a job it runs without renewing: after a node dies, its jobs wait this long */
  leaseMs: number;
  /** how often a running job's lease is renewed */
  renewMs: number;
  /** how often the store is asked for jobs to run (other nodes' jobs whose lease ran out) */
  pollMs: number;
  /**
   * The SQLite database file the store runs on: segments are then read through read-only
   * connections of their own, by worker threads and by the server's thread. Without it blocks are
   * read through the store.
   */
  dbPath?: string;
  /** the store serves this process alone (SQLite): leases found at start-up are taken over at once */
  soleNode: boolean;
}

export const DEFAULT_EXPORT_OPTIONS: Omit<ExportServiceOptions, 'nodeId'> = {
  maxObjectBytes: DEFAULT_MAX_OBJECT_BYTES,
  maxObjectBlocks: DEFAULT_MAX_OBJECT_BLOCKS,
  retry: { attempts: 6, baseDelayMs: 250, maxDelayMs: 4_000 },
  validateRetry: { attempts: 3, baseDelayMs: 100, maxDelayMs: 500 },
  segmentBlocks: 1_000,
  workers: availableParallelism() >= 2 ? 1 : 0,
  purgeIntervalMs: 60_000,
  leaseMs: 30_000,
  renewMs: 10_000,
  pollMs: 5_000,
  soleNode: false,
};

/** The sink the configuration asks for: the S3 API when an endpoint is set, else the local directory. */
export function sinkFor(config: Config): Sink {
  if (config.s3Endpoint) {
    // loaded only when used: the AWS SDK costs ~20 MB of memory that the local sink does not need
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const { S3Sink } = require('./sinks/s3Sink') as typeof import('./sinks/s3Sink');
    return new S3Sink({
      endpoint: config.s3Endpoint,
      region: config.region,
      forcePathStyle: config.s3ForcePathStyle,
      accessKeyId: config.s3AccessKeyId,
      secretAccessKey: config.s3SecretAccessKey,
    });
  }
  return new LocalSink(config.s3LocalDir ?? join(config.dataDir, 's3'));
}

/** What the exports need of the ledgers: the caller's ledger by name (answered from memory). */
export type LedgerLookup = Pick<LedgerService, 'requireActive' | 'requireExisting'>;

/**
 * Export jobs live in the store, which every node shares: the limit per ledger, DeleteLedger's
 * refusal, Describe and List read it, never a copy of this node's.
 */
export class ExportService {
  readonly store: ExportStore;
  readonly runner: JobRunner<ExportJob>;
  private readonly work: ExportWork;
  readonly nodeId: string;
  private readonly options: ExportServiceOptions;
  /** this node's exports between the limit check and their durable row (step 8 → 10), per ledger */
  private readonly pending = new Map<string, number>();
  private purgeTimer: NodeJS.Timeout | undefined;
  private readonly segments: SegmentEncoder;
  private readonly journal: JournalStore;

  constructor(
    store: Store,
    private readonly ledgers: LedgerLookup,
    private readonly sink: Sink,
    private readonly config: Pick<Config, 'exportRetentionMs' | 'exportConcurrency'>,
    private readonly log: Logger,
    options: Partial<ExportServiceOptions> = {},
    private readonly now: () => number = Date.now,
  ) {
    this.options = { ...DEFAULT_EXPORT_OPTIONS, nodeId: options.nodeId ?? newId(), ...options };
    this.nodeId = this.options.nodeId;
    this.store = store.exports;
    this.journal = store.journal;
    const { dbPath, workers } = this.options;
    const file = dbPath ? fileBlocks(dbPath) : undefined;
    const local = file ? new InProcessSegmentEncoder(file.read, file.close) : new InProcessSegmentEncoder(storeBlocks(store.journal));
    this.segments = dbPath && workers > 0 ? new SharedSegmentEncoder(new WorkerSegmentEncoder(dbPath, workers), local) : local;
    const concurrency = Math.max(1, config.exportConcurrency);
    const { retry, segmentBlocks, leaseMs, renewMs, pollMs, soleNode } = this.options;
    this.work = new ExportWork(this.store, this.journal, sink, this.segments, log, { retry, segmentBlocks, concurrency }, now);
    this.runner = new JobRunner(exportLeases(this.store), this.work, log, { concurrency, nodeId: this.nodeId, leaseMs, renewMs, pollMs, soleNode }, now);
  }

  /** Claims the jobs a stop interrupted or a dead node left, and starts purging expired ones. */
  start(): void {
    void this.purge();
    const every = Math.max(1_000, Math.min(this.options.purgeIntervalMs, Math.ceil(this.config.exportRetentionMs / 2)));
    this.purgeTimer = setInterval(() => void this.purge(), every);
    this.purgeTimer.unref();
    this.runner.start();
  }

  async close(): Promise<void> {
    if (this.purgeTimer) clearInterval(this.purgeTimer);
    await this.runner.stop();
    await this.segments.close();
    this.sink.close();
  }

  /** Finished jobs at or before this instant are expired. */
  private horizon(): number {
    return this.now() - this.config.exportRetentionMs;
  }

  /** Visible jobs per state (for metrics). */
  jobsByState(): Promise<{ state: string; count: number }[]> {
    return this.store.countByStatus(this.horizon());
  }

  /** Called with the size of every data object once its sink has it. */
  onObjectWritten(fn: (bytes: number) => void): void {
    this.work.onObjectWritten = fn;
  }

  /** Deletes finished jobs past their retention; any node may, and a failure waits for the next round. */
  async purge(): Promise<void> {
    try {
      const n = await this.store.purge(this.horizon());
      if (n > 0) this.log.info('export.purged', { count: n });
    } catch (e) {
      this.log.warn('export.purge_failed', { message: String((e as Error)?.message ?? e) });
    }
  }

  async hasInProgressExport(ledgerId: string): Promise<boolean> {
    return (this.pending.get(ledgerId) ?? 0) > 0 || (await this.store.inProgressIds(ledgerId)).length > 0;
  }

  /** LedgerService beforeDelete hook: an auditor's export, on any node, is never cut short silently (§2). */
  async refuseDeleteWhileExporting(ledger: Ledger): Promise<void> {
    const ids = await this.store.inProgressIds(ledger.ledgerId);
    if (ids.length > 0) {
      throw resourceInUse(
        'JOURNAL_S3_EXPORT',
        ids[0],
        `Ledger ${ledger.name} cannot be deleted while the journal export ${ids[0]} is IN_PROGRESS`,
      );
    }
    if ((this.pending.get(ledger.ledgerId) ?? 0) > 0) {
      throw resourceInUse('LEDGER', ledger.name, `Ledger ${ledger.name} cannot be deleted while a journal export is being started`);
    }
  }

  /** ExportJournalToS3: every check of §4.1 in order; resolves with the ExportId once the job is durable. */
  async create(caller: Caller, name: string, req: ExportRequest): Promise<string> {
    // 1. model constraints: checked by the validator before this runs
    // 2.
    const ledger = this.ledgers.requireActive(caller, name);
    // 3.
    const now = this.now();
    const endMs = req.ExclusiveEndTime.getTime();
    let startMs = req.InclusiveStartTime.getTime();
    if (endMs > now) throw invalidParameter('The end date cannot be in the future', 'ExclusiveEndTime');
    // 4.
    if (startMs >= endMs) throw invalidParameter('The start date must be before the end date', 'InclusiveStartTime');
    // 5.
    if (startMs < ledger.createdMs) startMs = ledger.createdMs;
    // an end at or before the ledger's creation would leave the moved start after the end
    if (startMs >= endMs) {
      throw invalidParameter(`The end date must be after the ledger's creation time`, 'ExclusiveEndTime');
    }
    // 6.
    const s3 = req.S3ExportConfiguration;
    const encryptionType = s3.EncryptionConfiguration.ObjectEncryptionType;
    const kmsKeyArn = s3.EncryptionConfiguration.KmsKeyArn;
    if (encryptionType === 'SSE_KMS') {
      if (kmsKeyArn === undefined) {
        throw invalidParameter('A KmsKeyArn is required when the ObjectEncryptionType is SSE_KMS', 'KmsKeyArn');
      }
      if (!KMS_KEY_ARN.test(kmsKeyArn)) {
        throw invalidParameter(`The provided KmsKeyArn '${kmsKeyArn}' is not a valid KMS key ARN`, 'KmsKeyArn');
      }
    } else if (kmsKeyArn !== undefined) {
      throw invalidParameter(`A KmsKeyArn must not be given when the ObjectEncryptionType is ${encryptionType}`, 'KmsKeyArn');
    }
    // 7.
    if (!ROLE_ARN.test(req.RoleArn)) {
      throw invalidParameter(`The provided RoleArn '${req.RoleArn}' is not a valid IAM role ARN`, 'RoleArn');
    }
    // 8. (checked again, atomically across nodes, when the job is stored)
    const limitReached = () =>
      limitExceeded('JOURNAL_S3_EXPORT', `Exceeded the limit of ${MAX_IN_PROGRESS_PER_LEDGER} IN_PROGRESS journal exports for ledger ${name}`);
    this.pending.set(ledger.ledgerId, (this.pending.get(ledger.ledgerId) ?? 0) + 1);
    try {
      const inProgress = (await this.store.inProgressIds(ledger.ledgerId)).length;
      // this node's other exports being started count too: each holds a place until its row is stored
      if (inProgress + this.pending.get(ledger.ledgerId)! - 1 >= MAX_IN_PROGRESS_PER_LEDGER) throw limitReached();
      const strand = await this.journal.strand(ledger.ledgerId);
      if (!strand) throw resourceNotFound('LEDGER', name, `The ledger ${name} does not exist`);

      const range = await this.journal.sequenceRange(ledger.ledgerId, startMs, endMs);
      const exportId = newId();
      const format: OutputFormat = req.OutputFormat ?? 'ION_TEXT';
      const job: ExportJob = {
        exportId,
        accountId: ledger.accountId,
        region: ledger.region,
        ledgerId: ledger.ledgerId,
        ledgerName: ledger.name,
        createdMs: now,
        status: 'IN_PROGRESS',
        startMs,
        endMs,
        bucket: s3.Bucket,
        prefix: s3.Prefix,
        encryptionType,
        kmsKeyArn,
        roleArn: req.RoleArn,
        outputFormat: req.OutputFormat,
        strandId: strand.strandId,
        firstSeq: range?.first,
        lastSeq: range?.last,
        maxObjectBytes: this.options.maxObjectBytes,
        maxObjectBlocks: this.options.maxObjectBlocks,
      };

      // 9. the destination is checked by writing the started manifest
      const startedKey = startedManifestKey(s3.Prefix, exportId);
      try {
        // keys that would escape a local root are refused before anything is written
        this.sink.checkKey(s3.Bucket, startedKey);
        this.sink.checkKey(s3.Bucket, completedManifestKey(s3.Prefix, exportId, strand.strandId));
        this.sink.checkKey(s3.Bucket, dataObjectKey(s3.Prefix, new Date(now), strand.strandId, 0, 0, format));
        const manifest = manifests().encodeStartedManifest(
          {
            ledgerName: ledger.name,
            exportId,
            inclusiveStartTime: new Date(startMs),
            exclusiveEndTime: new Date(endMs),
            bucket: s3.Bucket,
            prefix: s3.Prefix,
            objectEncryptionType: encryptionType,
            outputFormat: req.OutputFormat,
          },
          format,
        );
        await putWithRetry(
          this.sink,
          s3.Bucket,
          startedKey,
          manifest,
          { contentType: FORMATS[format].manifestContentType, encryption: { type: encryptionType, kmsKeyArn } },
          this.options.validateRetry,
        );
      } catch (e) {
        const err = e instanceof SinkError ? e : new SinkError('InternalError', String((e as Error)?.message ?? e), false);
        this.log.warn('export.destination_refused', { ledger: name, bucket: s3.Bucket, code: err.code, message: err.message });
        throw invalidParameter(
          `QLDB encountered an error validating S3 configuration: ${err.code} ${err.message}`,
          'S3ExportConfiguration',
        );
      }
      // 10. durable before the answer; another node may have taken the last place meanwhile
      if (!(await this.store.insert(job, MAX_IN_PROGRESS_PER_LEDGER))) throw limitReached();
      this.log.info('export.created', { exportId, ledger: name, format, firstSeq: job.firstSeq ?? null, lastSeq: job.lastSeq ?? null });
      this.runner.claimSoon();
      return exportId;
    } finally {
      const left = (this.pending.get(ledger.ledgerId) ?? 1) - 1;
      if (left > 0) this.pending.set(ledger.ledgerId, left);
      else this.pending.delete(ledger.ledgerId);
    }
  }

  async describe(caller: Caller, name: string, exportId: string): Promise<ExportDescription> {
    return describe(await this.job(caller, name, exportId));
  }

  /** The visible export of the caller's ledger, or ResourceNotFound; may be shared with other callers: read only. */
  async job(caller: Caller, name: string, exportId: string): Promise<Readonly<ExportJob>> {
    const ledger = this.ledgers.requireExisting(caller, name);
    const job = await this.store.visible(exportId, this.horizon());
    if (!job || job.ledgerId !== ledger.ledgerId) {
      throw resourceNotFound('JOURNAL_S3_EXPORT', exportId, `The journal export ${exportId} does not exist for ledger ${name}`);
    }
    return job;
  }

  /** Exports of the caller's account and region (deleted ledgers' included), after `after`, by creation. */
  list(caller: Caller, after: string, limit: number): Promise<readonly ExportJob[]> {
    return this.store.listByAccount(caller.accountId, caller.region, parseKey(after), limit, this.horizon());
  }

  listForLedger(caller: Caller, name: string): { ledger: Ledger; list: (after: string, limit: number) => Promise<readonly ExportJob[]> } {
    const ledger = this.ledgers.requireExisting(caller, name);
    return { ledger, list: (after, limit) => this.store.listByLedger(ledger.ledgerId, parseKey(after), limit, this.horizon()) };
  }
}

/** Pagination key of a job: creation time, then id (§1). */
export function pageKey(job: ExportJob): string {
  return `${job.createdMs}.${job.exportId}`;
}

/** The (createdMs, id) a page key names; '' = before the first. */
export function parseKey(key: string): { ms: number; id: string } {
  if (!key) return { ms: -1, id: '' };
  const dot = key.indexOf('.');
  return { ms: Number(key.slice(0, dot)), id: key.slice(dot + 1) };
}
