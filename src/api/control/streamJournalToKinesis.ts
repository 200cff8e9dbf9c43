import type { OperationContext } from '../types';
import type { StreamRequest } from '../../streams/service';

/** StreamJournalToKinesis (control-plane.md §5): the checks and the job live in the streams service. */
export async function handle(input: StreamRequest & { LedgerName: string }, { app, caller }: OperationContext) {
  // a stream's start position is taken now: it must not include a block a power loss could take back
  await app.txn.pipeline.durable();
  const streamId = await app.streams.create(caller, input.LedgerName, input);
  return { StreamId: streamId };
}
