/**
 * Pagination of the list commands: every page, merged into one answer without a NextToken (what
 * awscli does for services it has paginators for), unless `--max-results` asks for one page,
 * which is then printed as the API answered it, NextToken included.
 */
import type { FlagTable, Args } from './args';
import { listTable } from './output';

export const PAGE_FLAGS: FlagTable = {
  'max-results': { kind: 'number', value: 'n', help: 'one page of at most n items, with the NextToken for the next' },
  'next-token': { kind: 'string', value: 'token', help: 'start at this NextToken of an earlier page' },
};

interface Page {
  NextToken?: string;
}

const itemsOf = (page: Page, member: string) => ((page as unknown as Record<string, unknown[] | undefined>)[member] ?? []);

export async function listAll<P extends Page>(
  args: Args,
  fetch: (page: { MaxResults?: number; NextToken?: string }) => Promise<P>,
  member: string,
): Promise<P> {
  const max = args.number('max-results');
  let token = args.string('next-token');
  if (max !== undefined) return fetch({ MaxResults: max, NextToken: token });
  const first = await fetch({ NextToken: token });
  const items = [...itemsOf(first, member)];
  token = first.NextToken;
  while (token) {
    const page = await fetch({ NextToken: token });
    items.push(...itemsOf(page, member));
    token = page.NextToken;
  }
  return { ...first, [member]: items, NextToken: undefined };
}

/** The items as a table, and the NextToken under it when there is one. */
export function pagedTable(shaped: Record<string, unknown>, member: string, columns?: string[]): string {
  const items = (shaped[member] as Record<string, unknown>[] | undefined) ?? [];
  const table = items.length === 0 ? `(no ${member[0].toLowerCase()}${member.slice(1).replace(/([A-Z])/g, ' $1').toLowerCase()})\n` : listTable(items, columns);
  return shaped.NextToken ? `${table}NextToken: ${String(shaped.NextToken)}\n` : table;
}
