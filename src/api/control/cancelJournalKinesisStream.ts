import type { OperationContext } from '../types';

export async function handle(input: { LedgerName: string; StreamId: string }, { app, caller }: OperationContext) {
  await app.streams.cancel(caller, input.LedgerName, input.StreamId);
  return { StreamId: input.StreamId };
}
