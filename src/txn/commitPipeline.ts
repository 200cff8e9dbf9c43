/**
 * The commit pipeline: OCC validation, block assembly and the durable write of a transaction.
 *
 * Commits that arrive together are grouped: they queue, and one flush (scheduled with
 * setImmediate) writes the whole batch in ONE SQLite transaction, so one WAL fsync makes them all
 * durable. Each commit runs in its own savepoint inside it, in arrival order, and updates the
 * in-memory ledger state (tip, catalog, OCC log) right away, so the next commit of the same batch
 * validates against it. Nobody is answered before the batch's fsync. Node runs one thread and
 * every step is synchronous, so validate + assign sequenceNo + write is atomic.
 */
import { closeSync, fsync, openSync } from 'node:fs';
import type * as IonJs from 'ion-js';
import type * as Block from '../journal/block';
import type { DocumentInfo, RevisionInput } from '../journal/block';
import type * as IonHash from '../journal/ionHash';
import { lazy } from '../lazy';
import { badRequest, occConflict, ServiceError, internalFailure } from '../server/errors';
import type { Db } from '../storage/sqlite/db';
import type { CurrentDoc, DocumentStore } from '../storage/sqlite/documentStore';
import { applyOp } from './catalog';
import type * as TxnIon from './ion';

// built at start-up, used from the first commit on: Ion and the journal load then
const ionJs = lazy(() => require('ion-js') as typeof IonJs);
const blockModule = lazy(() => require('../journal/block') as typeof Block);
const ionHashModule = lazy(() => require('../journal/ionHash') as typeof IonHash);
const txnIon = lazy(() => require('./ion') as typeof TxnIon);
import { keyId, type CommitRecord, type LedgerState } from './ledgerState';
import type { Transaction } from './transaction';
import type { JournalPort } from './journalPort';

export interface CommitOutcome {
  sequenceNo: number;
  blockHash: Buffer;
  documentsWritten: number;
}

interface Pending {
  txn: Transaction;
  resolve(o: CommitOutcome): void;
  reject(e: unknown): void;
}

export interface PipelineDeps {
  db: Db;
  docs: DocumentStore;
  journal: JournalPort;
  /** the current in-memory state of a ledger, or undefined when it is gone */
  state(ledgerId: string): LedgerState | undefined;
  /** forget every in-memory state (after a failed batch): it is reloaded from storage */
  invalidate(): void;
  onError(e: unknown): void;
  /** fsync the WAL off the main thread (default); false = commit with the connection's own synchronous setting */
  asyncFsync?: boolean;
}

/**
 * One descriptor on the WAL file for the server's life: opening and closing it around every
 * batch cost more main-thread time than the fsync it served. fsync flushes the file (the inode),
 * whichever descriptor asks, and SQLite keeps the same WAL file while the database is open.
 */
class WalSync {
  private fd: number | undefined;
  constructor(private readonly path: string) {}

  sync(done: (err: NodeJS.ErrnoException | null) => void): void {
    try {
      this.fd ??= openSync(this.path, 'r');
    } catch (e) {
      return done(e as NodeJS.ErrnoException);
    }
    fsync(this.fd, done);
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

/** Told of each written batch and each OCC conflict (the server's metrics). */
export interface PipelineObserver {
  /** a batch is durable: its size, and how long its fsync took (undefined when none ran) */
  batch(transactions: number, fsyncMs: number | undefined): void;
  conflict(ledgerId: string): void;
}

export class CommitPipeline {
  private queue: Pending[] = [];
  private scheduled = false;
  /** batches flushed and commits in them, for the benchmark and logs */
  readonly stats = { batches: 0, commits: 0, maxBatch: 0 };
  private observer?: PipelineObserver;

  constructor(private readonly deps: PipelineDeps) {}

  observe(observer: PipelineObserver): void {
    this.observer = observer;
  }

  submit(txn: Transaction): Promise<CommitOutcome> {
    return new Promise((resolve, reject) => {
      this.queue.push({ txn, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /**
   * Writes every queued commit. Durability without stalling the event loop: the batch commits
   * with `synchronous = NORMAL` (SQLite appends it to the WAL without fsync), then the WAL is
   * fsync'd on the libuv thread pool and only then is anyone answered. So an acknowledged
   * commit is on disk exactly as with `synchronous = FULL`, but the main thread keeps serving
   * requests (and building the next batch) during the fsync. A crash before that fsync loses
   * only unacknowledged commits; SQLite's WAL checksums keep the database consistent. The
   * connection's own setting is restored right after the batch, so nothing else runs under
   * NORMAL. Falls back to a plain synchronous commit when the database is not a WAL file with
   * `synchronous = FULL` (or EXTRA).
   */
  flush(): void {
    this.scheduled = false;
    const batch = this.queue;
    this.queue = [];
    if (batch.length === 0) return;
    const { db } = this.deps;
    const results: (CommitOutcome | { error: unknown })[] = [];
    const one = db.transaction((txn: Transaction) => this.commitOne(txn));
    const wal = this.walPath();
    const level = wal ? (db.pragma('synchronous', { simple: true }) as number) : 0;
    if (wal) db.pragma('synchronous = NORMAL');
    try {
      db.transaction(() => {
        for (const p of batch) {
          try {
            results.push(one(p.txn));
          } catch (e) {
            results.push({ error: e });
          }
        }
      })();
    } catch (e) {
      // the batch did not reach the disk: nothing was committed, and the in-memory states may
      // be ahead of storage — drop them so they are rebuilt from what is really there
      this.deps.onError(e);
      this.deps.invalidate();
      for (const p of batch) p.reject(internalFailure());
      return;
    } finally {
      if (wal) db.pragma(`synchronous = ${level}`);
    }
    this.stats.batches++;
    this.stats.commits += batch.length;
    if (batch.length > this.stats.maxBatch) this.stats.maxBatch = batch.length;
    const answer = (syncError?: unknown) => {
      if (syncError) this.deps.onError(syncError);
      for (let i = 0; i < batch.length; i++) {
        const r = results[i];
        if (syncError) batch[i].reject(internalFailure());
        else if ('error' in r) {
          if (!(r.error instanceof ServiceError)) this.deps.onError(r.error);
          batch[i].reject(r.error instanceof ServiceError ? r.error : internalFailure());
        } else batch[i].resolve(r);
      }
    };
    if (!wal) {
      this.observer?.batch(batch.length, undefined);
      return answer();
    }
    this.inFlight++;
    const syncStarted = this.observer ? performance.now() : 0;
    this.lastSync = new Promise<void>((resolve) =>
      wal.sync((err) => {
        this.inFlight--;
        if (!err) this.observer?.batch(batch.length, performance.now() - syncStarted);
        answer(err ?? undefined);
        if (this.closing && this.inFlight === 0) wal.close();
        resolve();
      }),
    );
  }

  private lastSync: Promise<void> = Promise.resolve();

  /**
   * Resolves once everything written so far is on disk. Blocks are visible to readers as soon as
   * their batch is written, a moment before its fsync; whatever hands journal state to an auditor
   * (a digest, a proof, an export's range) waits for this first, so that a power loss can never
   * take back a block someone outside already holds. The fsync of the latest batch covers every
   * earlier one.
   */
  async durable(): Promise<void> {
    // a batch written while we waited has its own fsync: wait for that one too
    for (let seen = this.lastSync; ; seen = this.lastSync) {
      await seen;
      if (seen === this.lastSync) return;
    }
  }

  /** fsyncs still running: at 0 every written batch is on disk (tests, shutdown and GetDigest rely on it). */
  inFlight = 0;
  private closing = false;

  /** Commits what is queued; the WAL descriptor closes once the last fsync has answered. */
  close(): void {
    this.flush();
    this.closing = true;
    if (this.inFlight === 0) this.walPath()?.close();
  }

  private walFile: WalSync | null | undefined;
  /** The WAL file to fsync, or null when the commit must stay synchronous. */
  private walPath(): WalSync | null {
    if (this.walFile === undefined) {
      const { db } = this.deps;
      const mode = String(db.pragma('journal_mode', { simple: true })).toLowerCase();
      const level = db.pragma('synchronous', { simple: true }) as number;
      this.walFile = this.deps.asyncFsync !== false && !db.memory && mode === 'wal' && level >= 2 ? new WalSync(`${db.name}-wal`) : null;
    }
    return this.walFile;
  }

  private commitOne(txn: Transaction): CommitOutcome {
    const { docs, journal } = this.deps;
    const st = this.deps.state(txn.ledger.ledgerId);
    if (!st) throw badRequest('The ledger no longer exists');
    // a state rebuilt after a failed batch cannot vouch for reads made against the old one
    if (st !== txn.ledger || st.conflicts(txn.startSeq, txn.reads)) {
      this.observer?.conflict(st.ledgerId);
      throw occConflict();
    }

    const ledgerId = st.ledgerId;
    let catalog = st.catalog;
    for (const op of txn.ops) catalog = applyOp(catalog, op);

    const now = Math.max(Date.now(), st.tipTime);
    const txTime = new Date(now);
    const seq = st.tipSeq + 1;
    const record: CommitRecord = {
      seq,
      docs: new Set(),
      tables: new Set(),
      keys: new Set(),
      catalogChanged: txn.ops.length > 0,
      catalogNames: new Set(),
    };

    const revisions: RevisionInput[] = [];
    const documents: Record<string, DocumentInfo> = {};
    const written: { docId: string; tableId: string; version: number; cur: CurrentDoc | undefined; data: Buffer | null }[] = [];
    for (const w of txn.writes.values()) {
      if (w.inserted && w.data === null) continue; // created and deleted again: never existed
      const cur = w.inserted ? undefined : docs.document(ledgerId, w.docId);
      const version = cur ? cur.version + 1 : 0;
      revisions.push({
        ...(w.bytes ? { data: w.bytes } : {}),
        metadata: { id: w.docId, version, txTime, txId: txn.transactionId },
      });
      const table = catalog.byId(w.tableId);
      documents[w.docId] = { tableName: table?.name ?? '', tableId: w.tableId, statements: w.statements };
      written.push({ docId: w.docId, tableId: w.tableId, version, cur, data: w.bytes });
    }

    const built = blockModule().buildBlock({
      strandId: st.strandId,
      sequenceNo: seq,
      transactionId: txn.transactionId,
      blockTimestamp: txTime,
      previousBlockHash: st.tipHash,
      statements: txn.statements,
      documents,
      revisions,
      ...(txn.redactions.length ? { redactionInfo: { revisions: txn.redactions } } : {}),
    });
    journal.appendBlock(ledgerId, built, txn.transactionId);

    // catalog changes first, so index builds see the committed documents before this
    // transaction's writes (which then maintain the new index like any other)
    let working = st.catalog;
    for (const op of txn.ops) {
      switch (op.kind) {
        case 'createTable':
          docs.insertTable(ledgerId, { tableId: op.table.tableId, name: op.table.name, status: 'ACTIVE', tags: op.table.tags });
          record.catalogNames.add(op.table.name);
          break;
        case 'dropTable':
        case 'undropTable':
          docs.setTableStatus(ledgerId, op.tableId, op.kind === 'dropTable' ? 'INACTIVE' : 'ACTIVE');
          record.catalogNames.add(working.byId(op.tableId)?.name ?? '');
          break;
        case 'createIndex': {
          docs.insertIndex(ledgerId, { indexId: op.index.indexId, tableId: op.tableId, field: op.index.field, status: op.index.status });
          for (const d of docs.liveDocuments(ledgerId, op.tableId)) {
            const key = txnIon().indexKeysOf(d.data, [op.index.field]).get(op.index.field);
            if (key) docs.putEntry(ledgerId, op.tableId, op.index.field, key, d.docId);
          }
          record.catalogNames.add(working.byId(op.tableId)?.name ?? '');
          break;
        }
        case 'dropIndex': {
          const field = working.byId(op.tableId)?.indexes.find((i) => i.indexId === op.indexId)?.field;
          docs.deleteIndex(ledgerId, op.indexId);
          if (field !== undefined) docs.dropEntries(ledgerId, op.tableId, field);
          record.catalogNames.add(working.byId(op.tableId)?.name ?? '');
          break;
        }
      }
      working = applyOp(working, op);
    }

    for (let i = 0; i < written.length; i++) {
      const w = written[i];
      const rev = built.revisions[i];
      docs.putDocument(ledgerId, { docId: w.docId, tableId: w.tableId, version: w.version, seq, data: w.data });
      docs.insertRevision(ledgerId, {
        docId: w.docId,
        version: w.version,
        tableId: w.tableId,
        seq,
        txTime: now,
        ion: Buffer.from(rev.ion.buffer, rev.ion.byteOffset, rev.ion.byteLength),
      });
      record.docs.add(w.docId);
      record.tables.add(w.tableId);
      const fields = catalog.indexedFields(w.tableId);
      if (fields.length) {
        const oldKeys = w.cur?.data ? txnIon().indexKeysOf(w.cur.data, fields) : undefined;
        const newKeys = w.data ? txnIon().indexKeysOf(w.data, fields) : undefined;
        for (const field of fields) {
          const ok = oldKeys?.get(field);
          const nk = newKeys?.get(field);
          if (ok && nk && ok.equals(nk)) continue;
          if (ok) {
            docs.deleteEntry(ledgerId, w.tableId, field, ok, w.docId);
            record.keys.add(keyId(w.tableId, field, ok));
          }
          if (nk) {
            docs.putEntry(ledgerId, w.tableId, field, nk, w.docId);
            record.keys.add(keyId(w.tableId, field, nk));
          }
        }
      }
    }

    for (const r of txn.redactions) {
      const fromBlock = journal.redactRevision(ledgerId, r.blockAddress.sequenceNo, r.documentId, r.version);
      const ion = fromBlock ?? docs.revisionIon(ledgerId, r.documentId, r.version);
      if (ion) docs.redactRevision(ledgerId, r.documentId, r.version, fromBlock ? Buffer.from(fromBlock) : redactedRevision(ion));
      record.docs.add(r.documentId);
    }

    st.tipSeq = seq;
    st.tipHash = built.blockHash;
    st.tipTime = now;
    st.catalog = catalog;
    st.record(record);
    return { sequenceNo: seq, blockHash: built.blockHash, documentsWritten: written.length };
  }
}

/** `{blockAddress, hash, data, metadata}` → `{blockAddress, hash, dataHash, metadata}`: same revision hash. */
export function redactedRevision(ion: Uint8Array): Buffer {
  const rev = txnIon().fromBinary(ion);
  const w = ionJs().makeBinaryWriter();
  w.stepIn(ionJs().IonTypes.STRUCT);
  for (const [name, value] of rev.fields()) {
    if (name === 'data') {
      w.writeFieldName('dataHash');
      w.writeBlob(ionHashModule().ionHash(value));
    } else {
      w.writeFieldName(name);
      value.writeTo(w);
    }
  }
  w.stepOut();
  w.close();
  return Buffer.from(w.getBytes());
}
