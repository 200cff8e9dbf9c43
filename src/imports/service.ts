/**
 * Journal imports (openqldb extensions ImportJournalFromS3, DescribeJournalS3Import,
 * ListJournalS3Imports): a new ledger filled from journal exports with its hash chain intact,
 * as a durable job of kind 'import' run by the one lease-holding JobRunner.
 *
 * ImportJournalFromS3 checks its arguments, creates the ledger (CREATING, in the caller's account
 * and region) and stores the job before it answers; everything about the source (manifests,
 * objects, blocks, the digest) is checked by the job, whose FAILED description says what was
 * wrong, and which leaves no ledger behind.
 */
import type { Caller } from '../api/types';
import type * as JournalViews from '../api/control/journalViews';
import type { Config } from '../config';
import { newId } from '../journal/ids';
import type { LedgerService } from '../ledger/ledgers';
import { invalidParameter, resourceNotFound } from '../server/errors';
import type { Logger } from '../server/log';
import type { PermissionsMode } from '../storage/store';
import type { JobStore, Store } from '../storage/stores';
import type { Job } from '../jobs/types';
import { JobRunner, jobLeases } from '../jobs/runner';
import type { Sink } from '../exports/sinks/sink';
import { SinkError } from '../exports/sinks/sink';
import { parseKey } from '../exports/service';
import { lazy } from '../lazy';
import type { JobWork } from '../jobs/runner';
import type * as Work from './work';
import { newProgress, type ImportDescriptionOf, type ImportProgress, type ImportSpec } from './types';

// the journal, Ion and the PartiQL parser load with the first import, not at start-up
const workModule = lazy(() => require('./work') as typeof Work);
const journalViews = lazy(() => require('../api/control/journalViews') as typeof JournalViews);

export interface ImportRequest {
  Name: string;
  S3ImportConfiguration: { Bucket: string; Prefix: string; ExportIds?: string[] };
  Digest?: Buffer;
  DigestTipAddress?: { IonText?: string };
  PermissionsMode: PermissionsMode;
  DeletionProtection?: boolean;
  KmsKey?: string;
  Tags?: Record<string, string>;
}

export type ImportDescription = ImportDescriptionOf<Date>;

export function describeImport(job: Job): ImportDescription {
  const spec = JSON.parse(job.spec) as ImportSpec;
  const p = { ...newProgress(), ...(JSON.parse(job.progress || '{}') as Partial<ImportProgress>) };
  const d: ImportDescription = {
    LedgerName: job.ledgerName,
    ImportId: job.id,
    ImportCreationTime: new Date(job.createdMs),
    Status: job.status as ImportDescription['Status'],
    S3ImportConfiguration: { Bucket: spec.bucket, Prefix: spec.prefix, ...(spec.exportIds ? { ExportIds: spec.exportIds } : {}) },
    BlocksRead: p.blocksRead,
    BlocksVerified: p.blocksVerified,
    BlocksWritten: p.blocksWritten,
    BytesRead: p.bytesRead,
  };
  if (spec.digest) d.Digest = spec.digest;
  if (spec.tip) d.DigestTipAddress = { IonText: `{strandId:${JSON.stringify(spec.tip.strandId)},sequenceNo:${spec.tip.sequenceNo}}` };
  if (p.strandId) d.StrandId = p.strandId;
  if (p.totalBlocks !== undefined) d.TotalBlocks = p.totalBlocks;
  if (p.notesCount) {
    d.NotUnderstood = p.notes;
    d.NotUnderstoodCount = p.notesCount;
  }
  if (job.finishedMs !== undefined) d.ImportCompletionTime = new Date(job.finishedMs);
  if (job.error) d.ErrorMessage = job.error;
  return d;
}

/** Pagination key of an import: creation time, then id. */
export function importPageKey(job: Job): string {
  return `${job.createdMs}.${job.id}`;
}

export interface ImportServiceOptions extends Work.ImportWorkOptions {
  nodeId: string;
  leaseMs: number;
  renewMs: number;
  pollMs: number;
  soleNode: boolean;
}

export class ImportService {
  readonly runner: JobRunner<Job>;
  private readonly jobs: JobStore;

  constructor(
    store: Store,
    private readonly ledgers: LedgerService,
    private readonly sink: Sink,
    private readonly config: Pick<Config, 'exportRetentionMs'>,
    private readonly log: Logger,
    options: Partial<ImportServiceOptions> & Pick<ImportServiceOptions, 'nodeId' | 'leaseMs' | 'renewMs' | 'pollMs' | 'soleNode'>,
    private readonly now: () => number = Date.now,
  ) {
    this.jobs = store.jobs;
    let loaded: Work.ImportWork | undefined;
    const load = () => (loaded ??= new (workModule().ImportWork)(store, ledgers, sink, log, { ...workModule().DEFAULT_IMPORT_OPTIONS, ...pick(options) }, now));
    const work: JobWork<Job> = {
      name: 'import',
      id: (job) => job.id,
      logFields: (job) => ({ importId: job.id, ledger: job.ledgerName }),
      run: (job, lease) => load().run(job, lease),
      fail: (job, reason, lease) => load().fail(job, reason, lease),
    };
    const { nodeId, leaseMs, renewMs, pollMs, soleNode } = options;
    this.runner = new JobRunner(jobLeases(store.jobs, 'import'), work, log, { concurrency: 1, nodeId, leaseMs, renewMs, pollMs, soleNode }, now);
  }

  /** Claims the imports a stop interrupted or a dead node left (expired ones are purged by jobs/retention.ts). */
  start(): void {
    this.runner.start();
  }

  async close(): Promise<void> {
    await this.runner.stop();
    this.sink.close();
  }

  private horizon(): number {
    return this.now() - this.config.exportRetentionMs;
  }

  /** ImportJournalFromS3: the arguments are checked, the CREATING ledger and the job stored, then the ImportId answered. */
  async create(caller: Caller, req: ImportRequest): Promise<string> {
    const s3 = req.S3ImportConfiguration;
    if ((req.Digest === undefined) !== (req.DigestTipAddress === undefined)) {
      throw invalidParameter('Digest and DigestTipAddress go together: the digest GetDigest returned and the tip address it returned with it', req.Digest ? 'DigestTipAddress' : 'Digest');
    }
    let tip: ImportSpec['tip'];
    if (req.DigestTipAddress) {
      const a = journalViews().parseAddress(req.DigestTipAddress, 'DigestTipAddress');
      if (a.sequenceNo > BigInt(Number.MAX_SAFE_INTEGER)) throw invalidParameter('The provided block address is not valid.', 'DigestTipAddress');
      tip = { strandId: a.strandId, sequenceNo: Number(a.sequenceNo) };
    }
    try {
      this.sink.checkKey(s3.Bucket, `${s3.Prefix}x.started.manifest`);
    } catch (e) {
      if (!(e instanceof SinkError)) throw e;
      throw invalidParameter(`The S3 import configuration is not valid: ${e.code} ${e.message}`, 'S3ImportConfiguration');
    }
    const ledger = await this.ledgers.create(
      caller,
      { name: req.Name, permissionsMode: req.PermissionsMode, deletionProtection: req.DeletionProtection, kmsKey: req.KmsKey, tags: req.Tags },
      { importing: true },
    );
    const spec: ImportSpec = { bucket: s3.Bucket, prefix: s3.Prefix };
    if (s3.ExportIds?.length) spec.exportIds = s3.ExportIds;
    if (req.Digest) spec.digest = req.Digest.toString('base64');
    if (tip) spec.tip = tip;
    const job: Job = {
      kind: 'import',
      id: newId(),
      accountId: ledger.accountId,
      region: ledger.region,
      ledgerId: ledger.ledgerId,
      ledgerName: ledger.name,
      createdMs: this.now(),
      status: 'IN_PROGRESS',
      active: true,
      spec: JSON.stringify(spec),
      progress: JSON.stringify(newProgress()),
    };
    try {
      await this.jobs.insert(job);
    } catch (e) {
      await this.ledgers.discard(ledger.ledgerId).catch(() => undefined);
      throw e;
    }
    this.log.info('import.created', { importId: job.id, ledger: ledger.name, bucket: s3.Bucket, prefix: s3.Prefix });
    this.runner.claimSoon();
    return job.id;
  }

  /** The caller's visible import, or ResourceNotFound. */
  async job(caller: Caller, importId: string): Promise<Job> {
    const job = await this.jobs.visible('import', importId, this.horizon());
    if (!job || job.accountId !== caller.accountId || job.region !== caller.region) {
      throw resourceNotFound('JOURNAL_S3_IMPORT', importId, `The journal import ${importId} does not exist`);
    }
    return job;
  }

  list(caller: Caller, after: string, limit: number): Promise<Job[]> {
    return this.jobs.listByAccount('import', caller.accountId, caller.region, parseKey(after), limit, this.horizon());
  }
}

function pick(o: Partial<Work.ImportWorkOptions>): Partial<Work.ImportWorkOptions> {
  const out: Partial<Work.ImportWorkOptions> = {};
  if (o.batchBlocks !== undefined) out.batchBlocks = o.batchBlocks;
  if (o.verifyThreads !== undefined) out.verifyThreads = o.verifyThreads;
  return out;
}
