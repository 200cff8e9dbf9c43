/**
 * A test's own handle on the store a test server writes to, whichever it is (the SQLite file in
 * its data directory, or its PostgreSQL database): to look at the blocks exactly as stored, or to
 * build a long journal fast while the server is stopped. Through the same Store interfaces the
 * server uses, so a test reads the same on both stores.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { dumpBinary, load } from 'ion-js';
import type { BlockInput } from '../../src/journal/block';
import { buildBlock } from '../../src/journal/block';
import { nodesCompletedBy } from '../../src/journal/digestTree';
import type { CommitWrites, Store } from '../../src/storage/stores';
import { sqliteStore } from '../../src/storage/sqlite/store';
import { emptyFootprint } from '../../src/txn/ledgerState';
import { openPostgresStore } from '../../src/storage/postgres/store';
import type { TestServer } from './server';

export async function serverStore(server: Pick<TestServer, 'dataDir' | 'databaseUrl'>): Promise<Store> {
  if (server.databaseUrl) return openPostgresStore(server.databaseUrl);
  return sqliteStore(new Database(join(server.dataDir, 'openqldb.sqlite'), { fileMustExist: true }));
}

async function withStore<T>(server: Pick<TestServer, 'dataDir' | 'databaseUrl'>, fn: (store: Store) => Promise<T>): Promise<T> {
  const store = await serverStore(server);
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

async function ledgerIdOf(store: Store, name: string): Promise<string> {
  const row = (await store.ledgers.all()).find((l) => l.name === name);
  if (!row) throw new Error(`no ledger named ${name}`);
  return row.ledgerId;
}

/** Every block of a ledger, exactly as stored. */
export function storedBlocks(server: Pick<TestServer, 'dataDir' | 'databaseUrl'>, ledgerName: string): Promise<Buffer[]> {
  return withStore(server, async (store) => {
    const ledgerId = await ledgerIdOf(store, ledgerName);
    const tip = (await store.journal.strand(ledgerId))!.tipSequenceNo;
    return (await store.journal.blocks(ledgerId, 0, tip, tip + 1)).map((b) => b.ion);
  });
}

/** A block as built and hashed, ready to store. */
export interface BlockToWrite {
  sequenceNo: number;
  blockHash: Buffer;
  timestampMs: number;
  transactionId: string;
  ion: Buffer;
}

/**
 * Writes built blocks after the strand's tip `knownTip` in one commit, with the digest-tree nodes
 * they complete and empty footprints (they touch no document): a journal fixture that digests,
 * proofs and other nodes read like any other.
 */
export async function writeBlocks(store: Store, ledgerId: string, knownTip: number, blocks: BlockToWrite[]): Promise<void> {
  const none = { documents: [], liveDocumentsOf: [], revisions: [], blocks: [] };
  await store.commits.commit(ledgerId, knownTip, none, (reads) => {
    const nodes = new Map(reads.frontier);
    const source = {
      node(level: number, index: number) {
        const h = nodes.get(`${level}:${index}`);
        if (!h) throw new Error(`missing node ${level}:${index}`);
        return h;
      },
    };
    const writes = blocks.map((block): CommitWrites => {
      const completed = nodesCompletedBy(block.sequenceNo, block.blockHash, source);
      for (const c of completed) nodes.set(`${c.level}:${c.index}`, c.hash);
      return {
        ledgerId,
        block,
        treeNodes: completed.filter((c) => c.level > 0),
        catalog: [],
        documents: [],
        indexEntries: [],
        redactions: [],
        footprint: emptyFootprint(block.sequenceNo, block.timestampMs),
      };
    });
    return { writes, result: undefined };
  });
}

/**
 * Appends `n` blocks to a ledger's strand straight into a STOPPED server's store, in one commit
 * (no sessions, no documents: the blocks' revisions are the journal's only copy). `block(seq)`
 * gives each block's contents; chaining and hashing are done here.
 */
export function appendBlocks(
  server: Pick<TestServer, 'dataDir' | 'databaseUrl'>,
  ledgerName: string,
  n: number,
  block: (seq: number) => Omit<BlockInput, 'strandId' | 'sequenceNo' | 'previousBlockHash'>,
): Promise<void> {
  return withStore(server, async (store) => {
    const ledgerId = await ledgerIdOf(store, ledgerName);
    const tip = (await store.journal.strand(ledgerId))!;
    const built: BlockToWrite[] = [];
    let prev = tip.tipBlockHash;
    for (let seq = tip.tipSequenceNo + 1; seq <= tip.tipSequenceNo + n; seq++) {
      const input = block(seq);
      const b = buildBlock({ ...input, strandId: tip.strandId, sequenceNo: seq, previousBlockHash: prev });
      built.push({ sequenceNo: seq, blockHash: b.blockHash, timestampMs: input.blockTimestamp.getTime(), transactionId: input.transactionId, ion: Buffer.from(b.ion) });
      prev = b.blockHash;
    }
    await writeBlocks(store, ledgerId, tip.tipSequenceNo, built);
  });
}

/**
 * appendBlocks' `block` for a journal of one Vehicle document inserted per block: `document` (Ion
 * text) under id `D<seq>`, in a transaction `T<seq>` stamped `timeOf(seq)`.
 */
export function vehicleBlock(document: string, timeOf: (seq: number) => Date) {
  const data = dumpBinary(load(document)!);
  return (seq: number): Omit<BlockInput, 'strandId' | 'sequenceNo' | 'previousBlockHash'> => {
    const ts = timeOf(seq);
    const tx = 'T' + String(seq).padStart(21, '0');
    const id = 'D' + String(seq).padStart(21, '0');
    return {
      transactionId: tx,
      blockTimestamp: ts,
      statements: [{ statement: 'INSERT INTO Vehicle ?', startTime: ts, statementDigest: Buffer.alloc(32, seq & 255) }],
      documents: { [id]: { tableName: 'Vehicle', tableId: 'V'.repeat(22), statements: [0] } },
      revisions: [{ data, metadata: { id, version: 0, txTime: ts, txId: tx } }],
    };
  };
}
