import type { OperationContext } from '../types';
import type { ExportJob } from '../../exports/types';
import { page, readToken } from '../pagination';
import { describe, pageKey } from '../../exports/service';
import { sharedPerList } from '../sharedOutput';

/** A last page is the same answer for as long as the store hands out the same jobs. */
const lastPage = sharedPerList((jobs: readonly ExportJob[]) => ({ JournalS3Exports: jobs.map(describe) }));

export async function handle(input: { Name: string; MaxResults?: number; NextToken?: string }, ctx: OperationContext) {
  const max = input.MaxResults ?? 100;
  const { ledger, list } = ctx.app.exports.listForLedger(ctx.caller, input.Name);
  const op = 'ListJournalS3ExportsForLedger';
  const after = input.NextToken ? readToken(ctx, op, ledger.ledgerId, input.NextToken) : '';
  const { items, nextToken } = page(ctx, op, ledger.ledgerId, await list(after, max + 1), max, pageKey);
  // a NextToken is signed for this caller, so only a last page is shared
  return nextToken === undefined ? lastPage(items) : { JournalS3Exports: items.map(describe), NextToken: nextToken };
}
