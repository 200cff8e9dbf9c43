import type { OperationContext } from '../types';
import { encryptionDescription, ledgerCore } from './ledgerViews';

export async function handle(input: { Name: string; DeletionProtection?: boolean; KmsKey?: string }, { app, caller }: OperationContext) {
  const ledger = await app.ledgers.update(caller, input.Name, { deletionProtection: input.DeletionProtection, kmsKey: input.KmsKey });
  return {
    ...ledgerCore(ledger),
    DeletionProtection: ledger.deletionProtection,
    EncryptionDescription: encryptionDescription(ledger),
  };
}
