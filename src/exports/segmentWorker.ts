/**
 * An export worker thread: reads segments of a journal from the database file through its own
 * read-only connection and encodes them (see segments.ts). WAL lets it read while the server
 * writes; every block it reads was committed before its export was created.
 */
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { sqliteExportJournal } from '../storage/sqlite/exportJournal';
import type { BlockEncoder, OutputFormat } from './encoders';
import { OutBuf } from './outBuf';
import { encodeSegment } from './segments';

const db = new Database((workerData as { dbPath: string }).dbPath, { readonly: true, fileMustExist: true });
db.pragma('busy_timeout = 5000');
const journal = sqliteExportJournal(db);
const encoders = new Map<OutputFormat, BlockEncoder>();
const out = new OutBuf(1 << 20);

parentPort!.on('message', (m: { id: number; ledgerId: string; fromSeq: number; toSeq: number; format: OutputFormat }) => {
  try {
    const seg = encodeSegment(journal, encoders, out, m.ledgerId, m.fromSeq, m.toSeq, m.format);
    parentPort!.postMessage({ id: m.id, bytes: seg.bytes, ends: seg.ends }, [seg.bytes.buffer as ArrayBuffer, seg.ends.buffer as ArrayBuffer]);
  } catch (e) {
    parentPort!.postMessage({ id: m.id, error: `${(e as Error)?.name ?? 'Error'}: ${(e as Error)?.message ?? String(e)}` });
  }
});
