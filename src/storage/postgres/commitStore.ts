/**
 * CommitStore on PostgreSQL: a batch is one database transaction on one connection, in two
 * round trips —
 *   1. BEGIN, `SELECT … FROM journal_strands … FOR UPDATE` (the ledger's tip row is the lock
 *      that serializes the commits of every node), and one query for everything the batch
 *      reads: the footprints after the caller's knownTip, the digest-tree frontier at knownTip,
 *      and the documents, live documents, revisions and blocks it declared;
 *   2. every write of every commit, in order, ending in COMMIT.
 * Both are multi-statement simple queries (which take no parameters: the values are literals,
 * see sql.ts). The reads are a statement after the lock's, so in READ COMMITTED their snapshot
 * holds all that the lock's previous holder committed. Only the frontier depends on the tip:
 * when the locked tip is not knownTip (another node committed meanwhile) it is read again at
 * the locked tip, one more round trip; on a single node knownTip is always the tip. Any error
 * rolls the whole batch back.
 */
import type pg from 'pg';
import { frontierKeys } from '../../journal/digestTree';
import type { CommitFootprint, CommitNeeds, CommitReads, CommitStore, CommitWrites, CurrentDoc, RevisionInfo } from '../stores';
import type { PgDb } from './db';
import { toDoc, toRevisionInfo, type RevisionRaw } from './documentStore';
import { lit, q, row } from './sql';

/** One row of the read query: `k` says which read it answers, the other columns are that read's. */
interface ReadRow {
  k: 'f' | 'n' | 'b' | 'd' | 'l' | 'r';
  seq: number | string | null;
  version: number | null;
  doc_id: string | null;
  table_id: string | null;
  bytes: Buffer | null;
  redacted: boolean | null;
  latest: boolean | null;
}

const cols = (k: string, seq: string, version: string, docId: string, tableId: string, bytes: string, redacted = 'NULL', latest = 'NULL') =>
  `SELECT '${k}'::text AS k, ${seq}::bigint AS seq, ${version}::int AS version, ${docId}::text AS doc_id, ${tableId}::text AS table_id, ` +
  `${bytes}::bytea AS bytes, ${redacted}::bool AS redacted, ${latest}::bool AS latest`;

const inList = (xs: readonly (string | number)[]) => xs.map(lit).join(', ');

/** The stored inner nodes of the digest-tree frontier at `tip` (its leaf is the tip's own hash). */
function frontierBranch(L: string, tip: number): string | undefined {
  const inner = frontierKeys(tip).filter((k) => k.level > 0);
  if (!inner.length) return undefined;
  return `${cols('n', 'idx', 'level', 'NULL', 'NULL', 'hash')} FROM journal_tree_nodes WHERE ledger_id = ${L} AND (level, idx) IN (${inner
    .map((k) => row(k.level, k.index))
    .join(', ')})`;
}

/**
 * The one query of a batch's reads, assuming the tip is `knownTip`: a UNION ALL of the
 * footprints after it (none, unless another node committed), the frontier at it, and the
 * branches of the declared needs.
 */
function readQuery(ledgerId: string, knownTip: number, needs: CommitNeeds): string {
  const L = lit(ledgerId);
  const branches: string[] = [`${cols('f', 'seq', 'NULL', 'NULL', 'NULL', 'footprint')} FROM journal_footprints WHERE ledger_id = ${L} AND seq > ${lit(knownTip)}`];
  const frontier = frontierBranch(L, knownTip);
  if (frontier) branches.push(frontier);
  if (needs.blocks.length) {
    branches.push(`${cols('b', 'seq', 'NULL', 'NULL', 'NULL', 'ion')} FROM journal_blocks WHERE ledger_id = ${L} AND seq IN (${inList(needs.blocks)})`);
  }
  if (needs.documents.length) {
    branches.push(`${cols('d', 'seq', 'version', 'doc_id', 'table_id', 'data')} FROM documents WHERE ledger_id = ${L} AND doc_id IN (${inList(needs.documents)})`);
  }
  if (needs.liveDocumentsOf.length) {
    branches.push(
      `${cols('l', 'seq', 'version', 'doc_id', 'table_id', 'data')} FROM documents WHERE ledger_id = ${L} AND table_id IN (${inList(needs.liveDocumentsOf)}) AND data IS NOT NULL`,
    );
  }
  if (needs.revisions.length) {
    branches.push(
      `${cols('r', 'seq', 'version', 'doc_id', 'table_id', 'ion', 'redacted', 'until_time IS NULL')} FROM revisions WHERE ledger_id = ${L} AND (doc_id, version) IN (${needs.revisions
        .map((r) => row(r.docId, r.version))
        .join(', ')})`,
    );
  }
  return `${branches.join('\nUNION ALL ')}\nORDER BY 1, 2`;
}

/** Told how a commit whose COMMIT went unanswered turned out (the server's log). */
export type OutcomeObserver = (e: { ledgerId: string; sequenceNo: number; committed: boolean; cause: string }) => void;

/**
 * True when `err` is PostgreSQL's answer (the server refused the statement, so nothing was
 * committed); false when the connection failed or timed out, so the COMMIT may have run anyway.
 */
function answeredByServer(err: unknown): boolean {
  return typeof err === 'object' && err !== null && typeof (err as { severity?: unknown }).severity === 'string';
}

export class PgCommitStore implements CommitStore {
  constructor(
    private readonly db: PgDb,
    private readonly observeOutcome: OutcomeObserver = () => {},
  ) {}

  async commit<T>(
    ledgerId: string,
    knownTip: number,
    needs: CommitNeeds,
    prepare: (reads: CommitReads) => { writes: CommitWrites[]; result: T },
  ): Promise<T> {
    const client = await this.db.pool.connect();
    let broken: Error | undefined;
    let released = false;
    try {
      const L = lit(ledgerId);
      const locked = (await client.query(
        q(`BEGIN; SELECT strand_id, tip_seq, tip_hash FROM journal_strands WHERE ledger_id = ${L} FOR UPDATE;\n${readQuery(ledgerId, knownTip, needs)}`),
      )) as unknown as pg.QueryResult[];
      const tipRow = locked[1].rows[0] as { strand_id: string; tip_seq: number; tip_hash: Buffer } | undefined;
      if (!tipRow) throw new Error(`no journal strand for ledger ${ledgerId}`);
      const tip = { strandId: tipRow.strand_id, tipSequenceNo: Number(tipRow.tip_seq), tipBlockHash: tipRow.tip_hash };
      if (knownTip > tip.tipSequenceNo) {
        throw new Error(`commit to ${ledgerId} expected tip ${knownTip} but the strand's tip is ${tip.tipSequenceNo}`);
      }
      let rows = locked[2].rows as ReadRow[];
      if (tip.tipSequenceNo !== knownTip) {
        // another node moved the tip: the frontier read at knownTip is not the tip's
        rows = rows.filter((r) => r.k !== 'n');
        const frontier = frontierBranch(L, tip.tipSequenceNo);
        if (frontier) rows.push(...((await client.query(q(frontier))).rows as ReadRow[]));
      }
      const { writes, result } = prepare(readsOf(ledgerId, rows, tip, needs));
      const sql = writeStatements(ledgerId, tip.tipSequenceNo, writes);
      try {
        await client.query(sql ? `${sql};\nCOMMIT` : 'COMMIT');
      } catch (err) {
        const last = writes[writes.length - 1]?.block;
        if (!last || answeredByServer(err)) throw err;
        // Unanswered: answering an error would have the drivers run the transactions again,
        // twice if they did commit. The journal says which, once this connection is closed
        // (its server then ends the transaction, unless it has committed it already).
        broken = err as Error;
        released = true;
        client.release(broken);
        const committed = await this.blockCommitted(ledgerId, last.sequenceNo, last.transactionId, err as Error);
        this.observeOutcome({ ledgerId, sequenceNo: last.sequenceNo, committed, cause: String((err as Error).message) });
        if (!committed) throw err;
      }
      return result;
    } catch (err) {
      // whatever failed, BEGIN may have run (a ROLLBACK outside a transaction is only a warning);
      // a connection whose ROLLBACK failed is in an unknown state: destroyed, not reused
      if (!released) await client.query('ROLLBACK').catch((e: Error) => (broken = e));
      throw err;
    } finally {
      if (!released) client.release(broken ?? false);
    }
  }

  /**
   * Whether block `seq` of the ledger is the one this node wrote, asked on another connection.
   * The strand's row lock comes first: while the unanswered transaction still holds it (its
   * server has not yet seen the connection go), this waits for its COMMIT or its rollback. One
   * try, bounded by the query timeout like any query: a database that does not answer it
   * leaves the outcome unknown, and `cause` is thrown as it would have been without asking.
   */
  private async blockCommitted(ledgerId: string, seq: number, transactionId: string, cause: Error): Promise<boolean> {
    try {
      return await this.db.transaction(async (c) => {
        await c.query(q(`SELECT tip_seq FROM journal_strands WHERE ledger_id = ${lit(ledgerId)} FOR UPDATE`));
        const { rows } = await c.query(q(`SELECT tx_id FROM journal_blocks WHERE ledger_id = ${lit(ledgerId)} AND seq = ${lit(seq)}`));
        return rows.length === 1 && rows[0].tx_id === transactionId;
      });
    } catch {
      throw cause;
    }
  }
}

function readsOf(ledgerId: string, rows: ReadRow[], tip: CommitReads['tip'], needs: CommitNeeds): CommitReads {
  const since: CommitFootprint[] = [];
  const frontier = new Map<string, Buffer>();
  // the frontier's leaf, if it has one, is the tip itself: known from the lock's row
  if ((tip.tipSequenceNo + 1) % 2 === 1) frontier.set(`0:${tip.tipSequenceNo}`, tip.tipBlockHash);
  const documents = new Map<string, CurrentDoc>();
  const liveDocuments = new Map<string, { docId: string; data: Buffer }[]>(needs.liveDocumentsOf.map((t) => [t, []]));
  const revisions = new Map<string, RevisionInfo>();
  const blocks = new Map<number, Buffer>();
  for (const r of rows) {
    const seq = Number(r.seq);
    switch (r.k) {
      case 'f':
        since.push({ sequenceNo: seq, footprint: r.bytes! });
        break;
      case 'n':
        frontier.set(`${r.version}:${seq}`, r.bytes!);
        break;
      case 'b':
        blocks.set(seq, r.bytes!);
        break;
      case 'd':
        documents.set(r.doc_id!, toDoc({ doc_id: r.doc_id!, table_id: r.table_id!, version: r.version!, seq, data: r.bytes }));
        break;
      case 'l':
        liveDocuments.get(r.table_id!)!.push({ docId: r.doc_id!, data: r.bytes! });
        break;
      case 'r':
        revisions.set(`${r.doc_id}:${r.version}`, toRevisionInfo({ ...r, seq, ion: r.bytes! } as RevisionRaw));
        break;
    }
  }
  if (frontier.size !== frontierKeys(tip.tipSequenceNo).length) {
    throw new Error(`journal digest tree: the frontier of ledger ${ledgerId} at ${tip.tipSequenceNo} is not all stored`);
  }
  return { tip, since, frontier, documents, liveDocuments, revisions, blocks };
}

/**
 * The SQL of every write of the batch, in order. The tip is checked here, against the row this
 * transaction holds locked: a block that does not follow it fails the batch before anything is
 * sent. The journal's rows of the whole batch (blocks, footprints, tree nodes, the new tip) are
 * one statement, first: their order does not matter, and a redaction later in the batch may
 * rewrite one of its blocks. The other writes follow commit by commit, as given.
 */
export function writeStatements(ledgerId: string, tipSeq: number, writes: CommitWrites[]): string {
  if (!writes.length) return '';
  const L = lit(ledgerId);
  const blocks: string[] = [];
  const footprints: string[] = [];
  const nodes: string[] = [];
  const out: string[] = [];
  let tip = tipSeq;
  let tipHash: Buffer = Buffer.alloc(0);
  for (const w of writes) {
    if (w.ledgerId !== ledgerId) throw new Error(`a commit of ledger ${w.ledgerId} in a batch of ledger ${ledgerId}`);
    const b = w.block;
    if (b.sequenceNo !== tip + 1) throw new Error(`block ${b.sequenceNo} does not follow the tip ${tip}`);
    tip = b.sequenceNo;
    tipHash = b.blockHash;
    blocks.push(row(ledgerId, b.sequenceNo, b.timestampMs, b.transactionId, b.blockHash, b.ion));
    footprints.push(row(ledgerId, b.sequenceNo, w.footprint));
    for (const n of w.treeNodes) nodes.push(row(ledgerId, n.level, n.index, n.hash));
    out.push(...commitStatements(L, w));
  }
  const journal =
    `WITH blocks AS (INSERT INTO journal_blocks (ledger_id, seq, ts_ms, tx_id, block_hash, ion) VALUES ${blocks.join(', ')}),\n` +
    `footprints AS (INSERT INTO journal_footprints (ledger_id, seq, footprint) VALUES ${footprints.join(', ')})` +
    (nodes.length ? `,\nnodes AS (INSERT INTO journal_tree_nodes (ledger_id, level, idx, hash) VALUES ${nodes.join(', ')})` : '') +
    `\nUPDATE journal_strands SET tip_seq = ${lit(tip)}, tip_hash = ${lit(tipHash)} WHERE ledger_id = ${L}`;
  return [journal, ...out].join(';\n');
}

/** One commit's writes of the catalog, documents, revisions, index entries and redactions, in that order. */
function commitStatements(L: string, w: CommitWrites): string[] {
  const out: string[] = [];
  const seq = w.block.sequenceNo;
  const ts = w.block.timestampMs;
  for (const c of w.catalog) out.push(...catalogStatements(L, c));
  if (w.documents.length) {
    out.push(
      `INSERT INTO documents (ledger_id, doc_id, table_id, version, seq, data) VALUES ${w.documents
        .map((d) => `(${L}, ${lit(d.docId)}, ${lit(d.tableId)}, ${lit(d.version)}, ${lit(seq)}, ${lit(d.data)})`)
        .join(', ')}
       ON CONFLICT (ledger_id, doc_id) DO UPDATE SET table_id = excluded.table_id, version = excluded.version, seq = excluded.seq, data = excluded.data`,
    );
    const previous = w.documents.filter((d) => d.version > 0);
    if (previous.length) {
      out.push(
        `UPDATE revisions SET until_time = ${lit(ts)} WHERE ledger_id = ${L} AND (doc_id, version) IN (${previous
          .map((d) => row(d.docId, d.version - 1))
          .join(', ')})`,
      );
    }
    out.push(
      `INSERT INTO revisions (ledger_id, doc_id, version, table_id, seq, tx_time, ion) VALUES ${w.documents
        .map((d) => `(${L}, ${lit(d.docId)}, ${lit(d.version)}, ${lit(d.tableId)}, ${lit(seq)}, ${lit(ts)}, ${lit(d.revisionIon)})`)
        .join(', ')}`,
    );
  }
  for (const e of w.indexEntries) {
    const values = `(${L}, ${lit(e.tableId)}, ${lit(e.field)}, ${lit(e.key)}, ${lit(e.docId)})`;
    out.push(
      e.put
        ? `INSERT INTO index_entries (ledger_id, table_id, field, key, doc_id) VALUES ${values} ON CONFLICT DO NOTHING`
        : `DELETE FROM index_entries WHERE (ledger_id, table_id, field, key, doc_id) = ${values}`,
    );
  }
  for (const r of w.redactions) {
    out.push(`UPDATE revisions SET ion = ${lit(r.revisionIon)}, redacted = TRUE WHERE ledger_id = ${L} AND doc_id = ${lit(r.docId)} AND version = ${lit(r.version)}`);
    if (r.blockSequenceNo !== undefined && r.blockIon) {
      out.push(`UPDATE journal_blocks SET ion = ${lit(r.blockIon)} WHERE ledger_id = ${L} AND seq = ${lit(r.blockSequenceNo)}`);
    }
  }
  return out;
}

function catalogStatements(L: string, c: CommitWrites['catalog'][number]): string[] {
  switch (c.kind) {
    case 'insertTable':
      return [
        `INSERT INTO qldb_tables (ledger_id, table_id, name, status, position, tags)
         SELECT ${L}, ${lit(c.table.tableId)}, ${lit(c.table.name)}, ${lit(c.table.status)}, COALESCE(MAX(position), -1) + 1,
           ${lit(c.table.tags ? JSON.stringify(c.table.tags) : null)} FROM qldb_tables WHERE ledger_id = ${L}`,
      ];
    case 'setTableStatus':
      return [`UPDATE qldb_tables SET status = ${lit(c.status)} WHERE ledger_id = ${L} AND table_id = ${lit(c.tableId)}`];
    case 'insertIndex': {
      const i = c.index;
      const out = [
        `INSERT INTO qldb_indexes (ledger_id, index_id, table_id, field, status, position)
         SELECT ${L}, ${lit(i.indexId)}, ${lit(i.tableId)}, ${lit(i.field)}, ${lit(i.status)}, COALESCE(MAX(position), -1) + 1
         FROM qldb_indexes WHERE ledger_id = ${L}`,
      ];
      if (c.entries.length) {
        out.push(
          `INSERT INTO index_entries (ledger_id, table_id, field, key, doc_id) VALUES ${c.entries
            .map((e) => `(${L}, ${lit(i.tableId)}, ${lit(i.field)}, ${lit(e.key)}, ${lit(e.docId)})`)
            .join(', ')} ON CONFLICT DO NOTHING`,
        );
      }
      return out;
    }
    case 'deleteIndex':
      return [
        `DELETE FROM qldb_indexes WHERE ledger_id = ${L} AND index_id = ${lit(c.indexId)}`,
        `DELETE FROM index_entries WHERE ledger_id = ${L} AND table_id = ${lit(c.tableId)} AND field = ${lit(c.field)}`,
      ];
  }
}
