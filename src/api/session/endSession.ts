import { timing, type CommandContext } from './context';

/** EndSession: ends the session; an open transaction is aborted with it. */
export function endSession(_cmd: Record<string, unknown>, cx: CommandContext): object {
  cx.svc.sessions.end(cx.session);
  return { EndSession: { TimingInformation: timing(cx) } };
}
