import type { OperationContext } from '../types';
import { resourceNotFound } from '../../server/errors';

/** No stream can exist (StreamJournalToKinesis is refused), so every id names nothing. */
export function handle(input: { LedgerName: string; StreamId: string }, { app, caller }: OperationContext): never {
  app.ledgers.requireActive(caller, input.LedgerName);
  throw resourceNotFound('JOURNAL_KINESIS_STREAM', input.StreamId, `The stream ${input.StreamId} does not exist`);
}
