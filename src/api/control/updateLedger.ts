import type { OperationContext } from '../types';
import { encryptionDescription } from './ledgerViews';

export function handle(input: { Name: string; DeletionProtection?: boolean; KmsKey?: string }, { app, caller }: OperationContext) {
  const ledger = app.ledgers.update(caller, input.Name, { deletionProtection: input.DeletionProtection, kmsKey: input.KmsKey });
  return {
    Name: ledger.name,
    Arn: ledger.arn,
    State: ledger.state,
    CreationDateTime: ledger.creationDateTime,
    DeletionProtection: ledger.deletionProtection,
    EncryptionDescription: encryptionDescription(ledger),
  };
}
