/**
 * Opens the embedded SQLite database and brings every component's schema up to date.
 *
 * Each component (ledgers, journal, exports, …) owns its tables and an ordered list of
 * migrations in src/storage/sqlite/schema/<component>.ts. Versions are tracked per component so
 * that components evolve independently and a database written by an older openqldb is upgraded
 * in place, never rebuilt.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { schemas } from './schema';

export type Db = Database.Database;

export interface Migration {
  version: number;
  sql: string;
}

export interface ComponentSchema {
  component: string;
  migrations: Migration[];
}

export function openDatabase(dataDir: string): Db {
  mkdirSync(dataDir, { recursive: true });
  const db = new Database(join(dataDir, 'openqldb.sqlite'));
  // WAL + synchronous=FULL: a commit is on disk (fsync of the WAL) before we answer, so an
  // acknowledged request survives kill -9 and power loss.
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  // when the WAL starts over, a file grown past 64 MB (a burst of writes, an import) is cut back
  db.pragma('journal_size_limit = 67108864');
  // QLDB's document ids are random, so each document and revision written lands on a page of its
  // own among the table's: with SQLite's default 2 MB of page cache, a large ledger read nearly
  // every one of them back from the file first (importing random ids: 17-23 % faster with 64 MB)
  db.pragma('cache_size = -65536');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  migrate(db, schemas);
  return db;
}

export function migrate(db: Db, components: ComponentSchema[]): void {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    component TEXT NOT NULL, version INTEGER NOT NULL, applied_at INTEGER NOT NULL,
    PRIMARY KEY (component, version))`);
  const applied = db.prepare('SELECT version FROM schema_migrations WHERE component = ?').pluck();
  const record = db.prepare('INSERT INTO schema_migrations (component, version, applied_at) VALUES (?, ?, ?)');
  for (const { component, migrations } of components) {
    const done = new Set(applied.all(component) as number[]);
    for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
      if (done.has(m.version)) continue;
      db.transaction(() => {
        db.exec(m.sql);
        record.run(component, m.version, Date.now());
      })();
    }
  }
}
