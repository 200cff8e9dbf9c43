import type { OperationContext } from '../types';
import { resourceNotFound } from '../../server/errors';
import { encryptionDescription, ledgerCore } from './ledgerViews';

export function handle(input: { Name: string }, { app, caller }: OperationContext) {
  // Describe is the one place a DELETING ledger is still visible, so clients can watch it go.
  const ledger = app.ledgers.find(caller, input.Name);
  if (!ledger) throw resourceNotFound('LEDGER', input.Name, `The ledger ${input.Name} does not exist`);
  return {
    ...ledgerCore(ledger),
    PermissionsMode: ledger.permissionsMode,
    DeletionProtection: ledger.deletionProtection,
    EncryptionDescription: encryptionDescription(ledger),
  };
}
