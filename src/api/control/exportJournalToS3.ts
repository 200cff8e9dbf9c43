import type { OperationContext } from '../types';
import type { ExportRequest } from '../../exports/service';

/** ExportJournalToS3 (control-plane.md §4.1): the checks and the job live in the exports service. */
export async function handle(input: ExportRequest & { Name: string }, { app, caller }: OperationContext) {
  // the export's block range is fixed now: it must not include a block a power loss could take back
  await app.txn.pipeline.durable();
  const exportId = await app.exports.create(caller, input.Name, input);
  return { ExportId: exportId };
}
