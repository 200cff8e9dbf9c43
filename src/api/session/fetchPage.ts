import { badRequest } from '../../server/errors';
import { requireOpenTransaction, requireString, requireTransactionId, timing, TOKEN_PATTERN, type CommandContext } from './context';
import { page } from './results';

/** FetchPage: the next page of a result; tokens live as long as their transaction. */
export function fetchPage(cmd: Record<string, unknown>, cx: CommandContext): object {
  const transactionId = requireTransactionId(cmd);
  const token = requireString(cmd, 'NextPageToken', 4, 1024, TOKEN_PATTERN);
  requireOpenTransaction(cx, transactionId);
  const pending = cx.session.pages.get(token);
  if (!pending || pending.transactionId !== transactionId) throw badRequest('Invalid NextPageToken');
  cx.session.pages.delete(token);
  return {
    FetchPage: {
      Page: page(cx.session, transactionId, pending.values, pending.readIOs),
      TimingInformation: timing(cx),
      // the statement's read IOs were all reported with its first page
      ConsumedIOs: { ReadIOs: 0, WriteIOs: 0 },
    },
  };
}
