/**
 * The asynchronous store interfaces every storage backend implements (SQLite embedded,
 * PostgreSQL shared by several nodes), and which one conformance suite checks
 * (test/storage/conformance/).
 *
 * Why this shape: PostgreSQL answers asynchronously, while the PartiQL evaluator, the digest
 * tree and block assembly are synchronous computations over values in memory. So the domain
 * fetches through these interfaces first (in batches: a scan, a list of document ids, the
 * digest-tree nodes a proof needs) and computes afterwards; and everything a commit writes is
 * one `CommitWrites` value applied atomically by `CommitStore.commit`, inside the transaction
 * that locked the ledger's tip. No method hands out a connection or a transaction handle, so no
 * caller can hold a database transaction open across an await of its own.
 *
 * Every value returned is the caller's to keep: stores never return objects they mutate later.
 */
import type { ExportJob, ExportObject } from '../exports/types';
import type { Job, JobKind } from '../jobs/types';
import type { LedgerRow } from './store';

// ---- ledgers, tags, server secrets ----

export interface AsyncLedgerStore {
  /** Inserts a ledger with its tags (one atomic write). Fails if the ledger id exists. */
  insert(row: LedgerRow, arn: string, tags: Record<string, string> | undefined): Promise<void>;
  /** Every ledger that is not gone. */
  all(): Promise<LedgerRow[]>;
  /** The ledger, when it is not gone (another node may have created, changed or removed it). */
  get(ledgerId: string): Promise<LedgerRow | undefined>;
  /**
   * Replaces the mutable columns (state, stateUntil, permissionsMode, deletionProtection, kmsKey,
   * createdMs: an imported ledger takes its journal's creation time when it turns ACTIVE).
   */
  update(row: LedgerRow): Promise<void>;
  /** Removes the ledger row and every tag of `arn` (one atomic write). */
  remove(ledgerId: string, arn: string): Promise<void>;

  tags(resourceArn: string): Promise<Record<string, string>>;
  /** Adds or overwrites the given tags, atomically. */
  putTags(resourceArn: string, tags: Record<string, string>): Promise<void>;
  /**
   * As putTags, unless the resource would then have more than `max` tags: then nothing is
   * written and the answer is false. The count and the write are one step, also against
   * concurrent calls on other nodes.
   */
  putTagsWithin(resourceArn: string, tags: Record<string, string>, max: number): Promise<boolean>;
  removeTags(resourceArn: string, keys: string[]): Promise<void>;

  /**
   * A secret shared by every node (32 random bytes, created once by whichever node asks first),
   * e.g. for signing pagination tokens so that any node accepts another node's token.
   */
  secret(name: string): Promise<Buffer>;
}

// ---- the journal ----

export interface StrandTip {
  strandId: string;
  tipSequenceNo: number;
  tipBlockHash: Buffer;
}

export interface StoredBlock {
  sequenceNo: number;
  /** epoch ms of the block's blockTimestamp */
  timestampMs: number;
  /** the block's Ion binary, exactly as hashed (redacted revisions replaced by their dataHash) */
  ion: Buffer;
}

/** A stored node of the digest tree; level 0 is the block hash of block `index`. */
export interface TreeNodeKey {
  level: number;
  index: number;
}

export interface JournalStore {
  /**
   * Creates the ledger's strand with its genesis block (sequenceNo 0) as its tip. Idempotent:
   * when the strand exists already (another node created it first), nothing changes.
   */
  createStrand(ledgerId: string, strandId: string, genesis: { blockHash: Buffer; timestampMs: number; transactionId: string; ion: Buffer }): Promise<void>;
  strand(ledgerId: string): Promise<StrandTip | undefined>;
  block(ledgerId: string, sequenceNo: number): Promise<StoredBlock | undefined>;
  /** Blocks fromSeq..toSeq (inclusive) in sequence order, at most `max` of them. */
  blocks(ledgerId: string, fromSeq: number, toSeq: number, max: number): Promise<StoredBlock[]>;
  /** The first and last block whose timestamp is in [startMs, endMs), if any. */
  sequenceRange(ledgerId: string, startMs: number, endMs: number): Promise<{ first: number; last: number } | undefined>;
  /** The stored digest-tree nodes asked for; a node that is not stored is absent from the map. Keys: `${level}:${index}`. */
  treeNodes(ledgerId: string, keys: TreeNodeKey[]): Promise<Map<string, Buffer>>;
  /**
   * Footprints of the blocks after `afterSeq`, in order (what other nodes committed since a
   * node last looked). A store with one writer keeps none and answers [].
   */
  footprints(ledgerId: string, afterSeq: number): Promise<CommitFootprint[]>;
  /**
   * Deletes the footprints of every ledger's blocks stamped before `beforeMs`, and says how many
   * went. Only a node whose state is older than them would read them, and it finds the gap and
   * reloads its state instead (txn/commitBuilder.ts catchUp).
   */
  pruneFootprints(beforeMs: number): Promise<number>;
  /** Everything of the ledger's journal, for good. */
  dropLedger(ledgerId: string): Promise<void>;
}

// ---- catalog, documents, revisions, index entries ----

export interface TableRow {
  tableId: string;
  name: string;
  status: 'ACTIVE' | 'INACTIVE';
  tags?: Record<string, string>;
}

export interface IndexRow {
  indexId: string;
  tableId: string;
  field: string;
  status: string;
}

/** The latest revision of a document (deleted ones too: data null). */
export interface CurrentDoc {
  docId: string;
  tableId: string;
  version: number;
  /** block sequenceNo of this revision */
  seq: number;
  /** Ion binary of the user document; null = deleted */
  data: Buffer | null;
}

export interface RevisionData {
  docId: string;
  version: number;
  seq: number;
  /** the committed-view revision struct `{blockAddress, hash, data|dataHash, metadata}` */
  ion: Buffer;
}

export interface RevisionInfo extends RevisionData {
  tableId: string;
  redacted: boolean;
  /** no later revision exists */
  latest: boolean;
}

export interface IndexLookup {
  docIds: string[];
  /** the current rows of `docIds` (an id without a row is left out) */
  documents: CurrentDoc[];
  /** the revisions as of `asOfSeq` of the rows changed after it */
  asOf: RevisionData[];
}

export interface DocumentStore {
  /** Tables (creation order) and indexes (creation order) of a ledger. */
  catalog(ledgerId: string): Promise<{ tables: TableRow[]; indexes: IndexRow[] }>;
  /** The current rows of these documents (absent ids are left out). */
  documents(ledgerId: string, docIds: string[]): Promise<CurrentDoc[]>;
  /** Live documents of a table, plus any changed after `sinceSeq` (deleted ones too), so a snapshot at `sinceSeq` can be rebuilt. */
  scan(ledgerId: string, tableId: string, sinceSeq: number): Promise<CurrentDoc[]>;
  /** For each document, its newest revision committed at or before block `seq` (absent when none). */
  revisionsAsOf(ledgerId: string, docIds: string[], seq: number): Promise<RevisionData[]>;
  revision(ledgerId: string, docId: string, version: number): Promise<RevisionInfo | undefined>;
  /** The version of a document committed in block `seq`, if that block wrote it. */
  versionAtSeq(ledgerId: string, docId: string, seq: number): Promise<number | undefined>;
  /**
   * Revisions of a table committed at or before block `maxSeq` whose lifetime touches
   * [startMs, endMs] (a revision lives from its commit until the next revision's), ordered by
   * commit time, document id, version.
   */
  history(ledgerId: string, tableId: string, maxSeq: number, startMs: number, endMs: number): Promise<RevisionData[]>;
  /**
   * The documents whose index entry for `field` is `key` (current state): their ids, their
   * current rows, and for each row changed after block `asOfSeq` its newest revision at or
   * before it (absent when none), so that a point read over a remote store is one round trip.
   */
  lookup(ledgerId: string, tableId: string, field: string, key: Buffer, asOfSeq: number): Promise<IndexLookup>;
  /** Live documents of a table (to build a new index). */
  liveDocuments(ledgerId: string, tableId: string): Promise<{ docId: string; data: Buffer }[]>;
  dropLedger(ledgerId: string): Promise<void>;
}

// ---- commits ----

/**
 * Everything one committed transaction writes, computed by the commit pipeline before it
 * touches storage. The store applies it as given; it never re-derives anything.
 */
export interface CommitWrites {
  ledgerId: string;
  /** the new block; the strand's tip must be `sequenceNo - 1`, and becomes this block */
  block: { sequenceNo: number; blockHash: Buffer; timestampMs: number; transactionId: string; ion: Buffer };
  /** digest-tree nodes (level ≥ 1) this block completes */
  treeNodes: { level: number; index: number; hash: Buffer }[];
  /** catalog changes, in order */
  catalog: CatalogWrite[];
  /** one per document written, in block order */
  documents: { docId: string; tableId: string; version: number; data: Buffer | null; revisionIon: Buffer }[];
  indexEntries: { put: boolean; tableId: string; field: string; key: Buffer; docId: string }[];
  /** old revisions whose data is replaced by its hash, in the revisions and in their blocks */
  redactions: { docId: string; version: number; revisionIon: Buffer; blockSequenceNo?: number; blockIon?: Buffer }[];
  /**
   * What other nodes' OCC validation needs to know of this commit (documents, tables, index
   * keys, catalog names touched), opaque to the store.
   */
  footprint: Buffer;
}

export type CatalogWrite =
  | { kind: 'insertTable'; table: TableRow }
  | { kind: 'setTableStatus'; tableId: string; status: 'ACTIVE' | 'INACTIVE' }
  | { kind: 'insertIndex'; index: IndexRow; entries: { key: Buffer; docId: string }[] }
  | { kind: 'deleteIndex'; indexId: string; tableId: string; field: string };

/** One committed block's footprint, as written by `CommitWrites.footprint`. */
export interface CommitFootprint {
  sequenceNo: number;
  footprint: Buffer;
}

/** What a batch of commits must read under the tip lock, declared before it is taken. */
export interface CommitNeeds {
  /** current rows of these documents (the ones the batch updates or deletes) */
  documents: string[];
  /** live documents of these tables (indexes the batch creates) */
  liveDocumentsOf: string[];
  /** these revisions (the batch redacts them) */
  revisions: { docId: string; version: number }[];
  /** these blocks (they hold revisions the batch redacts) */
  blocks: number[];
}

export interface CommitReads {
  tip: StrandTip;
  /** footprints of every block after the caller's `knownTip`, in order: what other nodes committed meanwhile */
  since: CommitFootprint[];
  /**
   * The digest tree's frontier at the tip: the stored roots of the aligned subtrees that make up
   * leaves 0..tip (what appending the next blocks folds with). Keys `${level}:${index}`.
   */
  frontier: Map<string, Buffer>;
  documents: Map<string, CurrentDoc>;
  liveDocuments: Map<string, { docId: string; data: Buffer }[]>;
  /** keyed `${docId}:${version}` */
  revisions: Map<string, RevisionInfo>;
  blocks: Map<number, Buffer>;
}

export interface CommitStore {
  /**
   * Commits a batch of transactions of ONE ledger in one durable database transaction that
   * first locks the ledger's tip, which serializes the commits of a ledger across nodes.
   *
   * Under that lock the store reads `needs` and the footprints since `knownTip`, then calls
   * `prepare` (synchronous: nothing else runs inside the lock) which validates and builds the
   * commits and returns their writes, possibly none. The store applies them in order and
   * resolves once the database transaction is durable. If `prepare` throws or a write fails,
   * nothing is written and the promise rejects.
   *
   * A store with one writer (SQLite: one process per data directory) keeps no footprints: its
   * `since` is always empty, and a `knownTip` other than the tip is refused (rejects, nothing
   * written) as the caller's stale state.
   */
  commit<T>(
    ledgerId: string,
    knownTip: number,
    needs: CommitNeeds,
    prepare: (reads: CommitReads) => { writes: CommitWrites[]; result: T },
  ): Promise<T>;
}

// ---- export jobs ----

export interface ExportStore {
  /**
   * Inserts a new IN_PROGRESS job unless the ledger already has `limit` jobs IN_PROGRESS
   * (checked in the same transaction, so the limit holds across nodes); false when refused.
   */
  insert(job: ExportJob, limit: number): Promise<boolean>;
  get(exportId: string): Promise<ExportJob | undefined>;
  /** A job unless it finished at or before `horizon` (expired). */
  visible(exportId: string, horizon: number): Promise<ExportJob | undefined>;
  /** Visible jobs of an account and region after `after`, ordered by (createdMs, exportId). */
  listByAccount(accountId: string, region: string, after: { ms: number; id: string }, limit: number, horizon: number): Promise<ExportJob[]>;
  listByLedger(ledgerId: string, after: { ms: number; id: string }, limit: number, horizon: number): Promise<ExportJob[]>;
  countByStatus(horizon: number): Promise<{ state: string; count: number }[]>;
  inProgressIds(ledgerId: string): Promise<string[]>;
  /**
   * Claims an IN_PROGRESS job whose lease is free or expired for `owner` until `until` (epoch
   * ms), oldest first; undefined when there is none. Renewing = claiming the same job again
   * while holding it.
   */
  claim(owner: string, until: number, now: number): Promise<ExportJob | undefined>;
  /** Extends `owner`'s lease; false when the lease was lost (another node took the job). */
  renew(exportId: string, owner: string, until: number): Promise<boolean>;
  /** Records a written data object and the new resume point, atomically; false when `owner` no longer holds the lease. */
  addObject(exportId: string, owner: string, object: ExportObject, nextSeq: number): Promise<boolean>;
  objects(exportId: string): Promise<ExportObject[]>;
  /** IN_PROGRESS → COMPLETED | CANCELLED; false when the job was not IN_PROGRESS. */
  finish(exportId: string, status: 'COMPLETED' | 'CANCELLED', at: number, reason?: string): Promise<boolean>;
  /** Deletes jobs that finished at or before `horizon`; returns how many. */
  purge(horizon: number): Promise<number>;
}

// ---- background jobs other than exports (imports, streams) ----

/** A top-level string field of a job's spec that no two active jobs of a kind on a ledger share. */
export interface UniqueSpecField {
  /** a plain identifier (it is spliced into a JSON path) */
  field: string;
  value: string;
}

export interface JobStore {
  /**
   * Inserts a new active job unless its ledger already has `limit` active jobs of its kind, or,
   * with `unique`, an active job of its kind whose spec has the same value in that field
   * (checked in the same transaction, so both hold across nodes); false when refused.
   */
  insert(job: Job, limit?: number, unique?: UniqueSpecField): Promise<boolean>;
  get(kind: JobKind, id: string): Promise<Job | undefined>;
  /** A job unless it finished at or before `horizon` (expired). */
  visible(kind: JobKind, id: string, horizon: number): Promise<Job | undefined>;
  /** Visible jobs of a kind of an account and region after `after`, ordered by (createdMs, id). */
  listByAccount(kind: JobKind, accountId: string, region: string, after: { ms: number; id: string }, limit: number, horizon: number): Promise<Job[]>;
  listByLedger(kind: JobKind, ledgerId: string, after: { ms: number; id: string }, limit: number, horizon: number): Promise<Job[]>;
  /** Active jobs of a kind on a ledger, oldest first. */
  activeByLedger(kind: JobKind, ledgerId: string): Promise<Job[]>;
  countByStatus(kind: JobKind, horizon: number): Promise<{ state: string; count: number }[]>;
  /**
   * Claims an active job of `kind` whose lease is free, held by `owner`, or expired before
   * `expiredBefore`, for `owner` until `until` (epoch ms), oldest first; undefined when there is
   * none.
   */
  claim(kind: JobKind, owner: string, until: number, expiredBefore: number): Promise<Job | undefined>;
  /** Extends `owner`'s lease (until = 0 lets it go); false when the lease was lost or the job is no longer active. */
  renew(id: string, owner: string, until: number): Promise<boolean>;
  /** Rewrites status and progress of an active job, only while `owner` holds its lease; false otherwise. */
  update(id: string, owner: string, status: string, progress: string): Promise<boolean>;
  /**
   * Active → terminal (`status`, finished at `at`, with `error` when it ended badly). With an
   * `owner`, only while that owner holds the lease (a job ending itself); without, whoever holds
   * it (a cancel, a deleted ledger). False when the job was not active or the lease not held.
   */
  finish(id: string, status: string, at: number, error?: string, owner?: string): Promise<boolean>;
  /** Deletes jobs that finished at or before `horizon`; returns them (a stream's tags go with it). */
  purge(horizon: number): Promise<Job[]>;
}

// ---- the nodes sharing a store ----

export interface NodeRegistry {
  /** Records that `nodeId` is alive and reachable at `url` (a heartbeat). */
  announce(nodeId: string, url: string, now: number): Promise<void>;
  /** The URL of the node, if it announced itself at or after `aliveSince`. */
  url(nodeId: string, aliveSince: number): Promise<string | undefined>;
  /** The node is leaving: nobody forwards to it any more. */
  leave(nodeId: string): Promise<void>;
}

/** One backend: every component over one database. */
export interface Store {
  readonly kind: 'sqlite' | 'postgres';
  /**
   * This process is the store's only writer (SQLite's data-directory lock sees to it), so what
   * it keeps in memory can never be stale; false when other nodes may write at any time.
   */
  readonly soleWriter: boolean;
  readonly ledgers: AsyncLedgerStore;
  readonly journal: JournalStore;
  readonly documents: DocumentStore;
  readonly commits: CommitStore;
  readonly exports: ExportStore;
  readonly jobs: JobStore;
  /** The nodes sharing the store; absent when there is only ever one (soleWriter). */
  readonly nodes?: NodeRegistry;
  /** Rejects when the database cannot answer (readiness checks). */
  ping(): Promise<void>;
  close(): Promise<void>;
}
