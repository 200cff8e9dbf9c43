/**
 * Where exports read the journal's blocks: through the store's JournalStore, one bounded batch (a
 * segment) at a time, so that nothing is held open across an await — neither a better-sqlite3
 * statement (which would keep the connection busy and block every commit) nor a PostgreSQL
 * connection while an export waits on S3.
 *
 * On SQLite (given the database file), segments are read through read-only connections of their
 * own instead, by worker threads (segmentWorker.ts) and by the server's thread, with the exports'
 * own query (storage/sqlite/exportJournal.ts).
 */
import type { JournalStore } from '../storage/stores';
import { openExportJournal } from '../storage/sqlite/exportJournal';

/** The stored Ion binary of blocks fromSeq..toSeq in sequence order (fewer when some are missing). */
export type ReadBlocks = (ledgerId: string, fromSeq: number, toSeq: number) => Buffer[] | Promise<Buffer[]>;

export function storeBlocks(journal: JournalStore): ReadBlocks {
  return async (ledgerId, fromSeq, toSeq) =>
    toSeq < fromSeq ? [] : (await journal.blocks(ledgerId, fromSeq, toSeq, toSeq - fromSeq + 1)).map((b) => b.ion);
}

/**
 * Blocks read from a SQLite database file through a read-only connection of their own, opened with
 * the first read: plucking the bytes alone reads a segment faster than the store's block rows.
 */
export function fileBlocks(dbPath: string): { read: ReadBlocks; close(): void } {
  let journal: ReturnType<typeof openExportJournal> | undefined;
  return {
    read: (ledgerId, fromSeq, toSeq) => (journal ??= openExportJournal(dbPath)).readBlocks(ledgerId, fromSeq, toSeq, toSeq - fromSeq + 1),
    close: () => journal?.close(),
  };
}

/** A synchronous reader of a SQLite database file (a worker thread's). */
export interface ExportJournal {
  /** the database file, when worker threads may open it to read segments in parallel */
  readonly dbPath?: string;
  /** The stored Ion binary of blocks fromSeq..toSeq in sequence order, at most maxBlocks of them. */
  readBlocks(ledgerId: string, fromSeq: number, toSeq: number, maxBlocks: number): Buffer[];
}
