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
  byName(accountId: string, region: string, name: string): LedgerRow | undefined;
  byId(ledgerId: string): LedgerRow | undefined;
  /** Ledgers of an account and region with a name after `afterName`, by name. */
  list(accountId: string, region: string, afterName: string, limit: number): LedgerRow[];
  count(accountId: string, region: string): number;
  update(row: LedgerRow): void;
  remove(ledgerId: string): void;
  /** Rows whose CREATING/DELETING state ends at or before `now`. */
  due(now: number): LedgerRow[];
  /** The earliest pending state change, if any. */
  nextDue(): number | undefined;

  tags(resourceArn: string): Record<string, string>;
  putTags(resourceArn: string, tags: Record<string, string>): void;
  removeTags(resourceArn: string, keys: string[]): void;
  dropTags(resourceArn: string): void;

  /** Runs `fn` in one storage transaction. */
  transaction<T>(fn: () => T): T;
  /** A server-wide secret (random, created once), for signing pagination tokens. */
  secret(name: string): Buffer;
}
