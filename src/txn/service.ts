/**
 * The transaction layer of one server: ledger states, sessions, transactions and the commit
 * pipeline, over the document store and the journal store. Operations reach it through
 * `TxnService.of(app)`; it follows ledgers through the LedgerService hooks (genesis block at
 * creation, data dropped when a ledger is gone).
 */
import type { App } from '../app';
import type * as Block from '../journal/block';
import type * as CommitDigestModule from '../journal/commitDigest';
import { newId } from '../journal/ids';
import { lazy } from '../lazy';
import { invalidSession } from '../server/errors';
import type { Db } from '../storage/sqlite/db';
import type { PermissionsMode } from '../storage/store';
import { DocumentStore } from '../storage/sqlite/documentStore';
import { JournalStore } from '../storage/sqlite/journalStore';
import { Catalog, type CatalogTable } from './catalog';
import { CommitPipeline, type CommitOutcome } from './commitPipeline';
import type { JournalPort } from './journalPort';
import type * as TxnIon from './ion';
import { LedgerState } from './ledgerState';
import { SessionManager, type Session } from './sessions';
import type * as TransactionModule from './transaction';
import type { Transaction } from './transaction';

// The service is built at start-up; what only transactions and blocks need (Ion, the journal,
// the PartiQL engine's document checks) loads with the first of them.
const blockModule = lazy(() => require('../journal/block') as typeof Block);
const commitDigestModule = lazy(() => require('../journal/commitDigest') as typeof CommitDigestModule);
const txnIon = lazy(() => require('./ion') as typeof TxnIon);
const transactionModule = lazy(() => require('./transaction') as typeof TransactionModule);

export interface TxnServiceOptions {
  transactionTimeoutMs: number;
  sessionTimeoutMs: number;
  maxSessionsPerLedger: number;
}

/** The journal store plus strand creation and removal (the real one is JournalStore). */
export interface JournalStoreLike extends JournalPort {
  createStrand(ledgerId: string, strandId: string, genesis: ReturnType<typeof Block.genesisBlock>): void;
  dropLedger(ledgerId: string): void;
}

const services = new WeakMap<object, TxnService>();

export class TxnService {
  readonly docs: DocumentStore;
  readonly pipeline: CommitPipeline;
  readonly sessions: SessionManager;
  private readonly states = new Map<string, LedgerState>();
  /** A ledger's permissions mode; unknown without an app (txn-level tests), which means STANDARD. */
  private permissionsModeOf: (ledgerId: string) => PermissionsMode | undefined = () => undefined;

  /** The service of an app, created (and hooked to its ledgers) on first use. */
  static of(app: App): TxnService {
    let s = services.get(app);
    if (!s) {
      s = new TxnService(app.db, new JournalStore(app.db), app.config, (e) =>
        app.log.error('commit_failed', { error: String((e as Error)?.stack ?? e) }),
      );
      s.attach(app);
      services.set(app, s);
    }
    return s;
  }

  /** Uses `svc` as the app's service (tests that bring their own journal). */
  static install(app: App, svc: TxnService): void {
    services.set(app, svc);
    svc.attach(app);
  }

  constructor(
    readonly db: Db,
    readonly journal: JournalStoreLike,
    readonly options: TxnServiceOptions,
    onError: (e: unknown) => void = () => {},
  ) {
    this.docs = new DocumentStore(db);
    this.docs.rekeyPendingIndexes((doc, field) => txnIon().indexKeysOf(doc, [field]).get(field));
    this.pipeline = new CommitPipeline({
      db,
      docs: this.docs,
      journal,
      state: (id) => this.state(id),
      invalidate: () => this.states.clear(),
      onError,
    });
    this.sessions = new SessionManager(options, {
      abandon: (s) => this.closeTransaction(s),
      tick: (s, now) => {
        if (s.txn && s.txn.state === 'open' && now - s.txn.startedAt >= options.transactionTimeoutMs) this.expire(s);
      },
    });
  }

  /** Follows the ledgers of an app: genesis at creation, sessions ended at deletion, data dropped when gone. */
  attach(app: App): void {
    this.permissionsModeOf = (ledgerId) => app.ledgers.get(ledgerId)?.permissionsMode;
    app.ledgers.hooks.created.push((ledger) => this.createLedger(ledger.ledgerId));
    app.ledgers.hooks.beforeDelete.push((ledger) => this.sessions.dropLedger(ledger.ledgerId));
    app.ledgers.hooks.gone.push((ledger) => this.dropLedger(ledger.ledgerId));
    app.onClose(() => this.close());
  }

  close(): void {
    this.sessions.close();
    this.pipeline.close();
  }

  /** Writes the genesis block of a new ledger's strand (inside the creating transaction). */
  createLedger(ledgerId: string, at = new Date()): void {
    const strandId = newId();
    this.journal.createStrand(ledgerId, strandId, blockModule().genesisBlock(strandId, at));
  }

  dropLedger(ledgerId: string): void {
    this.sessions.dropLedger(ledgerId);
    this.docs.dropLedger(ledgerId);
    this.journal.dropLedger(ledgerId);
    this.states.delete(ledgerId);
  }

  /** The in-memory state of a ledger, loaded from storage on first use. */
  state(ledgerId: string): LedgerState | undefined {
    let st = this.states.get(ledgerId);
    if (st) return st;
    const tip = this.journal.strand(ledgerId);
    if (!tip) return undefined;
    const indexes = this.docs.indexes(ledgerId);
    const tables: CatalogTable[] = this.docs.tables(ledgerId).map((t) => ({
      ...t,
      indexes: indexes
        .filter((i) => i.tableId === t.tableId)
        .map((i) => ({ indexId: i.indexId, field: i.field, status: i.status as 'ONLINE' })),
    }));
    // block timestamps never go backwards, even if the clock does across a restart
    const tipBlock = this.journal.block?.(ledgerId, tip.tipSequenceNo);
    const tipTime = tipBlock ? (blockModule().parseBlock(tipBlock).blockTimestamp?.getTime() ?? 0) : 0;
    st = new LedgerState(ledgerId, tip.strandId, tip.tipSequenceNo, Buffer.from(tip.tipBlockHash), tipTime, new Catalog(tables));
    this.states.set(ledgerId, st);
    return st;
  }

  /** A ledger's state, creating its strand first if the ledger predates this component. */
  stateOrCreate(ledgerId: string): LedgerState {
    let st = this.state(ledgerId);
    if (!st) {
      this.db.transaction(() => this.createLedger(ledgerId))();
      st = this.state(ledgerId)!;
    }
    return st;
  }

  // ---- transactions of a session ----

  startTransaction(s: Session): Transaction {
    const st = this.stateOrCreate(s.ledgerId);
    const startedAt = Date.now();
    const ledgerId = s.ledgerId;
    const txn = new (transactionModule().Transaction)(
      newId(), st, this.docs, st.tipSeq, startedAt, st.catalog,
      // the same instant openTransaction() expires it at, so both report the same expiry
      startedAt + this.options.transactionTimeoutMs,
      () => this.permissionsModeOf(ledgerId) ?? 'STANDARD',
    );
    st.openTransaction(txn.startSeq);
    s.txn = txn;
    s.txnExtra = { digest: new (commitDigestModule().CommitDigest)(txn.transactionId) };
    return txn;
  }

  /** Closes the session's transaction (commit done, abort, OCC failure, expiry). */
  closeTransaction(s: Session): void {
    const txn = s.txn;
    if (!txn) return;
    s.txn = undefined;
    s.txnExtra = undefined;
    for (const [token, p] of s.pages) if (p.transactionId === txn.transactionId) s.pages.delete(token);
    // a commit in flight keeps its place in the OCC log until the pipeline is done with it
    if (txn.state !== 'committing') this.release(txn);
  }

  private release(txn: Transaction): void {
    if (txn.state === 'closed') return;
    txn.state = 'closed';
    txn.ledger.closeTransaction(txn.startSeq);
  }

  private expire(s: Session): void {
    const id = s.txn!.transactionId;
    this.closeTransaction(s);
    s.expiredTxns.push(id);
    if (s.expiredTxns.length > 16) s.expiredTxns.shift();
  }

  /**
   * The session's open transaction with this id, checking expiry: an expired transaction is
   * closed and answered with QLDB's exact message, which the drivers recognise.
   */
  openTransaction(s: Session, transactionId: string): Transaction | undefined {
    const txn = s.txn;
    if (txn && txn.state !== 'closed' && Date.now() - txn.startedAt >= this.options.transactionTimeoutMs) {
      if (txn.state === 'open') this.expire(s);
    }
    if (s.expiredTxns.includes(transactionId)) throw invalidSession(`Transaction ${transactionId} has expired`);
    return s.txn && s.txn.transactionId === transactionId ? s.txn : undefined;
  }

  async commit(s: Session, txn: Transaction): Promise<CommitOutcome> {
    txn.state = 'committing';
    try {
      return await this.pipeline.submit(txn);
    } finally {
      if (s.txn === txn) this.closeTransaction(s);
      this.release(txn);
    }
  }
}
