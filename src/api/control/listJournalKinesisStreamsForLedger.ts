import type { OperationContext } from '../types';
import { readToken } from '../pagination';

/** No stream can exist yet (StreamJournalToKinesis is refused), so the list is always empty. */
export function handle(input: { LedgerName: string; NextToken?: string }, ctx: OperationContext) {
  const ledger = ctx.app.ledgers.requireActive(ctx.caller, input.LedgerName);
  if (input.NextToken) readToken(ctx, 'ListJournalKinesisStreamsForLedger', ledger.ledgerId, input.NextToken);
  return { Streams: [] };
}
