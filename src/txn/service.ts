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
import { badRequest, invalidSession } from '../server/errors';
import type { PermissionsMode } from '../storage/store';
import type { Store, StrandTip } from '../storage/stores';
import { Catalog, type CatalogTable } from './catalog';
import { catchUp, StaleLedgerState } from './commitBuilder';
import { CommitPipeline, type CommitOutcome } from './commitPipeline';
import { CachingSnapshotReader, type SnapshotReader } from './snapshotReader';
import { LedgerState } from './ledgerState';
import { SessionManager, type Session } from './sessions';
import type * as TransactionModule from './transaction';
import type { Transaction } from './transaction';

// The service is built at start-up; what only transactions and blocks need (Ion, the journal,
// the PartiQL engine's document checks) loads with the first of them.
const blockModule = lazy(() => require('../journal/block') as typeof Block);
const commitDigestModule = lazy(() => require('../journal/commitDigest') as typeof CommitDigestModule);
const transactionModule = lazy(() => require('./transaction') as typeof TransactionModule);

export interface TxnServiceOptions {
  transactionTimeoutMs: number;
  sessionTimeoutMs: number;
  maxSessionsPerLedger: number;
  tokenPrefix?: string;
}

const services = new WeakMap<object, TxnService>();

export class TxnService {
  readonly pipeline: CommitPipeline;
  readonly sessions: SessionManager;
  private readonly states = new Map<string, LedgerState>();
  /** states being loaded, so that concurrent first uses share one load */
  private readonly loading = new Map<string, Promise<LedgerState | undefined>>();
  /** per ledger, the tip read not sent yet (freshTip) */
  private readonly nextTipRead = new Map<string, Promise<StrandTip | undefined>>();
  /** A ledger's permissions mode; unknown without an app (txn-level tests), which means STANDARD. */
  private permissionsModeOf: (ledgerId: string) => PermissionsMode | undefined = () => undefined;

  /** The service of an app, created (and hooked to its ledgers) on first use. */
  static of(app: App): TxnService {
    let s = services.get(app);
    if (!s) {
      s = new TxnService(
        app.store,
        // on a shared store a session's token says which node holds it
        app.store.soleWriter ? app.config : { ...app.config, tokenPrefix: app.nodeId },
        (e) => app.log.error('commit_failed', { error: String((e as Error)?.stack ?? e) }),
        app.syncReader,
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
    readonly store: Store,
    readonly options: TxnServiceOptions,
    onError: (e: unknown) => void = () => {},
    /**
     * Reads of committed documents that answer synchronously (SQLite). Without one, each
     * transaction reads through a cache over the asynchronous store (see snapshotReader.ts).
     */
    private readonly syncReader?: SnapshotReader,
  ) {
    this.pipeline = new CommitPipeline({
      store: store.commits,
      state: (id) => this.states.get(id),
      invalidate: (id) => (id === undefined ? this.states.clear() : this.states.delete(id)),
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
    // A ledger whose genesis block failed gets it on first use (stateOrCreate); the data of a
    // ledger gone for good that failed to drop is never read again. Neither may fail the request.
    const logged = (what: string, ledgerId: string) => (e: unknown) =>
      app.log.error(what, { ledgerId, error: String((e as Error)?.stack ?? e) });
    // awaited, so that CreateLedger answers once the strand exists (an export or a stream asked for
    // right after finds it), but a failure only logged: the ledger row is stored already
    app.ledgers.hooks.created.push((ledger) => this.createLedger(ledger.ledgerId).catch(logged('genesis_failed', ledger.ledgerId)));
    app.ledgers.hooks.beforeDelete.push((ledger) => this.sessions.dropLedger(ledger.ledgerId));
    app.ledgers.hooks.gone.push((ledger) => void this.dropLedger(ledger.ledgerId).catch(logged('drop_failed', ledger.ledgerId)));
    app.onClose(() => this.close());
  }

  close(): Promise<void> {
    this.sessions.close();
    return this.pipeline.close();
  }

  /** Writes the genesis block of a new ledger's strand (a no-op when another node wrote it first). */
  async createLedger(ledgerId: string, at = new Date()): Promise<void> {
    const strandId = newId();
    const g = blockModule().genesisBlock(strandId, at);
    await this.store.journal.createStrand(ledgerId, strandId, {
      blockHash: g.blockHash,
      timestampMs: g.blockTimestamp.getTime(),
      transactionId: blockModule().parseBlock(g.ion).transactionId ?? '',
      ion: Buffer.from(g.ion.buffer, g.ion.byteOffset, g.ion.byteLength),
    });
  }

  async dropLedger(ledgerId: string): Promise<void> {
    this.sessions.dropLedger(ledgerId);
    this.states.delete(ledgerId);
    await this.store.documents.dropLedger(ledgerId);
    await this.store.journal.dropLedger(ledgerId);
    // a first use while the rows were going may have loaded the state again
    this.states.delete(ledgerId);
  }

  /** The in-memory state of a ledger, loaded from storage on first use; undefined when it has no journal. */
  state(ledgerId: string): LedgerState | undefined | Promise<LedgerState | undefined> {
    return this.states.get(ledgerId) ?? this.load(ledgerId);
  }

  private load(ledgerId: string): Promise<LedgerState | undefined> {
    let p = this.loading.get(ledgerId);
    if (!p) {
      p = this.read(ledgerId).finally(() => this.loading.delete(ledgerId));
      this.loading.set(ledgerId, p);
    }
    return p;
  }

  private async read(ledgerId: string): Promise<LedgerState | undefined> {
    const tip = await this.store.journal.strand(ledgerId);
    if (!tip) return undefined;
    const [{ tables, indexes }, tipBlock] = await Promise.all([
      this.store.documents.catalog(ledgerId),
      this.store.journal.block(ledgerId, tip.tipSequenceNo),
    ]);
    const catalog: CatalogTable[] = tables.map((t) => ({
      ...t,
      indexes: indexes
        .filter((i) => i.tableId === t.tableId)
        .map((i) => ({ indexId: i.indexId, field: i.field, status: i.status as 'ONLINE' })),
    }));
    // block timestamps never go backwards, even if the clock does across a restart
    const st = new LedgerState(ledgerId, tip.strandId, tip.tipSequenceNo, Buffer.from(tip.tipBlockHash), tipBlock?.timestampMs ?? 0, new Catalog(catalog));
    // a commit or a drop while this load ran: what it read may be older than the state kept since
    const kept = this.states.get(ledgerId);
    if (kept) return kept;
    this.states.set(ledgerId, st);
    return st;
  }

  /** A ledger's state, creating its strand first if the ledger predates this component. */
  async stateOrCreate(ledgerId: string): Promise<LedgerState> {
    const st = await this.state(ledgerId);
    if (st) return st;
    await this.createLedger(ledgerId);
    return (await this.state(ledgerId))!;
  }

  // ---- transactions of a session ----

  /**
   * Starts the session's transaction; synchronous once the ledger's state is loaded, when this
   * process is the store's only writer.
   */
  startTransaction(s: Session): Transaction | Promise<Transaction> {
    const st = this.states.get(s.ledgerId);
    if (st && this.store.soleWriter) return this.begin(s, st);
    const ready = st ? this.catchUpWithStore(st) : this.stateOrCreate(s.ledgerId);
    return ready.then((loaded) => {
      // another StartTransaction of the session may have won the race while the state loaded
      if (s.txn && s.txn.state === 'open') throw badRequest(`Transaction ${s.txn.transactionId} is already open in this session`);
      return this.begin(s, loaded);
    });
  }

  private begin(s: Session, st: LedgerState): Transaction {
    const startedAt = Date.now();
    const ledgerId = s.ledgerId;
    // the snapshot is what readers can see, not a batch still being written (LedgerState.readableSeq)
    const reader = this.syncReader ?? new CachingSnapshotReader(this.store.documents, ledgerId, st.readableSeq);
    const txn = new (transactionModule().Transaction)(
      newId(), st, reader, st.readableSeq, startedAt, st.catalog,
      // the same instant openTransaction() expires it at, so both report the same expiry
      startedAt + this.options.transactionTimeoutMs,
      () => this.permissionsModeOf(ledgerId) ?? 'STANDARD',
    );
    st.openTransaction(txn.startSeq);
    s.txn = txn;
    s.txnExtra = { digest: new (commitDigestModule().CommitDigest)(txn.transactionId) };
    return txn;
  }

  /**
   * On a store other nodes write to, a transaction's snapshot starts at the store's tip, not at
   * what this node last committed: otherwise a node that only reads would serve stale data, and
   * a transaction retried after an OCC conflict would read the same stale snapshot and conflict
   * again. What the others committed meanwhile joins the OCC log from their footprints.
   */
  private async catchUpWithStore(st: LedgerState): Promise<LedgerState> {
    const tip = await this.freshTip(st.ledgerId);
    if (!tip) return st;
    for (;;) {
      if (this.states.get(st.ledgerId) !== st) return this.stateOrCreate(st.ledgerId);
      if (st.readableSeq >= tip.tipSequenceNo) return st;
      // a batch of this node that the store has not built yet catches up under the tip lock, so
      // after `tip` was read: wait for it rather than start from before what it will learn
      const batch = this.pipeline.settled(st.ledgerId);
      if (batch) {
        await batch;
        continue;
      }
      const known = st.tipSeq;
      const since = (await this.store.journal.footprints(st.ledgerId, known)).filter((f) => f.sequenceNo <= tip.tipSequenceNo);
      // a commit of this node moved the state meanwhile: look again
      if (this.states.get(st.ledgerId) !== st || st.tipSeq !== known || this.pipeline.building(st.ledgerId)) continue;
      try {
        catchUp(st, { tip, since });
        return st;
      } catch (e) {
        if (!(e instanceof StaleLedgerState)) throw e;
        // another node changed the catalog: start from what the store holds
        this.states.delete(st.ledgerId);
        return this.stateOrCreate(st.ledgerId);
      }
    }
  }

  /**
   * The store's tip, read after this call: the StartTransactions of one turn of the event loop
   * share one read, which is sent once they have all asked (a caller never joins a read already
   * sent, which could predate a commit acknowledged before it asked). Under load this is one
   * query per turn instead of one per transaction, each costing the main thread and the
   * database CPU of their own.
   */
  private freshTip(ledgerId: string): Promise<StrandTip | undefined> {
    let read = this.nextTipRead.get(ledgerId);
    if (!read) {
      read = new Promise((resolve, reject) =>
        setImmediate(() => {
          this.nextTipRead.delete(ledgerId);
          this.store.journal.strand(ledgerId).then(resolve, reject);
        }),
      );
      this.nextTipRead.set(ledgerId, read);
    }
    return read;
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
