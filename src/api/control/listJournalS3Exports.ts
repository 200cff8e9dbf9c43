import type { OperationContext } from '../types';
import { page, readToken } from '../pagination';
import { describe, pageKey } from '../../exports/service';

/** Every export of the caller's account and region, ledgers since deleted included, by creation time. */
export async function handle(input: { MaxResults?: number; NextToken?: string }, ctx: OperationContext) {
  const max = input.MaxResults ?? 100;
  const after = input.NextToken ? readToken(ctx, 'ListJournalS3Exports', '', input.NextToken) : '';
  const rows = await ctx.app.exports.list(ctx.caller, after, max + 1);
  const { items, nextToken } = page(ctx, 'ListJournalS3Exports', '', rows, max, pageKey);
  return { JournalS3Exports: items.map(describe), NextToken: nextToken };
}
