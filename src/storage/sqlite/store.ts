/**
 * The asynchronous store interfaces (storage/stores.ts) over the synchronous SQLite classes:
 * every method computes its answer synchronously and resolves with it, so the SQLite path keeps
 * its speed (and its read caches) behind the same interfaces the PostgreSQL store implements.
 */
import type { AsyncLedgerStore, DocumentStore as DocumentStoreApi, ExportStore, JobStore, JournalStore as JournalStoreApi, Store } from '../stores';
import type { Db } from './db';
import { DocumentStore } from './documentStore';
import { SqliteExportStore } from './exportStore';
import { SqliteJobStore } from './jobStore';
import { journalStoreOf, type JournalStore } from './journalStore';
import { SqliteLedgerStore } from './ledgerStore';
import { SqliteCommitStore } from './commitStore';
import type { WalSync } from './walSync';

function ledgerAdapter(db: Db, s: SqliteLedgerStore): AsyncLedgerStore {
  return {
    insert: async (row, arn, tags) =>
      db.transaction(() => {
        s.insert(row);
        if (tags) s.putTags(arn, tags);
      })(),
    all: async () => s.all(),
    get: async (ledgerId) => s.get(ledgerId),
    update: async (row) => s.update(row),
    remove: async (ledgerId, arn) =>
      db.transaction(() => {
        s.remove(ledgerId);
        s.dropTags(arn);
      })(),
    tags: async (arn) => s.tags(arn),
    putTags: async (arn, tags) => db.transaction(() => s.putTags(arn, tags))(),
    putTagsWithin: async (arn, tags, max) =>
      db.transaction(() => {
        if (new Set([...Object.keys(s.tags(arn)), ...Object.keys(tags)]).size > max) return false;
        s.putTags(arn, tags);
        return true;
      })(),
    removeTags: async (arn, keys) => db.transaction(() => s.removeTags(arn, keys))(),
    secret: async (name) => s.secret(name),
  };
}

function journalAdapter(j: JournalStore): JournalStoreApi {
  return {
    createStrand: async (ledgerId, strandId, genesis) => j.createStrandIfAbsent(ledgerId, strandId, genesis),
    strand: async (ledgerId) => j.strand(ledgerId),
    block: async (ledgerId, seq) => j.blockRows(ledgerId, seq, seq, 1)[0],
    blocks: async (ledgerId, fromSeq, toSeq, max) => j.blockRows(ledgerId, fromSeq, toSeq, max),
    sequenceRange: async (ledgerId, startMs, endMs) => j.sequenceRange(ledgerId, startMs, endMs),
    async treeNodes(ledgerId, keys) {
      const out = new Map<string, Buffer>();
      for (const { level, index } of keys) {
        const h = j.node(ledgerId, level, index);
        if (h) out.set(`${level}:${index}`, h);
      }
      return out;
    },
    // one writer: nothing is ever committed behind this process's back
    footprints: async () => [],
    pruneFootprints: async () => 0,
    dropLedger: async (ledgerId) => j.dropLedger(ledgerId),
  };
}

function documentAdapter(db: Db, d: DocumentStore): DocumentStoreApi {
  return {
    catalog: async (ledgerId) => ({ tables: d.tables(ledgerId), indexes: d.indexes(ledgerId) }),
    async documents(ledgerId, docIds) {
      const out = [];
      for (const id of docIds) {
        const doc = d.document(ledgerId, id);
        if (doc) out.push(doc);
      }
      return out;
    },
    scan: async (ledgerId, tableId, sinceSeq) => d.scan(ledgerId, tableId, sinceSeq),
    async revisionsAsOf(ledgerId, docIds, seq) {
      const out = [];
      for (const docId of docIds) {
        const r = d.revisionAsOf(ledgerId, docId, seq);
        if (r) out.push({ docId, version: r.version, seq: r.seq, ion: r.ion });
      }
      return out;
    },
    revision: async (ledgerId, docId, version) => d.revision(ledgerId, docId, version),
    versionAtSeq: async (ledgerId, docId, seq) => d.versionAtSeq(ledgerId, docId, seq),
    history: async (ledgerId, tableId, maxSeq, startMs, endMs) => d.history(ledgerId, tableId, maxSeq, startMs, endMs),
    async lookup(ledgerId, tableId, field, key, asOfSeq) {
      const docIds = d.lookup(ledgerId, tableId, field, key);
      const documents = [];
      const asOf = [];
      for (const docId of docIds) {
        const doc = d.document(ledgerId, docId);
        if (!doc) continue;
        documents.push(doc);
        const r = doc.seq > asOfSeq ? d.revisionAsOf(ledgerId, docId, asOfSeq) : undefined;
        if (r) asOf.push({ docId, version: r.version, seq: r.seq, ion: r.ion });
      }
      return { docIds, documents, asOf };
    },
    liveDocuments: async (ledgerId, tableId) => d.liveDocuments(ledgerId, tableId),
    dropLedger: async (ledgerId) => db.transaction(() => d.dropLedger(ledgerId))(),
  };
}

/**
 * The writes a background job awaits after every step (a job's progress, an export's objects), made
 * durable off the serving thread as commits are (SqliteCommitStore.writeDurably).
 */
type Durably = <T>(write: () => T) => Promise<T>;

/** Cached answers are shared and frozen; a list is copied so that the caller's array is its own. */
function exportAdapter(e: SqliteExportStore, durably: Durably): ExportStore {
  return {
    insert: async (job, limit) => e.insertWithin(job, limit),
    get: async (exportId) => e.get(exportId),
    visible: async (exportId, horizon) => e.visible(exportId, horizon),
    listByAccount: async (accountId, region, after, limit, horizon) => e.listByAccount(accountId, region, after, limit, horizon).slice(),
    listByLedger: async (ledgerId, after, limit, horizon) => e.listByLedger(ledgerId, after, limit, horizon).slice(),
    countByStatus: async (horizon) => e.countByStatus(horizon),
    inProgressIds: async (ledgerId) => e.inProgressIds(ledgerId),
    claim: async (owner, until, now) => e.claim(owner, until, now),
    renew: async (exportId, owner, until) => e.renew(exportId, owner, until),
    addObject: (exportId, owner, object, nextSeq) => durably(() => e.addObjectLeased(exportId, owner, object, nextSeq)),
    objects: async (exportId) => e.objects(exportId),
    finish: async (exportId, status, at, reason) => e.finish(exportId, status, at, reason),
    purge: async (horizon) => e.purge(horizon),
  };
}

function jobAdapter(j: SqliteJobStore, durably: Durably): JobStore {
  return {
    insert: async (job, limit, unique) => j.insert(job, limit, unique),
    get: async (kind, id) => j.get(kind, id),
    visible: async (kind, id, horizon) => j.visible(kind, id, horizon),
    listByAccount: async (kind, accountId, region, after, limit, horizon) => j.listByAccount(kind, accountId, region, after, limit, horizon),
    listByLedger: async (kind, ledgerId, after, limit, horizon) => j.listByLedger(kind, ledgerId, after, limit, horizon),
    activeByLedger: async (kind, ledgerId) => j.activeByLedger(kind, ledgerId),
    countByStatus: async (kind, horizon) => j.countByStatus(kind, horizon),
    claim: async (kind, owner, until, expiredBefore) => j.claim(kind, owner, until, expiredBefore),
    renew: async (id, owner, until) => j.renew(id, owner, until),
    update: (id, owner, status, progress) => durably(() => j.update(id, owner, status, progress)),
    finish: async (id, status, at, error, owner) => j.finish(id, status, at, error, owner),
    purge: async (horizon) => j.purge(horizon),
  };
}

/** Every component over one SQLite database; `close` waits for running fsyncs, then closes it. */
export function sqliteStore(
  db: Db,
  onCheckpointError?: (message: string, fallback: boolean) => void,
  /** the WAL's fsync; by default the database's own (tests give one that fails) */
  wal?: WalSync | null,
): Store {
  const journal = journalStoreOf(db);
  const docs = new DocumentStore(db);
  const commits = new SqliteCommitStore(db, journal, docs, wal, onCheckpointError);
  const durably: Durably = (write) => commits.writeDurably(write);
  return {
    kind: 'sqlite',
    soleWriter: true,
    ledgers: ledgerAdapter(db, new SqliteLedgerStore(db)),
    journal: journalAdapter(journal),
    documents: documentAdapter(db, docs),
    commits,
    exports: exportAdapter(new SqliteExportStore(db), durably),
    jobs: jobAdapter(new SqliteJobStore(db), durably),
    async ping() {
      db.prepare('SELECT 1').get();
      commits.refuseAfterFsyncFailure();
    },
    async close() {
      await commits.close();
      if (db.open) db.close();
    },
  };
}
