import type { OperationContext } from '../types';
import { page, readToken } from '../pagination';
import { describe } from '../../streams/service';
import { jobPageKey } from '../../jobs/pageKey';

/** Streams of the ledger by creation time, then id (control-plane.md §1), expired ones left out. */
export async function handle(input: { LedgerName: string; MaxResults?: number; NextToken?: string }, ctx: OperationContext) {
  const max = input.MaxResults ?? 100;
  const { ledger, list } = ctx.app.streams.listForLedger(ctx.caller, input.LedgerName);
  const op = 'ListJournalKinesisStreamsForLedger';
  const after = input.NextToken ? readToken(ctx, op, ledger.ledgerId, input.NextToken) : '';
  const { items, nextToken } = page(ctx, op, ledger.ledgerId, await list(after, max + 1), max, jobPageKey);
  return nextToken === undefined ? { Streams: items.map(describe) } : { Streams: items.map(describe), NextToken: nextToken };
}
