/**
 * The composition root: builds every service of one openqldb server from its Config and wires
 * them together. Operations reach services only through `ctx.app`.
 */
import { join } from 'node:path';
import type { Config } from './config';
import { openDatabase, type Db } from './storage/sqlite/db';
import { SqliteLedgerStore } from './storage/sqlite/ledgerStore';
import { LedgerService } from './ledger/ledgers';
import { TagService } from './ledger/tags';
import { createAuthenticator, type Authenticator } from './server/auth';
import { createLogger, silentLogger, type Logger } from './server/log';
import { TxnService } from './txn/service';
import { ExportService, sinkFor } from './exports/service';
import { sqliteExportJournal } from './storage/sqlite/exportJournal';

export class App {
  readonly db: Db;
  readonly ledgers: LedgerService;
  readonly tags: TagService;
  readonly auth: Authenticator;
  /** Sessions, transactions and the commit pipeline (the session API's engine room). */
  readonly txn: TxnService;
  /** Journal exports to S3: durable jobs, resumed at start-up. */
  readonly exports: ExportService;
  /** Signs pagination tokens; random per data directory and kept across restarts. */
  readonly tokenSecret: Buffer;
  private readonly closers: (() => void | Promise<void>)[] = [];

  constructor(
    readonly config: Config,
    readonly log: Logger = createLogger(),
  ) {
    this.db = openDatabase(config.dataDir);
    const ledgerStore = new SqliteLedgerStore(this.db);
    this.tokenSecret = ledgerStore.secret('pagination');
    this.ledgers = new LedgerService(ledgerStore, config);
    this.tags = new TagService(ledgerStore, this.ledgers);
    this.auth = createAuthenticator(config);
    this.onClose(() => this.ledgers.close());
    this.txn = TxnService.of(this);
    this.exports = new ExportService(this.db, this.ledgers, sqliteExportJournal(this.db), sinkFor(config), config, this.log, {
      maxObjectBytes: config.exportObjectMaxBytes,
      maxObjectBlocks: config.exportObjectMaxBlocks,
    });
    // first in line: a refused deletion must not have ended the ledger's sessions already
    this.ledgers.hooks.beforeDelete.unshift((ledger) => this.exports.refuseDeleteWhileExporting(ledger));
    this.onClose(() => this.exports.close());
    this.exports.start();
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
    for (const fn of this.closers.reverse()) await fn();
    this.db.close();
  }
}

export const quietApp = (config: Config) => new App(config, silentLogger);
