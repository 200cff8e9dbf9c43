import { timing, type CommandContext } from './context';

/**
 * AbortTransaction: discards the open transaction. Without one (never started, already
 * committed, failed OCC or expired) it succeeds and does nothing: the Node driver aborts after
 * an expiry and drops the session if that abort fails.
 */
export function abortTransaction(_cmd: Record<string, unknown>, cx: CommandContext): object {
  const txn = cx.session.txn;
  if (txn && txn.state === 'open') cx.svc.closeTransaction(cx.session);
  return { AbortTransaction: { TimingInformation: timing(cx) } };
}
