/**
 * The exports' read path into the journal's tables (schema/journal.ts), kept to two queries.
 *
 * Why not JournalStore.blocks(): an export reads every block of its range once, and building a
 * row object (plus a Date) per block costs as much as the read itself; plucking only the bytes,
 * with the sequence range resolved up front, reads about twice as fast (bench/export.ts).
 */
import type { Db } from './db';
import type { ExportJournal } from '../../exports/journalSource';

export function sqliteExportJournal(db: Db): ExportJournal {
  const strand = db.prepare('SELECT strand_id, tip_seq FROM journal_strands WHERE ledger_id = ?');
  const bounds = db.prepare('SELECT MIN(seq) AS lo, MAX(seq) AS hi FROM journal_blocks WHERE ledger_id = ? AND ts_ms >= ? AND ts_ms < ?');
  const bytes = db.prepare('SELECT ion FROM journal_blocks WHERE ledger_id = ? AND seq >= ? AND seq <= ? ORDER BY seq LIMIT ?').pluck();
  const file = db.memory ? undefined : db.name;
  return {
    dbPath: file,
    strand(ledgerId) {
      const r = strand.get(ledgerId) as { strand_id: string; tip_seq: number } | undefined;
      return r && r.tip_seq >= 0 ? { strandId: r.strand_id, tipSequenceNo: r.tip_seq } : undefined;
    },
    sequenceRange(ledgerId, startMs, endMs) {
      const r = bounds.get(ledgerId, startMs, endMs) as { lo: number | null; hi: number | null };
      return r.lo === null || r.hi === null ? undefined : { first: r.lo, last: r.hi };
    },
    readBlocks(ledgerId, fromSeq, toSeq, maxBlocks) {
      return toSeq < fromSeq ? [] : (bytes.all(ledgerId, fromSeq, toSeq, maxBlocks) as Buffer[]);
    },
  };
}
