import type { OperationContext } from '../types';
import type { PermissionsMode } from '../../storage/store';
import { ledgerCore } from './ledgerViews';

export interface CreateLedgerInput {
  Name: string;
  PermissionsMode: PermissionsMode;
  DeletionProtection?: boolean;
  KmsKey?: string;
  Tags?: Record<string, string>;
}

export async function handle(input: CreateLedgerInput, { app, caller }: OperationContext) {
  const ledger = await app.ledgers.create(caller, {
    name: input.Name,
    permissionsMode: input.PermissionsMode,
    deletionProtection: input.DeletionProtection,
    kmsKey: input.KmsKey,
    tags: input.Tags,
  });
  return {
    ...ledgerCore(ledger),
    PermissionsMode: ledger.permissionsMode,
    DeletionProtection: ledger.deletionProtection,
    KmsKeyArn: ledger.kmsKey,
  };
}
