import type { OperationContext } from '../types';
import { describeImport } from '../../imports/service';

/** DescribeJournalS3Import (openqldb extension): status, blocks read, verified and written, and why it FAILED. */
export async function handle(input: { ImportId: string }, { app, caller }: OperationContext) {
  return { ImportDescription: describeImport(await app.imports.job(caller, input.ImportId)) };
}
