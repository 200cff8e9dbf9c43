/**
 * Turns a batch of transactions of one ledger into what the store writes: OCC validation,
 * sequence numbers, block assembly, revisions, index maintenance, redactions.
 *
 * It runs inside the store's commit, under the lock on the ledger's tip, over what the store
 * read there (`CommitReads`), and is synchronous: nothing else runs while it holds the lock.
 * Transactions of one batch build on each other, so every read goes through an overlay of what
 * the earlier ones of the batch wrote. A transaction that fails validation writes nothing and
 * leaves the ledger's state as it was; the others go on.
 */
import type * as IonJs from 'ion-js';
import type * as Block from '../journal/block';
import type { DocumentInfo, RevisionInput } from '../journal/block';
import type * as DigestTree from '../journal/digestTree';
import type * as IonHash from '../journal/ionHash';
import { lazy } from '../lazy';
import { badRequest, occConflict } from '../server/errors';
import type { CatalogWrite, CommitNeeds, CommitReads, CommitWrites, CurrentDoc } from '../storage/stores';
import { applyOp, type Catalog, type CatalogOp } from './catalog';
import type * as TxnIon from './ion';
import { decodeFootprint, encodeFootprint, keyId, type CommitRecord, type LedgerState } from './ledgerState';
import type { Transaction } from './transaction';

const ionJs = lazy(() => require('ion-js') as typeof IonJs);
const blockModule = lazy(() => require('../journal/block') as typeof Block);
const digestTree = lazy(() => require('../journal/digestTree') as typeof DigestTree);
const ionHashModule = lazy(() => require('../journal/ionHash') as typeof IonHash);
const txnIon = lazy(() => require('./ion') as typeof TxnIon);

export interface CommitOutcome {
  sequenceNo: number;
  blockHash: Buffer;
  documentsWritten: number;
}

/** What the batch must read under the lock: the documents it rewrites, the tables it indexes, what it redacts. */
export function commitNeeds(batch: readonly Transaction[]): CommitNeeds {
  const documents = new Set<string>();
  const liveDocumentsOf = new Set<string>();
  const revisions: CommitNeeds['revisions'] = [];
  const blocks = new Set<number>();
  for (const txn of batch) {
    for (const w of txn.writes.values()) if (!w.inserted) documents.add(w.docId);
    for (const op of txn.ops) if (op.kind === 'createIndex') liveDocumentsOf.add(op.tableId);
    for (const r of txn.redactions) {
      revisions.push({ docId: r.documentId, version: r.version });
      blocks.add(r.blockAddress.sequenceNo);
    }
  }
  return { documents: [...documents], liveDocumentsOf: [...liveDocumentsOf], revisions, blocks: [...blocks] };
}

/** Raised when another node changed the catalog since this node's state was loaded: the state must be reloaded. */
export class StaleLedgerState extends Error {}

/**
 * Brings the in-memory state up to the locked tip with what other nodes committed meanwhile, so
 * that validation sees their commits. A catalog change cannot be replayed from a footprint (the
 * new catalog is not in it): the batch is refused and the state reloaded.
 */
export function catchUp(st: LedgerState, reads: Pick<CommitReads, 'tip' | 'since'>): void {
  let next = st.tipSeq + 1;
  for (const f of reads.since) {
    // footprints older than their retention are pruned: a state behind them cannot catch up
    if (f.sequenceNo !== next) throw new StaleLedgerState(`ledger ${st.ledgerId}: known ${st.tipSeq}, no footprint of block ${next}`);
    next++;
    const { record, timestampMs } = decodeFootprint(f.sequenceNo, f.footprint);
    if (record.catalogChanged) throw new StaleLedgerState(`block ${f.sequenceNo} changed the catalog of ledger ${st.ledgerId}`);
    st.record(record);
    if (timestampMs > st.tipTime) st.tipTime = timestampMs;
  }
  const last = reads.since.length ? reads.since[reads.since.length - 1].sequenceNo : st.tipSeq;
  if (reads.tip.tipSequenceNo !== last) {
    throw new StaleLedgerState(`ledger ${st.ledgerId}: tip ${reads.tip.tipSequenceNo}, known ${st.tipSeq}, caught up to ${last}`);
  }
  st.tipSeq = reads.tip.tipSequenceNo;
  // other nodes' commits: committed before their footprints could be read
  st.readableSeq = st.tipSeq;
  st.tipHash = Buffer.from(reads.tip.tipBlockHash);
}

/** What the earlier transactions of a batch wrote, seen by the later ones. */
export class BatchOverlay {
  readonly documents = new Map<string, CurrentDoc>();
  readonly blocks: Map<number, Buffer>;
  readonly revisionIons = new Map<string, Buffer>();
  readonly nodes: Map<string, Buffer>;
  /** per table: docId → data (null = deleted in the batch) */
  readonly tableWrites = new Map<string, Map<string, Buffer | null>>();

  constructor(readonly reads: CommitReads) {
    this.blocks = new Map(reads.blocks);
    this.nodes = new Map(reads.frontier);
  }

  document(docId: string): CurrentDoc | undefined {
    return this.documents.get(docId) ?? this.reads.documents.get(docId);
  }

  liveDocuments(tableId: string): { docId: string; data: Buffer }[] {
    const writes = this.tableWrites.get(tableId);
    const stored = this.reads.liveDocuments.get(tableId) ?? [];
    if (!writes) return stored;
    const out = stored.filter((d) => !writes.has(d.docId));
    for (const [docId, data] of writes) if (data) out.push({ docId, data });
    return out;
  }

  revisionIon(docId: string, version: number): Buffer | undefined {
    return this.revisionIons.get(`${docId}:${version}`) ?? this.reads.revisions.get(`${docId}:${version}`)?.ion;
  }
}

/**
 * Builds the writes of a batch in arrival order. Returns, per transaction, its outcome or the
 * error it failed with, and the writes of those that passed.
 */
export function buildBatch(
  st: LedgerState,
  batch: readonly Transaction[],
  reads: CommitReads,
  onConflict: (ledgerId: string) => void,
): { writes: CommitWrites[]; results: (CommitOutcome | { error: unknown })[] } {
  const overlay = new BatchOverlay(reads);
  const writes: CommitWrites[] = [];
  const results: (CommitOutcome | { error: unknown })[] = [];
  for (const txn of batch) {
    try {
      const built = buildOne(st, txn, overlay, onConflict);
      writes.push(built.writes);
      results.push(built.outcome);
    } catch (e) {
      results.push({ error: e });
    }
  }
  return { writes, results };
}

function buildOne(
  st: LedgerState,
  txn: Transaction,
  overlay: BatchOverlay,
  onConflict: (ledgerId: string) => void,
): { writes: CommitWrites; outcome: CommitOutcome } {
  // a state rebuilt after a failed batch cannot vouch for reads made against the old one
  if (st !== txn.ledger || st.conflicts(txn.startSeq, txn.reads)) {
    onConflict(st.ledgerId);
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
  const documents = new Map<string, DocumentInfo>();
  const written: { docId: string; tableId: string; version: number; cur: CurrentDoc | undefined; data: Buffer | null }[] = [];
  for (const w of txn.writes.values()) {
    if (w.inserted && w.data === null) continue; // created and deleted again: never existed
    const cur = w.inserted ? undefined : overlay.document(w.docId);
    const version = cur ? cur.version + 1 : 0;
    revisions.push({
      ...(w.bytes ? { data: w.bytes } : {}),
      metadata: { id: w.docId, version, txTime, txId: txn.transactionId },
    });
    const table = catalog.byId(w.tableId);
    documents.set(w.docId, { tableName: table?.name ?? '', tableId: w.tableId, statements: w.statements });
    written.push({ docId: w.docId, tableId: w.tableId, version, cur, data: w.bytes });
  }

  const block = blockModule().buildBlock({
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
  const built = commitWritesOf(overlay, {
    ledgerId,
    block: { sequenceNo: seq, blockHash: block.blockHash, timestampMs: now, transactionId: txn.transactionId, ion: ionBuffer(block.ion) },
    catalog: st.catalog,
    ops: txn.ops,
    written: written.map((w, i) => ({ ...w, revisionIon: ionBuffer(block.revisions[i].ion) })),
    redactions: txn.redactions,
    record,
  });
  st.tipSeq = seq;
  st.tipHash = block.blockHash;
  st.tipTime = now;
  st.catalog = catalog;
  st.record(record);

  return { writes: built, outcome: { sequenceNo: seq, blockHash: block.blockHash, documentsWritten: written.length } };
}

/** One commit whose block exists already (built by buildOne, or imported from a journal export). */
export interface CommitToWrite {
  ledgerId: string;
  block: CommitWrites['block'];
  /** the committed catalog before this commit's catalog changes */
  catalog: Catalog;
  ops: readonly CatalogOp[];
  /** the block's revisions, in block order, with the current row each replaces */
  written: readonly { docId: string; tableId: string; version: number; cur: CurrentDoc | undefined; data: Buffer | null; revisionIon: Buffer }[];
  redactions: readonly { blockAddress: { sequenceNo: number }; documentId: string; version: number }[];
  /** the commit's OCC footprint, filled in here with what it writes */
  record: CommitRecord;
}

/**
 * Everything a commit writes besides validation: the digest-tree nodes its block completes,
 * catalog rows (index builds over the live documents), documents and revisions, index entries,
 * redactions; and the batch's overlay moves on past it. Shared by the commit path and journal
 * imports, so that an imported ledger's rows are exactly those its commits would have written.
 */
export function commitWritesOf(overlay: BatchOverlay, c: CommitToWrite): CommitWrites {
  const { ledgerId, record } = c;
  const seq = c.block.sequenceNo;
  const catalog = c.ops.reduce(applyOp, c.catalog);
  const written = c.written;
  const nodes = overlay.nodes;
  const completed = digestTree().nodesCompletedBy(seq, c.block.blockHash, {
    node(level, index) {
      const h = nodes.get(`${level}:${index}`);
      if (!h) throw new Error(`journal digest tree: node (${level}, ${index}) of ledger ${ledgerId} missing from the frontier`);
      return h;
    },
  });

  // catalog changes first, so index builds see the committed documents before this
  // transaction's writes (which then maintain the new index like any other)
  const catalogWrites: CatalogWrite[] = [];
  let working = c.catalog;
  for (const op of c.ops) {
    switch (op.kind) {
      case 'createTable':
        catalogWrites.push({ kind: 'insertTable', table: { tableId: op.table.tableId, name: op.table.name, status: 'ACTIVE', tags: op.table.tags } });
        record.catalogNames.add(op.table.name);
        break;
      case 'dropTable':
      case 'undropTable':
        catalogWrites.push({ kind: 'setTableStatus', tableId: op.tableId, status: op.kind === 'dropTable' ? 'INACTIVE' : 'ACTIVE' });
        record.catalogNames.add(working.byId(op.tableId)?.name ?? '');
        break;
      case 'createIndex': {
        const entries: { key: Buffer; docId: string }[] = [];
        for (const d of overlay.liveDocuments(op.tableId)) {
          const key = txnIon().indexKeysOf(d.data, [op.index.field]).get(op.index.field);
          if (key) entries.push({ key, docId: d.docId });
        }
        catalogWrites.push({
          kind: 'insertIndex',
          index: { indexId: op.index.indexId, tableId: op.tableId, field: op.index.field, status: op.index.status },
          entries,
        });
        record.catalogNames.add(working.byId(op.tableId)?.name ?? '');
        break;
      }
      case 'dropIndex': {
        const field = working.byId(op.tableId)?.indexes.find((i) => i.indexId === op.indexId)?.field ?? '';
        catalogWrites.push({ kind: 'deleteIndex', indexId: op.indexId, tableId: op.tableId, field });
        record.catalogNames.add(working.byId(op.tableId)?.name ?? '');
        break;
      }
    }
    working = applyOp(working, op);
  }

  const documentWrites: CommitWrites['documents'] = [];
  const indexEntries: CommitWrites['indexEntries'] = [];
  for (let i = 0; i < written.length; i++) {
    const w = written[i];
    const revisionIon = w.revisionIon;
    documentWrites.push({ docId: w.docId, tableId: w.tableId, version: w.version, data: w.data, revisionIon });
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
          indexEntries.push({ put: false, tableId: w.tableId, field, key: ok, docId: w.docId });
          record.keys.add(keyId(w.tableId, field, ok));
        }
        if (nk) {
          indexEntries.push({ put: true, tableId: w.tableId, field, key: nk, docId: w.docId });
          record.keys.add(keyId(w.tableId, field, nk));
        }
      }
    }
  }

  let footprint: Buffer | undefined;
  const redactions: CommitWrites['redactions'] = [];
  const redactedBlocks = new Map<number, Buffer>();
  for (const r of c.redactions) {
    const blockSeq = r.blockAddress.sequenceNo;
    const stored = redactedBlocks.get(blockSeq) ?? overlay.blocks.get(blockSeq);
    const inBlock = stored && blockModule().redactRevisionInBlock(stored, r.documentId, r.version);
    if (inBlock) redactedBlocks.set(blockSeq, ionBuffer(inBlock.ion));
    const ion = inBlock ? ionBuffer(inBlock.revision) : overlay.revisionIon(r.documentId, r.version);
    if (ion) {
      redactions.push({
        docId: r.documentId,
        version: r.version,
        revisionIon: inBlock ? ion : redactedRevision(ion),
        ...(inBlock ? { blockSequenceNo: blockSeq, blockIon: redactedBlocks.get(blockSeq) } : {}),
      });
    }
    record.docs.add(r.documentId);
  }

  // the transaction passed: only now does the batch's view (and the ledger's state) move on
  for (const n of completed) if (n.level > 0) nodes.set(`${n.level}:${n.index}`, n.hash);
  nodes.set(`0:${seq}`, c.block.blockHash);
  for (const [s, ion] of redactedBlocks) overlay.blocks.set(s, ion);
  for (const r of redactions) overlay.revisionIons.set(`${r.docId}:${r.version}`, r.revisionIon);
  for (const d of documentWrites) {
    overlay.documents.set(d.docId, { docId: d.docId, tableId: d.tableId, version: d.version, seq, data: d.data });
    overlay.revisionIons.set(`${d.docId}:${d.version}`, d.revisionIon);
    let t = overlay.tableWrites.get(d.tableId);
    if (!t) overlay.tableWrites.set(d.tableId, (t = new Map()));
    t.set(d.docId, d.data);
  }

  return {
    ledgerId,
    block: c.block,
    treeNodes: completed.filter((n) => n.level > 0),
    catalog: catalogWrites,
    documents: documentWrites,
    indexEntries,
    redactions,
    // encoded only for a store that keeps footprints (PostgreSQL); SQLite's never reads it
    get footprint() {
      return (footprint ??= encodeFootprint(record, c.block.timestampMs));
    },
  };
}

function ionBuffer(b: Uint8Array): Buffer {
  return Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
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
