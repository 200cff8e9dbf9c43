import { describe } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../src/storage/sqlite/db';
import { sqliteStore } from '../../src/storage/sqlite/store';
import { conformance } from './conformance';

describe('store conformance on SQLite', () => {
  conformance({
    kind: 'sqlite',
    shared: false,
    async database(cleanup) {
      const dir = mkdtempSync(join(tmpdir(), 'openqldb-conformance-'));
      cleanup.after(async () => rmSync(dir, { recursive: true, force: true }));
      return async () => sqliteStore(openDatabase(dir));
    },
  });
});
