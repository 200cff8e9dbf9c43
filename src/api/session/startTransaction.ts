import { badRequest } from '../../server/errors';
import type { Transaction } from '../../txn/transaction';
import { timing, type CommandContext } from './context';

/**
 * StartTransaction. One open transaction per session: a second StartTransaction while one is
 * open is a BadRequestException (the drivers always commit or abort first). An expired one no
 * longer counts as open.
 */
export function startTransaction(_cmd: Record<string, unknown>, cx: CommandContext): object | Promise<object> {
  const open = cx.session.txn;
  if (open && cx.svc.openTransaction(cx.session, open.transactionId)) {
    throw badRequest(`Transaction ${open.transactionId} is already open in this session`);
  }
  const txn = cx.svc.startTransaction(cx.session);
  const answer = (t: Transaction) => ({ StartTransaction: { TransactionId: t.transactionId, TimingInformation: timing(cx) } });
  return txn instanceof Promise ? txn.then(answer) : answer(txn);
}
