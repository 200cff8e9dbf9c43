/**
 * Durable SQLite commits that do not stall the event loop: the transaction commits with
 * `synchronous = NORMAL` (SQLite appends it to the WAL without fsync), then the WAL is fsync'd
 * on the libuv thread pool, and only then is the caller answered. An acknowledged commit is on
 * disk exactly as with `synchronous = FULL`, while the main thread keeps serving meanwhile; a
 * crash before the fsync loses only unacknowledged commits (SQLite's WAL checksums keep the
 * database consistent). Used by the commit pipeline and by the SQLite CommitStore.
 */
import { closeSync, fsync, openSync } from 'node:fs';
import type { Db } from './db';

/**
 * One descriptor on the WAL file for the server's life: opening and closing it around every
 * batch cost more main-thread time than the fsync it served. fsync flushes the file (the inode),
 * whichever descriptor asks, and SQLite keeps the same WAL file while the database is open.
 */
export class WalSync {
  private fd: number | undefined;
  /**
   * @param level the connection's own `synchronous` level, read once rather than by a third
   * PRAGMA per batch. (Setting it takes a PRAGMA each time: SQLite applies `synchronous = N`
   * when the statement is prepared, so a prepared one cannot be run again.)
   */
  constructor(
    private readonly path: string,
    readonly level: number,
  ) {}

  sync(done: (err: NodeJS.ErrnoException | null) => void): void {
    try {
      this.fd ??= openSync(this.path, 'r');
    } catch (e) {
      return done(e as NodeJS.ErrnoException);
    }
    fsync(this.fd, done);
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

/**
 * The WAL file to fsync after a commit, or null when commits must stay plain synchronous ones:
 * an in-memory database, not a WAL file, or a connection below `synchronous = FULL` (whose
 * owner asked for less durability than an fsync per commit).
 */
export function walSyncFor(db: Db): WalSync | null {
  const mode = String(db.pragma('journal_mode', { simple: true })).toLowerCase();
  const level = db.pragma('synchronous', { simple: true }) as number;
  return !db.memory && mode === 'wal' && level >= 2 ? new WalSync(`${db.name}-wal`, level) : null;
}

/**
 * Runs `fn` in one transaction written under `synchronous = NORMAL` when `wal` is given (the
 * connection's own setting, read when `wal` was made, is restored right after, so nothing else
 * runs under NORMAL), or as a plain transaction otherwise. The caller fsyncs `wal` before
 * answering anyone.
 */
export function writeUnsynced<T>(db: Db, wal: WalSync | null, fn: () => T): T {
  if (wal) db.pragma('synchronous = NORMAL');
  try {
    return db.transaction(fn)();
  } finally {
    if (wal) db.pragma(`synchronous = ${wal.level}`);
  }
}

/** Resolves once `wal` is fsync'd (at once without one: the commit was synchronous). */
export function synced(wal: WalSync | null): Promise<void> {
  if (!wal) return Promise.resolve();
  return new Promise((resolve, reject) => wal.sync((err) => (err ? reject(err) : resolve())));
}
