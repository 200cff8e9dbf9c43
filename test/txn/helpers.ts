/** A TxnService over a fresh SQLite database and an in-memory journal, for LedgerView-level tests. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dom } from 'ion-js';
import type { BuiltBlock } from '../../src/journal/block';
import { openDatabase } from '../../src/storage/sqlite/db';
import { TxnService, type JournalStoreLike } from '../../src/txn/service';
import type { Session } from '../../src/txn/sessions';
import type { Transaction } from '../../src/txn/transaction';
import { newId } from '../../src/journal/ids';

export class MemJournal implements JournalStoreLike {
  readonly strands = new Map<string, { strandId: string; blocks: BuiltBlock[]; txIds: string[]; redacted: string[] }>();
  createStrand(ledgerId: string, strandId: string, genesis: BuiltBlock): void {
    this.strands.set(ledgerId, { strandId, blocks: [genesis], txIds: [''], redacted: [] });
  }
  strand(ledgerId: string) {
    const s = this.strands.get(ledgerId);
    if (!s) return undefined;
    const tip = s.blocks[s.blocks.length - 1];
    return { strandId: s.strandId, tipSequenceNo: tip.sequenceNo, tipBlockHash: tip.blockHash };
  }
  appendBlock(ledgerId: string, built: BuiltBlock, txId: string): void {
    const s = this.strands.get(ledgerId)!;
    if (built.sequenceNo !== s.blocks.length) throw new Error(`out of order block ${built.sequenceNo}`);
    s.blocks.push(built);
    s.txIds.push(txId);
  }
  redactRevision(ledgerId: string, seq: number, documentId: string, version: number): void {
    this.strands.get(ledgerId)!.redacted.push(`${seq}/${documentId}/${version}`);
  }
  dropLedger(ledgerId: string): void {
    this.strands.delete(ledgerId);
  }
}

export interface Fixture {
  svc: TxnService;
  journal: MemJournal;
  ledgerId: string;
  begin(): { s: Session; t: Transaction };
  commit(x: { s: Session; t: Transaction }): Promise<unknown>;
  close(): void;
}

export function fixture(opts: Partial<{ transactionTimeoutMs: number; maxSessionsPerLedger: number }> = {}): Fixture {
  const dir = mkdtempSync(join(tmpdir(), 'openqldb-txn-'));
  const db = openDatabase(dir);
  const journal = new MemJournal();
  const svc = new TxnService(db, journal, {
    transactionTimeoutMs: opts.transactionTimeoutMs ?? 30_000,
    sessionTimeoutMs: 60_000,
    maxSessionsPerLedger: opts.maxSessionsPerLedger ?? 100,
  });
  const ledgerId = newId();
  svc.createLedger(ledgerId);
  return {
    svc,
    journal,
    ledgerId,
    begin() {
      const s = svc.sessions.create(ledgerId, 'test', '000000000000', 'us-east-1');
      const t = svc.startTransaction(s);
      return { s, t };
    },
    commit(x) {
      return svc.commit(x.s, x.t);
    },
    close() {
      svc.close();
      db.close();
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
