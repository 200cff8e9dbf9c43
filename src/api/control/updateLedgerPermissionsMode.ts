import type { OperationContext } from '../types';
import type { PermissionsMode } from '../../storage/store';

export async function handle(input: { Name: string; PermissionsMode: PermissionsMode }, { app, caller }: OperationContext) {
  const ledger = await app.ledgers.updatePermissionsMode(caller, input.Name, input.PermissionsMode);
  return { Name: ledger.name, Arn: ledger.arn, PermissionsMode: ledger.permissionsMode };
}
