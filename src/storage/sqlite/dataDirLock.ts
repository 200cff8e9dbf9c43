/**
 * One server per data directory. Two servers on one directory would each keep their own
 * in-memory tips and fork the journal, so the second must refuse to start.
 *
 * The lock is an exclusive SQLite transaction held open on `openqldb.lock` for the server's
 * life: SQLite takes it with a POSIX advisory lock, which the kernel drops when the process dies,
 * so a server killed with `kill -9` leaves nothing that stops the next start (a pid file alone
 * would, or worse, name a recycled pid). The holder's pid sits beside it in `openqldb.pid`, only
 * to say who holds the directory. Readers (verify, exports on disk) never take it.
 */
import Database from 'better-sqlite3';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';

export class DataDirInUse extends Error {}

export interface DataDirLock {
  release(): void;
}

interface Holder {
  pid: number;
  host: string;
  startedAt: string;
}

export function lockDataDir(dataDir: string): DataDirLock {
  mkdirSync(dataDir, { recursive: true });
  const lockDb = new Database(join(dataDir, 'openqldb.lock'), { timeout: 0 });
  try {
    lockDb.pragma('locking_mode = EXCLUSIVE');
    lockDb.exec('BEGIN EXCLUSIVE');
  } catch (e) {
    lockDb.close();
    if ((e as { code?: string }).code === 'SQLITE_BUSY') throw new DataDirInUse(inUseMessage(dataDir));
    throw e;
  }
  const holder: Holder = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString() };
  writeFileSync(join(dataDir, 'openqldb.pid'), JSON.stringify(holder) + '\n');
  let held = true;
  return {
    release() {
      if (!held) return;
      held = false;
      lockDb.close();
    },
  };
}

function inUseMessage(dataDir: string): string {
  let who = 'another openqldb server';
  try {
    const h = JSON.parse(readFileSync(join(dataDir, 'openqldb.pid'), 'utf8')) as Holder;
    who = `openqldb process ${h.pid} on ${h.host} (started ${h.startedAt})`;
  } catch {
    // the holder is between taking the lock and writing its pid: the generic name will do
  }
  return `the data directory ${resolve(dataDir)} is in use by ${who}; stop it first or choose another --data-dir`;
}
