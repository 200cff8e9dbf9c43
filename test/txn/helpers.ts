/** A TxnService over a fresh SQLite store, for LedgerView-level tests. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dom } from 'ion-js';
import { openDatabase, type Db } from '../../src/storage/sqlite/db';
import { DocumentStore } from '../../src/storage/sqlite/documentStore';
import { sqliteStore } from '../../src/storage/sqlite/store';
import { TxnService } from '../../src/txn/service';
import type { Session } from '../../src/txn/sessions';
import type { Transaction } from '../../src/txn/transaction';
import { newId } from '../../src/journal/ids';

export interface Fixture {
  svc: TxnService;
  db: Db;
  ledgerId: string;
  begin(): { s: Session; t: Transaction };
  commit(x: { s: Session; t: Transaction }): Promise<unknown>;
  /** the ledger's blocks as stored, in order */
  blocks(): { ion: Buffer; blockHash: Buffer }[];
  close(): Promise<void>;
}

export async function fixture(opts: Partial<{ transactionTimeoutMs: number; maxSessionsPerLedger: number }> = {}): Promise<Fixture> {
  const dir = mkdtempSync(join(tmpdir(), 'openqldb-txn-'));
  const db = openDatabase(dir);
  const svc = new TxnService(
    sqliteStore(db),
    {
      transactionTimeoutMs: opts.transactionTimeoutMs ?? 30_000,
      sessionTimeoutMs: 60_000,
      maxSessionsPerLedger: opts.maxSessionsPerLedger ?? 100,
    },
    undefined,
    new DocumentStore(db),
  );
  const ledgerId = newId();
  await svc.createLedger(ledgerId);
  await svc.state(ledgerId);
  return {
    svc,
    db,
    ledgerId,
    begin() {
      const s = svc.sessions.create(ledgerId, 'test', '000000000000', 'us-east-1');
      // the ledger's state is loaded (above, and again by a commit that failed): synchronous
      const t = svc.startTransaction(s);
      if (t instanceof Promise) throw new Error('the ledger state is not loaded');
      return { s, t };
    },
    commit(x) {
      return svc.commit(x.s, x.t);
    },
    blocks() {
      return db.prepare('SELECT ion, block_hash AS blockHash FROM journal_blocks WHERE ledger_id = ? ORDER BY seq').all(ledgerId) as {
        ion: Buffer;
        blockHash: Buffer;
      }[];
    },
    async close() {
      await svc.close();
      await svc.store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export const ion = (text: string) => dom.load(text)!;

/** Runs `fn` in a fresh transaction as one statement and commits. */
export async function run<T>(f: Fixture, fn: (t: Transaction) => T): Promise<T> {
  const x = f.begin();
  x.t.beginStatement('test', Buffer.alloc(32));
  const out = fn(x.t);
  x.t.endStatement();
  await f.commit(x);
  return out;
}
