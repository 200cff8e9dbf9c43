/**
 * An export worker thread: reads segments of a journal from the database file through its own
 * read-only connection and encodes them (see segments.ts).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openExportJournal } from '../storage/sqlite/exportJournal';
import type { BlockEncoder, OutputFormat } from './encoders';
import { OutBuf } from './outBuf';
import { encodeSegment } from './segments';

const journal = openExportJournal((workerData as { dbPath: string }).dbPath);
const encoders = new Map<OutputFormat, BlockEncoder>();
const out = new OutBuf(1 << 20);

parentPort!.on('message', (m: { id: number; ledgerId: string; fromSeq: number; toSeq: number; format: OutputFormat }) => {
  try {
    const blocks = journal.readBlocks(m.ledgerId, m.fromSeq, m.toSeq, m.toSeq - m.fromSeq + 1);
    const seg = encodeSegment(blocks, encoders, out, m.fromSeq, m.toSeq, m.format);
    parentPort!.postMessage({ id: m.id, bytes: seg.bytes, ends: seg.ends }, [seg.bytes.buffer as ArrayBuffer, seg.ends.buffer as ArrayBuffer]);
  } catch (e) {
    parentPort!.postMessage({ id: m.id, error: `${(e as Error)?.name ?? 'Error'}: ${(e as Error)?.message ?? String(e)}` });
  }
});
