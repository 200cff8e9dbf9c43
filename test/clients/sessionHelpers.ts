/** Shared by the session-API client tests: ledgers, drivers, and the blocks as stored. */
import { QldbDriver, RetryConfig } from 'amazon-qldb-driver-nodejs';
import { CreateLedgerCommand, QLDBClient } from '@aws-sdk/client-qldb';
import { testCredentials } from '../helpers/server';

export { storedBlocks } from '../helpers/serverStore';

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

