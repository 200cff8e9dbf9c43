import type { OperationContext } from '../types';
import { ServiceError } from '../../server/errors';
import { checkTags } from '../../ledger/tags';

/**
 * Journal streams need a Kinesis-compatible sink, which openqldb does not have yet. The request is
 * still checked like any other (constraints, ledger state, tags), so a client learns about its own
 * mistakes first; a valid request is refused plainly rather than accepted and never delivered.
 */
export function handle(input: { LedgerName: string; Tags?: Record<string, string> }, { app, caller }: OperationContext): never {
  app.ledgers.requireActive(caller, input.LedgerName);
  if (input.Tags) checkTags({}, input.Tags);
  throw new ServiceError(
    'UnsupportedOperationException',
    400,
    'openqldb does not support journal streams to Kinesis yet; use ExportJournalToS3',
  );
}
