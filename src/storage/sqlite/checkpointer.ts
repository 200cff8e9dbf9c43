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
 * (walSync.ts), and a checkpoint fsyncs the database before the WAL can be reused. The one
 * checkpoint the serving thread still makes is the small one that lets a long WAL start over
 * (restartIfLong).
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
  /** the WAL is long and the next write must find no checkpoint running (restartIfLong) */
  private restartWanted = false;

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
        this.failed(m.error);
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
    // the idle checkpoint runs even while a write is awaited to start the WAL over (restartIfLong):
    // it leaves that write less to copy
    this.timer = setInterval(() => this.request(true), idleMs).unref();
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
    if (this.unchecked >= CHECKPOINT_EVERY || (this.again && !this.running)) this.request();
  }

  /**
   * Before a write on the server's connection: once the WAL holds more than `limitFrames` and no
   * checkpoint runs, checkpoints here, on the writer's own connection, what the last checkpoint
   * left (the frames written since it began), so that the write that follows starts the WAL
   * over. SQLite starts it over only at a write made after a checkpoint copied every frame and
   * while no other connection holds its read locks, which a checkpoint on the thread does;
   * under a steady stream of commits or an import's batches the next write always came while
   * one ran, and the WAL grew without bound (300 MB in 9 s of commits beside a 25 MB database;
   * 1.4 GB beside 150 MB after 50,000 imported blocks). What is left to copy is one
   * checkpoint's worth of writes: a few milliseconds of this thread, once per `limitFrames`.
   */
  restartIfLong(limitFrames: number): void {
    if (this.closed || !this.db.open) return;
    if (this.stats.walFrames <= limitFrames) {
      // short again (a write after a whole checkpoint started it over): the thread goes on
      this.restartWanted = false;
      return;
    }
    if (this.running) {
      // the thread starts no other checkpoint until a write has found it idle
      this.restartWanted = true;
      return;
    }
    this.restartWanted = false;
    try {
      const [row] = this.db.pragma('wal_checkpoint(PASSIVE)') as { busy: number; log: number; checkpointed: number }[];
      this.stats.walFrames = row.checkpointed === row.log ? 0 : row.log;
      this.stats.backfilled = row.checkpointed;
    } catch (e) {
      // left to the thread's checkpoints; a later write tries again
      this.failed(e instanceof Error ? e.message : String(e));
    }
  }

  /** A failed checkpoint, told once per distinct message; the next ones are asked for as before. */
  private failed(message: string): void {
    if (message !== this.lastError) this.onError(message, false);
    this.lastError = message;
  }

  private request(idle = false): void {
    if (this.closed) return;
    if (this.running || (this.restartWanted && !idle)) {
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
