/**
 * `openqldb migrate`: copies a SQLite data directory (written by `openqldb serve`) into an empty
 * PostgreSQL database, then verifies every copied journal, all inside ONE PostgreSQL transaction:
 * a refusal, a failed copy or a failed verification rolls it back, so the target is either the
 * whole verified copy or as empty as it was. Memory stays bounded: every table is streamed from
 * SQLite row by row and written in batches, and the journal is verified in pages.
 *
 * This is storage tooling: it reads and writes the components' tables with SQL (their schemas are
 * sqlite/schema/*.ts and postgres/schema/*.ts, the same tables and columns on both), and checks
 * the result through the PostgreSQL store's own JournalStore and the journal core's hashing.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type pg from 'pg';
import { digestAt as storedDigestAt } from '../api/control/journalProofs';
import { digestAt, frontierKeys, nodesCompletedBy, type NodeSource, type TreeNode } from '../journal/digestTree';
import { verifyBlock } from '../journal/verify';
import { indexKeysOf } from '../txn/ion';
import { emptyFootprint } from '../txn/ledgerState';
import { openPostgres, type PgDb } from './postgres/db';
import { PgJournalStore } from './postgres/journalStore';
import { schemas as pgSchemas } from './postgres/schema';
import { DataDirInUse, lockDataDir } from './sqlite/dataDirLock';
import { openDatabase, type Db } from './sqlite/db';
import { DocumentStore } from './sqlite/documentStore';
import { sqliteStore } from './sqlite/store';
import type { JournalStore } from './stores';

/** The migration was not attempted, or was rolled back: the target holds nothing of it. */
export class MigrationRefused extends Error {}

export interface LedgerMigrated {
  name: string;
  ledgerId: string;
  state: string;
  /** blocks of the journal (genesis included); 0 when the ledger has no strand */
  blocks: number;
  /** live (not deleted) documents */
  documents: number;
  /** the ledger digest at the tip, equal on both stores; undefined without a strand */
  digest?: Buffer;
  tip?: number;
}

export interface MigrationResult {
  ledgers: LedgerMigrated[];
  /** finished export jobs copied */
  exports: number;
  /** background jobs (imports, streams) copied, active or finished */
  jobs: number;
}

export interface MigrateOptions {
  dataDir: string;
  databaseUrl: string;
  /** blocks per page when verifying (tests make it small to cross page boundaries) */
  pageBlocks?: number;
}

// ---- copying rows ----

/** Multi-row INSERTs of at most ~30,000 parameters or ~8 MB each (PostgreSQL allows 65,535 parameters). */
class Inserter {
  private rows: unknown[][] = [];
  private bytes = 0;
  count = 0;

  constructor(
    private readonly client: pg.ClientBase,
    private readonly table: string,
    private readonly columns: readonly string[],
  ) {}

  async add(row: unknown[]): Promise<void> {
    this.rows.push(row);
    for (const v of row) this.bytes += Buffer.isBuffer(v) ? v.length : typeof v === 'string' ? v.length * 2 : 8;
    if (this.rows.length * this.columns.length >= 30_000 || this.bytes >= 8 << 20) await this.flush();
  }

  async flush(): Promise<void> {
    if (!this.rows.length) return;
    const n = this.columns.length;
    const values = this.rows.map((_, r) => `(${this.columns.map((_, c) => `$${r * n + c + 1}`).join(', ')})`);
    await this.client.query(`INSERT INTO ${this.table} (${this.columns.join(', ')}) VALUES ${values.join(', ')}`, this.rows.flat());
    this.count += this.rows.length;
    this.rows = [];
    this.bytes = 0;
  }
}

interface TableCopy {
  table: string;
  columns: readonly string[];
  /** SQLite's 0/1 columns that are BOOLEAN on PostgreSQL */
  booleans?: readonly string[];
  /** key order, so that the copy is written in the order it was created */
  order: string;
}

/**
 * Streams the rows of `spec.table` matching `where` from SQLite into PostgreSQL. Nothing else may
 * use the SQLite connection while its iterator is open; the data-directory lock keeps servers out.
 */
async function copyTable(src: Db, client: pg.ClientBase, spec: TableCopy, where: string, params: unknown[]): Promise<number> {
  const cols = spec.columns.join(', ');
  const rows = src.prepare(`SELECT ${cols} FROM ${spec.table} ${where} ORDER BY ${spec.order}`).raw().iterate(...params) as IterableIterator<unknown[]>;
  const bools = (spec.booleans ?? []).map((c) => spec.columns.indexOf(c));
  const out = new Inserter(client, spec.table, spec.columns);
  for (const row of rows) {
    for (const i of bools) row[i] = row[i] === 1 || row[i] === true;
    await out.add(row);
  }
  await out.flush();
  return out.count;
}

// Everything of one ledger except its blocks (copied by copyBlocks), keyed by ledger_id.
const LEDGER_TABLES: TableCopy[] = [
  { table: 'journal_strands', columns: ['ledger_id', 'strand_id', 'tip_seq', 'tip_hash'], order: 'ledger_id' },
  { table: 'journal_tree_nodes', columns: ['ledger_id', 'level', 'idx', 'hash'], order: 'level, idx' },
  { table: 'qldb_tables', columns: ['ledger_id', 'table_id', 'name', 'status', 'position', 'tags'], order: 'position' },
  { table: 'qldb_indexes', columns: ['ledger_id', 'index_id', 'table_id', 'field', 'status', 'position'], order: 'position' },
  { table: 'documents', columns: ['ledger_id', 'doc_id', 'table_id', 'version', 'seq', 'data'], order: 'doc_id' },
  // SQLite's reserved `data` column is never written; the revision's document is in `ion`
  {
    table: 'revisions',
    columns: ['ledger_id', 'doc_id', 'version', 'table_id', 'seq', 'tx_time', 'until_time', 'ion', 'redacted'],
    booleans: ['redacted'],
    order: 'doc_id, version',
  },
  { table: 'index_entries', columns: ['ledger_id', 'table_id', 'field', 'key', 'doc_id'], order: 'table_id, field, key, doc_id' },
];

const LEDGER_ROW: TableCopy = {
  table: 'ledgers',
  columns: ['ledger_id', 'account_id', 'region', 'name', 'state', 'state_until', 'created_ms', 'permissions_mode', 'deletion_protection', 'kms_key'],
  booleans: ['deletion_protection'],
  order: 'ledger_id',
};

const EXPORT_TABLES: TableCopy[] = [
  {
    table: 'journal_s3_exports',
    columns: [
      'export_id', 'account_id', 'region', 'ledger_id', 'ledger_name', 'created_ms', 'status', 'start_ms', 'end_ms', 'bucket', 'prefix',
      'encryption_type', 'kms_key_arn', 'role_arn', 'output_format', 'strand_id', 'first_seq', 'last_seq', 'max_object_bytes',
      'max_object_blocks', 'next_seq', 'finished_ms', 'cancel_reason', 'lease_owner', 'lease_until',
    ],
    order: 'created_ms, export_id',
  },
  { table: 'journal_s3_export_objects', columns: ['export_id', 'ordinal', 'object_key', 'first_seq', 'last_seq'], order: 'export_id, ordinal' },
];

/**
 * Imports and streams, active ones too, of deleted ledgers too (they outlive their ledger until
 * retention purges them). Their leases are left behind: they name the SQLite server, which has
 * stopped (the data-directory lock), so the first PostgreSQL node claims an active job at once
 * and resumes it from its progress, as a restart of that server would have, rather than only
 * once the dead server's lease ran out.
 */
const JOB_TABLE: TableCopy = {
  table: 'jobs',
  columns: ['id', 'kind', 'account_id', 'region', 'ledger_id', 'ledger_name', 'created_ms', 'status', 'active', 'spec', 'progress', 'finished_ms', 'error'],
  booleans: ['active'],
  order: 'created_ms, id',
};

/**
 * The blocks, byte for byte, and a footprint for each. PostgreSQL keeps one footprint per
 * committed block so that a node whose in-memory state is behind the tip can replay what other
 * nodes committed into its OCC log (txn/commitBuilder.ts catchUp). Migrated blocks get EMPTY
 * footprints (nothing touched, catalog unchanged, the block's timestamp): a footprint is only
 * ever read for blocks after the tip a node's state was loaded at, and every state on the new
 * store is loaded after the migration committed, at or beyond its tips. No transaction that
 * started before the migration can be open on the new store, so none could conflict with these
 * blocks, and none needs their contents. Block 0 (genesis) has none, as on a ledger created on
 * PostgreSQL (JournalStore.createStrand writes none).
 */
async function copyBlocks(src: Db, client: pg.ClientBase, ledgerId: string): Promise<number> {
  const blocks = new Inserter(client, 'journal_blocks', ['ledger_id', 'seq', 'ts_ms', 'tx_id', 'block_hash', 'ion']);
  const footprints = new Inserter(client, 'journal_footprints', ['ledger_id', 'seq', 'footprint']);
  const rows = src
    .prepare('SELECT seq, ts_ms, tx_id, block_hash, ion FROM journal_blocks WHERE ledger_id = ? ORDER BY seq')
    .raw()
    .iterate(ledgerId) as IterableIterator<[number, number, string, Buffer, Buffer]>;
  for (const [seq, ts, txId, hash, ion] of rows) {
    await blocks.add([ledgerId, seq, ts, txId, hash, ion]);
    if (seq > 0) await footprints.add([ledgerId, seq, emptyFootprint(seq, ts)]);
  }
  await blocks.flush();
  await footprints.flush();
  return blocks.count;
}

// ---- refusals ----

/** What makes the target not empty, e.g. ["2 ledgers", "14 blocks"]; [] when empty. */
async function targetContents(client: pg.ClientBase): Promise<string[]> {
  const { rows } = await client.query<{ ledgers: string; blocks: string; exports: string; documents: string; jobs: string }>(
    `SELECT (SELECT count(*) FROM ledgers) AS ledgers, (SELECT count(*) FROM journal_blocks) AS blocks,
            (SELECT count(*) FROM journal_s3_exports) AS exports, (SELECT count(*) FROM documents) AS documents,
            (SELECT count(*) FROM jobs) AS jobs`,
  );
  const r = rows[0];
  const found: string[] = [];
  const say = (n: string, one: string, many: string) => Number(n) && found.push(`${n} ${Number(n) === 1 ? one : many}`);
  say(r.ledgers, 'ledger', 'ledgers');
  say(r.blocks, 'journal block', 'journal blocks');
  say(r.exports, 'export job', 'export jobs');
  say(r.documents, 'document', 'documents');
  say(r.jobs, 'import or stream job', 'import and stream jobs');
  return found;
}

function refuseUnfinishedExports(src: Db, dataDir: string): void {
  const running = src.prepare(`SELECT export_id, ledger_name FROM journal_s3_exports WHERE status = 'IN_PROGRESS' ORDER BY created_ms`).all() as {
    export_id: string;
    ledger_name: string;
  }[];
  if (!running.length) return;
  const which = running.map((r) => `${r.export_id} (ledger ${r.ledger_name})`).join(', ');
  throw new MigrationRefused(
    `${running.length === 1 ? 'an export is' : `${running.length} exports are`} IN_PROGRESS: ${which}. ` +
      `Let ${running.length === 1 ? 'it' : 'them'} finish first: run \`openqldb serve --data-dir ${dataDir}\`, which resumes ` +
      `unfinished exports at start-up, until DescribeJournalS3Export says COMPLETED or CANCELLED; then stop it and migrate again`,
  );
}

// ---- verification ----

class VerificationFailed extends MigrationRefused {}

function sourceOf(nodes: Map<string, Buffer>): NodeSource {
  return {
    node(level, index) {
      const h = nodes.get(`${level}:${index}`);
      if (!h) throw new Error(`no node (${level}, ${index})`);
      return h;
    },
  };
}

/**
 * Re-verifies a copied journal from what PostgreSQL now holds: every block re-hashed and chained
 * to the one before (journal/verify.ts, as `openqldb verify` does), sequence numbers consecutive,
 * each stored digest-tree node (block hashes included) equal to the one recomputed from the
 * blocks (only the O(log n) frontier is kept in memory), the strand's tip equal to the last block,
 * and the digest at the tip folded from PostgreSQL's stored nodes equal to the one folded from
 * SQLite's and to the one recomputed from the blocks. Returns that digest.
 */
async function verifyJournal(target: JournalStore, source: JournalStore, ledgerId: string, name: string, pageBlocks: number): Promise<{ tip: number; digest: Buffer } | undefined> {
  const fail = (why: string): never => {
    throw new VerificationFailed(`verification of ledger ${name} (${ledgerId}) failed: ${why}`);
  };
  const [copied, original] = await Promise.all([target.strand(ledgerId), source.strand(ledgerId)]);
  if (!original) return copied ? fail('PostgreSQL holds a strand that SQLite does not') : undefined;
  if (!copied) return fail('no strand in PostgreSQL');
  if (copied.strandId !== original.strandId || copied.tipSequenceNo !== original.tipSequenceNo || !copied.tipBlockHash.equals(original.tipBlockHash)) {
    fail(`the strand's tip differs (PostgreSQL ${copied.tipSequenceNo}, SQLite ${original.tipSequenceNo})`);
  }
  const tip = copied.tipSequenceNo;
  let frontier = new Map<string, Buffer>();
  let previous: Buffer | undefined;
  for (let from = 0; from <= tip; from += pageBlocks) {
    const to = Math.min(tip, from + pageBlocks - 1);
    const page = await target.blocks(ledgerId, from, to, pageBlocks);
    const computed: TreeNode[] = [];
    for (let i = 0; i <= to - from; i++) {
      const seq = from + i;
      const stored = page[i];
      if (!stored || stored.sequenceNo !== seq) fail(`block ${seq} is missing`);
      const v = verifyBlock(stored.ion, previous);
      if (!v.ok) return fail(`${v.check}: ${v.message}`);
      const b = v.block;
      if (b.sequenceNo !== seq || b.strandId !== copied.strandId) fail(`block ${seq} names the address {strandId:"${b.strandId}",sequenceNo:${b.sequenceNo}}`);
      if (b.blockTimestamp?.getTime() !== stored.timestampMs) fail(`block ${seq}: the stored timestamp is not the block's blockTimestamp`);
      for (const n of nodesCompletedBy(seq, b.blockHash, sourceOf(frontier))) {
        frontier.set(`${n.level}:${n.index}`, n.hash);
        computed.push(n);
      }
      frontier = new Map(frontierKeys(seq).map((k) => [`${k.level}:${k.index}`, frontier.get(`${k.level}:${k.index}`)!]));
      previous = b.blockHash;
    }
    const stored = await target.treeNodes(ledgerId, computed);
    for (const n of computed) {
      const h = stored.get(`${n.level}:${n.index}`);
      if (!h?.equals(n.hash)) fail(`digest-tree node (${n.level}, ${n.index}) ${h ? 'differs from the one recomputed from the blocks' : 'is missing'}`);
    }
  }
  if (!previous?.equals(copied.tipBlockHash)) fail("the strand's tip hash is not the last block's hash");
  const recomputed = digestAt(tip, sourceOf(frontier));
  const [inTarget, inSource] = await Promise.all([storedDigestAt(target, ledgerId, tip), storedDigestAt(source, ledgerId, tip)]);
  if (!inSource.equals(recomputed)) fail(`SQLite's digest ${inSource.toString('base64')} is not the one recomputed from the blocks, ${recomputed.toString('base64')}`);
  if (!inTarget.equals(inSource)) fail(`the digest at tip ${tip} is ${inTarget.toString('base64')} in PostgreSQL, ${inSource.toString('base64')} in SQLite`);
  return { tip, digest: inTarget };
}

/**
 * The PostgreSQL store's JournalStore, reading through the migration's own transaction, so that
 * the copy is verified before it is committed. PgJournalStore only ever calls `pool.query`, which
 * a client in a transaction answers the same way.
 */
function journalIn(client: pg.ClientBase): JournalStore {
  const inTransaction: PgDb = {
    pool: client as unknown as pg.Pool,
    query: (text, values) => client.query(text, values),
    transaction: () => Promise.reject(new Error('already in the migration transaction')),
    close: async () => {},
  };
  return new PgJournalStore(inTransaction);
}

// ---- the whole migration ----

function lockSource(dataDir: string) {
  // lockDataDir would create a missing directory: a mistyped path must be refused instead
  if (!existsSync(join(dataDir, 'openqldb.sqlite'))) {
    throw new MigrationRefused(`${dataDir} is not an openqldb data directory (there is no ${join(dataDir, 'openqldb.sqlite')})`);
  }
  try {
    return lockDataDir(dataDir);
  } catch (e) {
    if (e instanceof DataDirInUse) throw new MigrationRefused(e.message);
    throw e;
  }
}

/**
 * Copies the data directory into the database and verifies the copy. Rejects with
 * MigrationRefused (nothing written) or with the database's error (nothing written either).
 */
export async function migrateDataDir(options: MigrateOptions): Promise<MigrationResult> {
  const dataDir = resolve(options.dataDir);
  const pageBlocks = options.pageBlocks ?? 1000;
  // held to the end: no server may write the journal while it is being copied
  const lock = lockSource(dataDir);
  try {
    // as `openqldb serve` would: bring a directory written by an older openqldb up to date
    const src = openDatabase(dataDir);
    const source = sqliteStore(src);
    try {
      new DocumentStore(src).rekeyPendingIndexes((doc, field) => indexKeysOf(doc, [field]).get(field));
      refuseUnfinishedExports(src, dataDir);
      const target = await openPostgres(options.databaseUrl, pgSchemas, { maxConnections: 1 });
      try {
        return await target.transaction((client) => copyAll(src, source.journal, client, pageBlocks));
      } finally {
        await target.close();
      }
    } finally {
      await source.close();
    }
  } finally {
    lock.release();
  }
}

async function copyAll(src: Db, sourceJournal: JournalStore, client: pg.ClientBase, pageBlocks: number): Promise<MigrationResult> {
  // two migrations into one database at once: the second waits, then finds the first's copy
  await client.query(`SELECT pg_advisory_xact_lock(hashtext('openqldb migrate'))`);
  const found = await targetContents(client);
  if (found.length) {
    throw new MigrationRefused(`the target database is not empty: it holds ${found.join(', ')}. Migrate into a new, empty database`);
  }
  // Server secrets (pagination tokens signed by the SQLite server stay valid). A PostgreSQL
  // node started on the empty database may have made its own already: SQLite's wins.
  const secrets = src.prepare('SELECT key, value FROM server_meta ORDER BY key').raw().all() as [string, Buffer][];
  for (const [key, value] of secrets) {
    await client.query('INSERT INTO server_meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value', [key, value]);
  }
  await copyTable(src, client, { table: 'tags', columns: ['resource_arn', 'key', 'value'], order: 'resource_arn, key' }, '', []);
  const ledgers = src.prepare('SELECT ledger_id, name, state FROM ledgers ORDER BY created_ms, ledger_id').all() as { ledger_id: string; name: string; state: string }[];
  const journal = journalIn(client);
  const out: LedgerMigrated[] = [];
  for (const { ledger_id: ledgerId, name, state } of ledgers) {
    await copyTable(src, client, LEDGER_ROW, 'WHERE ledger_id = ?', [ledgerId]);
    const blocks = await copyBlocks(src, client, ledgerId);
    for (const spec of LEDGER_TABLES) await copyTable(src, client, spec, 'WHERE ledger_id = ?', [ledgerId]);
    const verified = await verifyJournal(journal, sourceJournal, ledgerId, name, pageBlocks);
    const { rows } = await client.query<{ n: string }>('SELECT count(*) AS n FROM documents WHERE ledger_id = $1 AND data IS NOT NULL', [ledgerId]);
    out.push({ name, ledgerId, state, blocks, documents: Number(rows[0].n), digest: verified?.digest, tip: verified?.tip });
  }
  // finished jobs only (refuseUnfinishedExports); jobs of deleted ledgers too, as ListJournalS3Exports shows them
  let exports = 0;
  for (const spec of EXPORT_TABLES) {
    const n = await copyTable(src, client, spec, '', []);
    if (spec.table === 'journal_s3_exports') exports = n;
  }
  const jobs = await copyTable(src, client, JOB_TABLE, '', []);
  return { ledgers: out, exports, jobs };
}
