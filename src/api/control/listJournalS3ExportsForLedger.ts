import type { OperationContext } from '../types';
import { page, readToken } from '../pagination';
import { describe, pageKey } from '../../exports/service';

export function handle(input: { Name: string; MaxResults?: number; NextToken?: string }, ctx: OperationContext) {
  const max = input.MaxResults ?? 100;
  const { ledger, list } = ctx.app.exports.listForLedger(ctx.caller, input.Name);
  const op = 'ListJournalS3ExportsForLedger';
  const after = input.NextToken ? readToken(ctx, op, ledger.ledgerId, input.NextToken) : '';
  const { items, nextToken } = page(ctx, op, ledger.ledgerId, list(after, max + 1), max, pageKey);
  return { JournalS3Exports: items.map(describe), NextToken: nextToken };
}
