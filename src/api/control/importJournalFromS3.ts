import type { OperationContext } from '../types';
import type { ImportRequest } from '../../imports/service';

/** ImportJournalFromS3 (openqldb extension): a new ledger from journal exports; the job reads and checks them. */
export async function handle(input: ImportRequest, { app, caller }: OperationContext) {
  return { ImportId: await app.imports.create(caller, input) };
}
