/**
 * Checkpoints of the server's SQLite WAL on a thread of their own.
 *
 * SQLite checkpoints automatically inside the commit that takes the WAL past 1,000 pages: that
 * commit copies the pages into the database file and fsyncs both files, all on the thread that
 * committed, which here is the only thread serving requests. So the server's connection has
 * automatic checkpoints turned off, and as commits add up this asks a worker thread with its
 * own connection for a PASSIVE checkpoint (one at a time: a request made while one runs starts
 * the next when it ends). PASSIVE never waits for readers or writers; SQLite's locks keep the
 * two connections consistent, and durability is unchanged: commits are durable in the WAL
 * (walSync.ts), and a checkpoint fsyncs the database before the WAL can be reused.
 */
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Db } from './db';

/** Transactions between checkpoints: a commit of a small document dirties 2–3 pages. */
const CHECKPOINT_EVERY = 256;

export class WalCheckpointer {
  private readonly worker: Worker;
  private running = false;
  /** transactions committed since the last checkpoint was asked for */
  private unchecked = 0;
  private again = false;
  private closed = false;
  /** checkpoints done; after the last, the frames in the WAL and how many of them are in the database */
  readonly stats = { checkpoints: 0, walFrames: 0, backfilled: 0 };
  /** the last failure; checkpoints are asked for again with the next commits */
  lastError?: string;

  private readonly timer: NodeJS.Timeout;

  /**
   * @param idleMs a checkpoint at least this often even without commits: the server's other
   * writes (a ledger deleted with its rows, export and stream progress) go through the WAL too,
   * and a checkpoint with nothing to copy costs no fsync
   * @param onError told of a failed checkpoint (once per distinct message) and of the thread's
   * end, after which SQLite checkpoints on its own again: the server logs it
   */
  constructor(
    private readonly db: Pick<Db, 'name' | 'open' | 'pragma'>,
    idleMs = 10_000,
    private readonly onError: (message: string, fallback: boolean) => void = () => undefined,
  ) {
    this.worker = new Worker(join(__dirname, 'checkpointWorker.js'), { workerData: { path: db.name } });
    this.worker.on('message', (m: { error?: string; closed?: boolean; log?: number; checkpointed?: number }) => {
      if (m.closed) return;
      if (m.error) {
        if (m.error !== this.lastError) this.onError(m.error, false);
        this.lastError = m.error;
      } else {
        this.stats.checkpoints++;
        this.stats.walFrames = m.log ?? 0;
        this.stats.backfilled = m.checkpointed ?? 0;
      }
      this.running = false;
      if (this.again && !this.closed) this.request();
    });
    this.worker.on('error', (e) => {
      // without its thread the connection checkpoints as SQLite does by default
      this.lastError = e.message;
      this.closed = true;
      this.running = false;
      clearInterval(this.timer);
      this.restoreAutomatic();
      this.onError(e.message, true);
    });
    db.pragma('wal_autocheckpoint = 0');
    this.timer = setInterval(() => this.request(), idleMs).unref();
    // nothing waits for this thread to exit (a store never closed, as in tests); after the
    // listeners, since adding a 'message' listener refs the worker again
    this.worker.unref();
  }

  /**
   * After a batch of `commits` transactions: a checkpoint once enough have been written since the
   * last one (now, or when the one running ends). A checkpoint costs two fsyncs whatever it
   * copies, so a quiet server checkpoints about as often as SQLite would (every 1,000 pages).
   */
  committed(commits: number): void {
    this.unchecked += commits;
    if (this.unchecked >= CHECKPOINT_EVERY) this.request();
  }

  private request(): void {
    if (this.closed) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    this.again = false;
    this.unchecked = 0;
    this.worker.postMessage('checkpoint');
  }

  /** Resolves when no checkpoint runs or waits (tests). */
  async settled(): Promise<void> {
    while (this.running && !this.closed) await new Promise((r) => setTimeout(r, 5));
  }

  /** Lets the checkpoint running end and closes the worker's connection, then the worker. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    this.restoreAutomatic();
    // a thread stopped inside a checkpoint would leave this process's shared-memory locks held
    const closed = new Promise<void>((resolve) => {
      const onMessage = (m: { closed?: boolean }) => {
        if (!m.closed) return;
        this.worker.off('message', onMessage);
        resolve();
      };
      this.worker.on('message', onMessage);
    });
    this.worker.ref(); // this wait is the caller's: it keeps the process until the answer
    this.worker.postMessage('close');
    await Promise.race([closed, new Promise((r) => setTimeout(r, 10_000).unref())]);
    await this.worker.terminate();
  }

  private restoreAutomatic(): void {
    if (this.db.open) this.db.pragma('wal_autocheckpoint = 1000');
  }
}
