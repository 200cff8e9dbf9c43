/**
 * The exports' read path into a SQLite file's journal tables (schema/journal.ts), through a
 * read-only connection of its own: each worker thread's, and the server thread's for its share
 * of the segments. WAL lets it read while the server writes; every block it reads was committed
 * before its export was created.
 *
 * Why not JournalStore.blockRows(): an export reads every block of its range once, and plucking
 * only the bytes, with the sequence range resolved up front, is the cheapest read there is.
 */
import Database from 'better-sqlite3';
import type { Db } from './db';
import type { ExportJournal } from '../../exports/journalSource';

export function sqliteExportJournal(db: Db): ExportJournal {
  const bytes = db.prepare('SELECT ion FROM journal_blocks WHERE ledger_id = ? AND seq >= ? AND seq <= ? ORDER BY seq LIMIT ?').pluck();
  return {
    dbPath: db.memory ? undefined : db.name,
    readBlocks(ledgerId, fromSeq, toSeq, maxBlocks) {
      return toSeq < fromSeq ? [] : (bytes.all(ledgerId, fromSeq, toSeq, maxBlocks) as Buffer[]);
    },
  };
}

/** A read-only connection to the database file, for reading export segments. */
export function openExportJournal(dbPath: string): ExportJournal & { close(): void } {
  const db = new Database(dbPath, { readonly: true, fileMustExist: true });
  db.pragma('busy_timeout = 5000');
  return { ...sqliteExportJournal(db), close: () => db.close() };
}
