/** Shared by the session-API client tests: ledgers, drivers, and the blocks as stored. */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { QldbDriver, RetryConfig } from 'amazon-qldb-driver-nodejs';
import { CreateLedgerCommand, QLDBClient } from '@aws-sdk/client-qldb';
import { testCredentials } from '../helpers/server';

/** Every block of a ledger as stored, straight from the server's database (read-only). */
export function storedBlocks(dataDir: string, ledgerName: string): Uint8Array[] {
  const db = new Database(join(dataDir, 'openqldb.sqlite'), { readonly: true, fileMustExist: true });
  try {
    const ledgerId = db.prepare('SELECT ledger_id FROM ledgers WHERE name = ?').pluck().get(ledgerName) as string;
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const { JournalStore } = require('../../src/storage/sqlite/journalStore');
    const journal = new JournalStore(db);
    const tip = journal.strand(ledgerId).tipSequenceNo as number;
    const out: Uint8Array[] = [];
    for (let seq = 0; seq <= tip; seq++) {
      const b = journal.block(ledgerId, seq);
      out.push(b instanceof Uint8Array ? b : b.ion);
    }
    return out;
  } finally {
    db.close();
  }
}

/**
 * The CommitDigest as the Node driver computes it, with its own hashing (QldbHash), for
 * `[statement, parameter bytes]` in send order.
 */
export function driverDigest(transactionId: string, sent: [string, Uint8Array[]][]): Buffer {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const { QldbHash } = require('amazon-qldb-driver-nodejs/dist/src/QldbHash');
  let acc = QldbHash.toQldbHash(transactionId);
  for (const [statement, params] of sent) {
    let s = QldbHash.toQldbHash(statement);
    for (const p of params) s = s.dot(QldbHash.toQldbHash(p));
    acc = acc.dot(s);
  }
  return Buffer.from(acc.getQldbHash());
}

export async function createLedger(endpoint: string, name: string): Promise<void> {
  const qldb = new QLDBClient({ endpoint, region: 'us-east-1', credentials: testCredentials, maxAttempts: 1 });
  await qldb.send(new CreateLedgerCommand({ Name: name, PermissionsMode: 'STANDARD', DeletionProtection: false }));
  qldb.destroy();
}

export function newDriver(endpoint: string, ledger: string, retries = 4): QldbDriver {
  return new QldbDriver(
    ledger,
    { endpoint, region: 'us-east-1', credentials: testCredentials },
    {},
    10,
    new RetryConfig(retries, () => 1),
  );
}

