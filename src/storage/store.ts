/**
 * The narrow storage interfaces the domain layers use. The embedded SQLite implementations live
 * in src/storage/sqlite; a PostgreSQL store can implement the same interfaces later.
 */
export type LedgerState = 'CREATING' | 'ACTIVE' | 'DELETING';
export type PermissionsMode = 'ALLOW_ALL' | 'STANDARD';

export interface LedgerRow {
  ledgerId: string;
  accountId: string;
  region: string;
  name: string;
  state: LedgerState;
  stateUntil: number | null;
  createdMs: number;
  permissionsMode: PermissionsMode;
  deletionProtection: boolean;
  /** undefined = the AWS-owned key */
  kmsKey?: string;
}

export interface LedgerStore {
  insert(row: LedgerRow): void;
  /** Every ledger that is not gone (the service keeps them in memory: there are few). */
  all(): LedgerRow[];
  update(row: LedgerRow): void;
  remove(ledgerId: string): void;

  tags(resourceArn: string): Record<string, string>;
  putTags(resourceArn: string, tags: Record<string, string>): void;
  removeTags(resourceArn: string, keys: string[]): void;
  dropTags(resourceArn: string): void;

  /** Runs `fn` in one storage transaction. */
  transaction<T>(fn: () => T): T;
  /** A server-wide secret (random, created once), for signing pagination tokens. */
  secret(name: string): Buffer;
}
