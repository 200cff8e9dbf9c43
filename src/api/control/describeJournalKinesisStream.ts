import type { OperationContext } from '../types';
import { describe } from '../../streams/service';

export async function handle(input: { LedgerName: string; StreamId: string }, { app, caller }: OperationContext) {
  return { Stream: describe(await app.streams.job(caller, input.LedgerName, input.StreamId)) };
}
