import type { OperationContext } from '../types';
import { page, readToken } from '../pagination';

export function handle(input: { MaxResults?: number; NextToken?: string }, ctx: OperationContext) {
  const max = input.MaxResults ?? 100;
  const after = input.NextToken ? readToken(ctx, 'ListLedgers', '', input.NextToken) : '';
  const rows = ctx.app.ledgers.list(ctx.caller, after, max + 1);
  const { items, nextToken } = page(ctx, 'ListLedgers', '', rows, max, (l) => l.name);
  return {
    Ledgers: items.map((l) => ({ Name: l.name, State: l.state, CreationDateTime: l.creationDateTime })),
    NextToken: nextToken,
  };
}
