/**
 * The thread that checkpoints the server's SQLite WAL (checkpointer.ts): its own connection to
 * the database, one PASSIVE checkpoint per request, answered with SQLite's counts.
 */
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';

const db = new Database((workerData as { path: string }).path);
db.pragma('busy_timeout = 5000');
// this connection only checkpoints; it must not start one of its own on a commit (it makes none)
db.pragma('wal_autocheckpoint = 0');

parentPort!.on('message', (m: 'checkpoint' | 'close') => {
  if (m === 'close') {
    db.close();
    parentPort!.postMessage({ closed: true });
    return;
  }
  try {
    const [row] = db.pragma('wal_checkpoint(PASSIVE)') as { busy: number; log: number; checkpointed: number }[];
    parentPort!.postMessage({ log: row.log, checkpointed: row.checkpointed });
  } catch (e) {
    parentPort!.postMessage({ error: e instanceof Error ? e.message : String(e) });
  }
});
