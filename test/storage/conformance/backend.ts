/**
 * What a conformance runner provides: fresh, empty databases of one backend, and Stores on them.
 * Each test gets a database of its own; the Stores it opens are closed when it ends.
 */
import { test } from 'node:test';
import type { Store } from '../../../src/storage/stores';

export interface CleanupRegistrar {
  after(fn: () => Promise<void>): void;
}

export interface Backend {
  kind: Store['kind'];
  /** several Store instances may work on one database at once (several nodes) */
  shared: boolean;
  /** A fresh empty database; the function opens a Store on it (again and again when `shared`). */
  database(cleanup: CleanupRegistrar): Promise<() => Promise<Store>>;
}

export type Open = () => Promise<Store>;

/**
 * A test over a fresh database. `nodes: true` = it needs several Stores on one database at once,
 * and is skipped where a database has one writer (SQLite).
 */
export function storeTest(backend: Backend, name: string, body: (open: Open) => Promise<void>, opts: { nodes?: boolean } = {}): void {
  const skip = opts.nodes && !backend.shared ? `a ${backend.kind} database has one writer` : false;
  test(name, { skip }, async (t) => {
    const openStore = await backend.database(t);
    const opened: Store[] = [];
    try {
      await body(async () => {
        const s = await openStore();
        opened.push(s);
        return s;
      });
    } finally {
      for (const s of opened) await s.close();
    }
  });
}
