/**
 * The composition root: builds every service of one openqldb server from its Config and wires
 * them together. Operations reach services only through `ctx.app`.
 */
import { join } from 'node:path';
import type { Config } from './config';
import { openDatabase, type Db } from './storage/sqlite/db';
import { newId } from './journal/ids';
import { LedgerService } from './ledger/ledgers';
import { TagService } from './ledger/tags';
import { createAuthenticator, type Authenticator } from './server/auth';
import { createLogger, silentLogger, type Logger } from './server/log';
import { TxnService } from './txn/service';
import { ExportService, sinkFor } from './exports/service';
import { ImportService } from './imports/service';
import { leaseTimings } from './jobs/runner';
import { purgeExpiredJobs } from './jobs/retention';
import { footprintRetentionMs, pruneFootprintsRegularly } from './txn/footprintRetention';
import { StreamService } from './streams/service';
import { lockDataDir, type DataDirLock } from './storage/sqlite/dataDirLock';
import { Metrics } from './server/metrics';
import type { Store } from './storage/stores';
import { sqliteStore } from './storage/sqlite/store';
import { DocumentStore } from './storage/sqlite/documentStore';
import type { SnapshotReader } from './txn/snapshotReader';
import type * as TxnIon from './txn/ion';
import type * as PostgresStore from './storage/postgres/store';

/** The storage an App runs on, opened by App.open. */
interface Backend {
  store: Store;
  /** the embedded database and the data-directory lock (SQLite only) */
  db?: Db;
  lock?: DataDirLock;
  syncReader?: SnapshotReader;
}

export class App {
  /** The embedded SQLite database; undefined on a shared store (PostgreSQL). */
  readonly db: Db;
  /** Every component's storage, behind the asynchronous interfaces both backends implement. */
  readonly store: Store;
  /** Synchronous reads of committed documents, when the backend has them (SQLite). */
  readonly syncReader?: SnapshotReader;
  /** This process among the nodes that share a store (export leases name it). */
  readonly nodeId = newId();
  readonly ledgers: LedgerService;
  readonly tags: TagService;
  readonly auth: Authenticator;
  /** Sessions, transactions and the commit pipeline (the session API's engine room). */
  readonly txn: TxnService;
  /** Journal exports to S3: durable jobs, resumed at start-up. */
  readonly exports: ExportService;
  /** Journal imports from S3 (openqldb extension): durable jobs, resumed at start-up. */
  readonly imports: ImportService;
  /** Journal streams to Kinesis: durable jobs, run while a Kinesis endpoint is configured. */
  readonly streams: StreamService;
  /** Signs pagination tokens; random per store and kept across restarts. */
  readonly tokenSecret: Buffer;
  /** Prometheus metrics, unless `--metrics false`. */
  readonly metrics?: Metrics;
  private readonly lock?: DataDirLock;
  private readonly closers: (() => void | Promise<void>)[] = [];
  private stopping = false;
  private closed = false;

  /** Opens the store the config names and builds every service over it. */
  static async open(config: Config, log: Logger = createLogger()): Promise<App> {
    const backend = config.databaseUrl ? await openShared(config.databaseUrl, log) : openSqlite(config, log);
    try {
      const ledgers = await new LedgerService(backend.store.ledgers, config, Date.now, (e) =>
        log.error('ledger_write_failed', { error: String((e as Error)?.stack ?? e) }),
      ).load();
      const tokenSecret = await backend.store.ledgers.secret('pagination');
      return new App(config, log, backend, ledgers, tokenSecret);
    } catch (e) {
      await backend.store.close();
      backend.lock?.release();
      throw e;
    }
  }

  private constructor(
    readonly config: Config,
    readonly log: Logger,
    backend: Backend,
    ledgers: LedgerService,
    tokenSecret: Buffer,
  ) {
    this.db = backend.db!;
    this.lock = backend.lock;
    this.store = backend.store;
    this.syncReader = backend.syncReader;
    // last to close: the services above finish their writes first
    this.onClose(() => this.store.close());
    this.tokenSecret = tokenSecret;
    this.ledgers = ledgers;
    if (!this.store.soleWriter) {
      // what other nodes create, change or delete is seen here within the ledger state delay
      const every = Math.max(50, Math.min(1000, Math.floor(config.ledgerStateDelayMs / 2)));
      const timer = setInterval(() => ledgers.refresh().catch((e) => log.error('ledger_refresh_failed', { error: String(e) })), every);
      timer.unref();
      this.onClose(() => clearInterval(timer));
    }
    this.tags = new TagService(this.store.ledgers, this.ledgers);
    this.auth = createAuthenticator(config);
    this.onClose(() => this.ledgers.close());
    this.txn = TxnService.of(this);
    this.exports = new ExportService(this.store, this.ledgers, sinkFor(config), config, this.log, {
      maxObjectBytes: config.exportObjectMaxBytes,
      maxObjectBlocks: config.exportObjectMaxBlocks,
      nodeId: this.nodeId,
      ...leaseTimings(config.exportLeaseMs),
      // SQLite: worker threads read the database file; the data-directory lock makes this node the only one
      dbPath: this.db && !this.db.memory ? this.db.name : undefined,
      soleNode: this.store.soleWriter,
    });
    // first in line: a refused deletion must not have ended the ledger's sessions already
    this.ledgers.hooks.beforeDelete.unshift((ledger) => this.exports.refuseDeleteWhileExporting(ledger));
    this.onClose(() => this.exports.close());
    // read through a sink of its own: closing either service closes its sink
    this.imports = new ImportService(this.store, this.ledgers, sinkFor(config), config, this.log, {
      nodeId: this.nodeId,
      ...leaseTimings(config.exportLeaseMs),
      soleNode: this.store.soleWriter,
    });
    this.onClose(() => this.imports.close());
    this.streams = new StreamService(this.store, this.ledgers, config, this.log);
    this.ledgers.hooks.beforeDelete.unshift((ledger) => this.streams.refuseDeleteWhileStreaming(ledger));
    this.tags.streams = (caller, ledgerName, streamId) => this.streams.taggable(caller, ledgerName, streamId);
    this.onClose(() => this.streams.close());
    if (config.metrics) {
      const metrics = new Metrics({
        sessionsByLedger: () => this.txn.sessions.countsByLedger(),
        exportJobsByState: () => this.exports.jobsByState(),
        streamJobsByState: () => this.streams.streamsByStatus(),
      });
      this.metrics = metrics;
      this.txn.pipeline.observe({
        batch: (transactions, fsyncMs) => metrics.commitBatch(transactions, fsyncMs === undefined ? undefined : fsyncMs / 1000),
        conflict: (ledgerId) => metrics.occConflict(this.ledgers.get(ledgerId)?.name ?? ledgerId),
      });
      this.exports.onObjectWritten((bytes) => metrics.exportedObject(bytes));
    }
    this.exports.start();
    this.imports.start();
    this.streams.start({ nodeId: this.nodeId, soleNode: this.store.soleWriter });
    // imports and streams share the job table: one purge of it serves both
    const retention = purgeExpiredJobs(this.store.jobs, this.store.ledgers, config.exportRetentionMs, this.log);
    this.onClose(() => retention.stop());
    if (!this.store.soleWriter) {
      const footprints = pruneFootprintsRegularly(this.store.journal, footprintRetentionMs(config.transactionTimeoutMs), this.log);
      this.onClose(() => footprints.stop());
    }
  }

  /**
   * Tells the other nodes of a shared store where this one answers (and keeps telling them, a
   * heartbeat), so that they can hand it the requests of its sessions.
   */
  async announce(url: string): Promise<void> {
    const nodes = this.store.nodes;
    if (!nodes) return;
    const beat = () => nodes.announce(this.nodeId, url, Date.now());
    await beat();
    const timer = setInterval(() => beat().catch((e) => this.log.error('heartbeat_failed', { error: String(e) })), 5000);
    timer.unref();
    this.onClose(async () => {
      clearInterval(timer);
      await nodes.leave(this.nodeId).catch(() => {});
    });
  }

  /** Why a load balancer should not send requests here now, or undefined when it may. */
  async notReadyReason(): Promise<string | undefined> {
    if (this.stopping || this.closed) return 'stopping';
    try {
      await this.store.ping();
    } catch {
      return 'storage unavailable';
    }
    return undefined;
  }

  /** The server is shutting down: /ready answers 503 from now on while requests in flight finish. */
  stopAccepting(): void {
    this.stopping = true;
  }

  /** Local directory used as the S3 sink when no endpoint is configured. */
  get s3LocalDir(): string {
    return this.config.s3LocalDir ?? join(this.config.dataDir, 's3');
  }

  /** Registers work to do at shutdown; run in reverse order of registration. */
  onClose(fn: () => void | Promise<void>): void {
    this.closers.push(fn);
  }

  async close(): Promise<void> {
    this.stopping = true;
    for (const fn of this.closers.reverse()) await fn();
    if (this.db?.open) this.db.close();
    this.closed = true;
    this.lock?.release();
  }
}

/** Rebuilds the indexes a schema migration left keyed the old way, with the domain's key function; returns how many. */
export function rebuildOldIndexKeys(db: Db): number {
  return new DocumentStore(db).rekeyPendingIndexes((doc, field) => (require('./txn/ion') as typeof TxnIon).indexKeysOf(doc, [field]).get(field));
}

/** A store shared by several nodes: nothing of it is this process's alone. */
async function openShared(url: string, log: Logger): Promise<Backend> {
  const { openPostgresStore } = require('./storage/postgres/store') as typeof PostgresStore;
  const onCommitOutcome = (e: { ledgerId: string; sequenceNo: number; committed: boolean; cause: string }) =>
    log.warn('commit.outcome_resolved', e);
  return { store: await openPostgresStore(url, { onCommitOutcome }) };
}

/** The embedded store: the data directory's lock first, then its database. */
function openSqlite(config: Config, log: Logger): Backend {
  // before anything is read: a second server on the same directory would fork its journals
  const lock = lockDataDir(config.dataDir);
  let db: Db;
  try {
    db = openDatabase(config.dataDir);
  } catch (e) {
    lock.release();
    throw e;
  }
  rebuildOldIndexKeys(db);
  const store = sqliteStore(db, (error, fallback) =>
    // the WAL goes on growing until a checkpoint succeeds, or SQLite's own ones take over
    log.warn('wal_checkpoint_failed', { error, sqliteCheckpointsAgain: fallback }),
  );
  return { store, db, lock, syncReader: new DocumentStore(db) };
}

export const quietApp = (config: Config) => App.open(config, silentLogger);
