import { badRequest } from '../../server/errors';
import { requireString, timing, type CommandContext } from './context';

/** StartSession: a new session on an ACTIVE ledger of the caller's account. */
export async function startSession(cmd: Record<string, unknown>, cx: CommandContext): Promise<object> {
  const name = requireString(cmd, 'LedgerName', 1, 32);
  const caller = cx.op.caller;
  const ledger = cx.op.app.ledgers.find(caller, name);
  if (!ledger) throw badRequest(`Ledger ${name} does not exist`);
  if (ledger.state !== 'ACTIVE') throw badRequest(`Ledger ${name} is not active (state ${ledger.state})`);
  await cx.svc.stateOrCreate(ledger.ledgerId);
  const s = cx.svc.sessions.create(ledger.ledgerId, ledger.name, caller.accountId, caller.region);
  return { StartSession: { SessionToken: s.token, TimingInformation: timing(cx) } };
}
