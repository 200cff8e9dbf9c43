/** A row of the ledgers table as both stores read it (the same column names on SQLite and PostgreSQL). */
import type { LedgerRow } from './store';

export interface Raw {
  ledger_id: string;
  account_id: string;
  region: string;
  name: string;
  state: LedgerRow['state'];
  state_until: number | null;
  created_ms: number;
  permissions_mode: LedgerRow['permissionsMode'];
  /** SQLite: 0 | 1; PostgreSQL: a boolean */
  deletion_protection: number | boolean;
  kms_key: string | null;
}

export const fromRaw = (r: Raw): LedgerRow => ({
  ledgerId: r.ledger_id,
  accountId: r.account_id,
  region: r.region,
  name: r.name,
  state: r.state,
  stateUntil: r.state_until,
  createdMs: r.created_ms,
  permissionsMode: r.permissions_mode,
  deletionProtection: r.deletion_protection === 1 || r.deletion_protection === true,
  kmsKey: r.kms_key ?? undefined,
});
