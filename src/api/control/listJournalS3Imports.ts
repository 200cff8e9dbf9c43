import type { OperationContext } from '../types';
import { page, readToken } from '../pagination';
import { describeImport, importPageKey } from '../../imports/service';

/** ListJournalS3Imports (openqldb extension): the caller's account and region's imports, by creation time. */
export async function handle(input: { MaxResults?: number; NextToken?: string }, ctx: OperationContext) {
  const max = input.MaxResults ?? 100;
  const after = input.NextToken ? readToken(ctx, 'ListJournalS3Imports', '', input.NextToken) : '';
  const rows = await ctx.app.imports.list(ctx.caller, after, max + 1);
  const { items, nextToken } = page(ctx, 'ListJournalS3Imports', '', rows, max, importPageKey);
  return { JournalS3Imports: items.map(describeImport), NextToken: nextToken };
}
