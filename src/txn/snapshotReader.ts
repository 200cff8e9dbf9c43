/**
 * What a transaction reads of committed documents, synchronously: the PartiQL engine evaluates
 * statements synchronously over values in memory, and making every expression asynchronous
 * would cost the embedded store's speed for nothing.
 *
 * A store that reads synchronously (SQLite) is its own reader and never faults. Over an
 * asynchronous store (PostgreSQL) a transaction reads through a `CachingSnapshotReader`: a read
 * the cache cannot answer throws a `ReadFault`; the statement is rolled back, the reader fetches
 * what the fault names (and what the same statement will likely ask next, in one batch), and
 * the statement runs again. Statements are deterministic over the same reads, so the run that
 * completes is the one that counts; the usual statement faults once or twice.
 */
import type { CurrentDoc, DocumentStore, RevisionData, RevisionInfo } from '../storage/stores';

export interface SnapshotReader {
  /** Live documents of a table, plus any changed after `sinceSeq` (deleted ones too). */
  scan(ledgerId: string, tableId: string, sinceSeq: number): CurrentDoc[];
  document(ledgerId: string, docId: string): CurrentDoc | undefined;
  revisionAsOf(ledgerId: string, docId: string, seq: number): Omit<RevisionData, 'docId'> | undefined;
  revisionIon(ledgerId: string, docId: string, version: number): Buffer | undefined;
  revision(ledgerId: string, docId: string, version: number): Omit<RevisionInfo, 'docId'> | undefined;
  versionAtSeq(ledgerId: string, docId: string, seq: number): number | undefined;
  history(ledgerId: string, tableId: string, maxSeq: number, startMs: number, endMs: number): Omit<RevisionData, 'docId'>[];
  lookup(ledgerId: string, tableId: string, field: string, key: Buffer): string[];
}

/** Thrown by a caching reader for a read it cannot answer yet; `fetch` it, then run again. */
export class ReadFault extends Error {
  constructor(readonly need: Need) {
    super(`read fault: ${need.kind}`);
  }
}

type Need =
  | { kind: 'scan'; tableId: string; sinceSeq: number }
  | { kind: 'document'; docId: string }
  | { kind: 'revisionAsOf'; docId: string; seq: number }
  | { kind: 'revision'; docId: string; version: number }
  | { kind: 'versionAtSeq'; docId: string; seq: number }
  | { kind: 'history'; tableId: string; maxSeq: number; startMs: number; endMs: number }
  | { kind: 'lookup'; tableId: string; field: string; key: Buffer };

const NONE = Symbol('none');
type Slot<T> = T | typeof NONE;

/**
 * A transaction's reads of one ledger over an asynchronous store, kept for the transaction's
 * life. Safe because what a transaction reads is either immutable (revisions at or before its
 * snapshot) or re-checked against the snapshot by the transaction (current rows newer than the
 * snapshot are replaced by `revisionAsOf`), and every read is validated at commit (OCC).
 */
export class CachingSnapshotReader implements SnapshotReader {
  private readonly scans = new Map<string, CurrentDoc[]>();
  private readonly docs = new Map<string, Slot<CurrentDoc>>();
  private readonly asOf = new Map<string, Slot<RevisionData>>();
  private readonly revisions = new Map<string, Slot<RevisionInfo>>();
  private readonly versions = new Map<string, Slot<number>>();
  private readonly histories = new Map<string, RevisionData[]>();
  private readonly lookups = new Map<string, string[]>();
  /** faults answered, for tests and the statement log */
  faults = 0;

  constructor(
    private readonly store: DocumentStore,
    private readonly ledgerId: string,
    /** the transaction's snapshot (its start block): rows changed after it come with their revision as of it */
    private readonly snapshotSeq: number,
  ) {}

  private check(ledgerId: string): void {
    if (ledgerId !== this.ledgerId) throw new Error(`reader of ledger ${this.ledgerId} asked for ledger ${ledgerId}`);
  }

  scan(ledgerId: string, tableId: string, sinceSeq: number): CurrentDoc[] {
    this.check(ledgerId);
    const hit = this.scans.get(`${tableId}\0${sinceSeq}`);
    if (!hit) throw new ReadFault({ kind: 'scan', tableId, sinceSeq });
    return hit;
  }

  document(ledgerId: string, docId: string): CurrentDoc | undefined {
    this.check(ledgerId);
    return slot(this.docs.get(docId), { kind: 'document', docId });
  }

  revisionAsOf(ledgerId: string, docId: string, seq: number): RevisionData | undefined {
    this.check(ledgerId);
    return slot(this.asOf.get(`${docId}\0${seq}`), { kind: 'revisionAsOf', docId, seq });
  }

  revisionIon(ledgerId: string, docId: string, version: number): Buffer | undefined {
    return this.revision(ledgerId, docId, version)?.ion;
  }

  revision(ledgerId: string, docId: string, version: number): RevisionInfo | undefined {
    this.check(ledgerId);
    return slot(this.revisions.get(`${docId}\0${version}`), { kind: 'revision', docId, version });
  }

  versionAtSeq(ledgerId: string, docId: string, seq: number): number | undefined {
    this.check(ledgerId);
    return slot(this.versions.get(`${docId}\0${seq}`), { kind: 'versionAtSeq', docId, seq });
  }

  history(ledgerId: string, tableId: string, maxSeq: number, startMs: number, endMs: number): RevisionData[] {
    this.check(ledgerId);
    const hit = this.histories.get(`${tableId}\0${maxSeq}\0${startMs}\0${endMs}`);
    if (!hit) throw new ReadFault({ kind: 'history', tableId, maxSeq, startMs, endMs });
    return hit;
  }

  lookup(ledgerId: string, tableId: string, field: string, key: Buffer): string[] {
    this.check(ledgerId);
    const hit = this.lookups.get(lookupKey(tableId, field, key));
    if (!hit) throw new ReadFault({ kind: 'lookup', tableId, field, key });
    return hit;
  }

  /**
   * Fetches what a fault names, plus what the statement will ask for next: the rows a scan or a
   * lookup finds come with their snapshot revisions (and the committed-view revision of each),
   * so that a statement over a table faults once, not once per row.
   */
  async fetch(fault: ReadFault): Promise<void> {
    this.faults++;
    const { store, ledgerId } = this;
    const need = fault.need;
    switch (need.kind) {
      case 'scan': {
        const rows = await store.scan(ledgerId, need.tableId, need.sinceSeq);
        for (const d of rows) this.docs.set(d.docId, d);
        await this.completeRows(rows, need.sinceSeq);
        this.scans.set(`${need.tableId}\0${need.sinceSeq}`, rows);
        return;
      }
      case 'lookup': {
        // the entries come with their rows and snapshot revisions: a point read is one round trip
        const found = await store.lookup(ledgerId, need.tableId, need.field, need.key, this.snapshotSeq);
        const rows = new Map(found.documents.map((d) => [d.docId, d]));
        const asOf = new Map(found.asOf.map((r) => [r.docId, r]));
        for (const id of found.docIds) {
          if (this.docs.has(id)) continue;
          const d = rows.get(id);
          this.docs.set(id, d ?? NONE);
          if (d && d.seq > this.snapshotSeq) this.asOf.set(`${id}\0${this.snapshotSeq}`, asOf.get(id) ?? NONE);
        }
        this.lookups.set(lookupKey(need.tableId, need.field, need.key), found.docIds);
        return;
      }
      case 'document':
        return this.fetchDocuments([need.docId]);
      case 'revisionAsOf':
        return this.fetchAsOf([need.docId], need.seq);
      case 'revision': {
        // the committed view asks for every row's revision in turn: fetch all the known rows'
        const wanted = new Map<string, number>([[need.docId, need.version]]);
        for (const [docId, d] of this.docs) {
          if (d !== NONE && !this.revisions.has(`${docId}\0${d.version}`)) wanted.set(docId, d.version);
        }
        for (const [key, r] of this.asOf) {
          if (r !== NONE && !this.revisions.has(`${r.docId}\0${r.version}`)) wanted.set(key.split('\0')[0], r.version);
        }
        await Promise.all(
          [...wanted].map(async ([docId, version]) => {
            const r = await store.revision(ledgerId, docId, version);
            this.revisions.set(`${docId}\0${version}`, r ?? NONE);
          }),
        );
        if (!this.revisions.has(`${need.docId}\0${need.version}`)) this.revisions.set(`${need.docId}\0${need.version}`, NONE);
        return;
      }
      case 'versionAtSeq': {
        const v = await store.versionAtSeq(ledgerId, need.docId, need.seq);
        this.versions.set(`${need.docId}\0${need.seq}`, v ?? NONE);
        return;
      }
      case 'history': {
        const rows = await store.history(ledgerId, need.tableId, need.maxSeq, need.startMs, need.endMs);
        this.histories.set(`${need.tableId}\0${need.maxSeq}\0${need.startMs}\0${need.endMs}`, rows);
        return;
      }
    }
  }

  private async fetchDocuments(ids: string[]): Promise<void> {
    const missing = ids.filter((id) => !this.docs.has(id));
    if (missing.length === 0) return;
    const rows = await this.store.documents(this.ledgerId, missing);
    const found = new Map(rows.map((d) => [d.docId, d]));
    for (const id of missing) this.docs.set(id, found.get(id) ?? NONE);
    await this.completeRows(rows, this.snapshotSeq);
  }

  /** The snapshot revisions of rows changed after `sinceSeq` (the transaction's snapshot). */
  private async completeRows(rows: CurrentDoc[], sinceSeq: number): Promise<void> {
    const changed = rows.filter((d) => d.seq > sinceSeq).map((d) => d.docId);
    if (changed.length) await this.fetchAsOf(changed, sinceSeq);
  }

  private async fetchAsOf(docIds: string[], seq: number): Promise<void> {
    const missing = docIds.filter((id) => !this.asOf.has(`${id}\0${seq}`));
    if (missing.length === 0) return;
    const rows = await this.store.revisionsAsOf(this.ledgerId, missing, seq);
    const found = new Map(rows.map((r) => [r.docId, r]));
    for (const id of missing) this.asOf.set(`${id}\0${seq}`, found.get(id) ?? NONE);
  }
}

function slot<T>(v: Slot<T> | undefined, need: Need): T | undefined {
  if (v === undefined) throw new ReadFault(need);
  return v === NONE ? undefined : v;
}

function lookupKey(tableId: string, field: string, key: Buffer): string {
  return `${tableId}\0${field}\0${key.toString('hex')}`;
}
