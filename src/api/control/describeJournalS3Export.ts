import type { OperationContext } from '../types';
import type { ExportJob } from '../../exports/types';
import { describe } from '../../exports/service';
import { sharedPer } from '../sharedOutput';

const answer = sharedPer((job: Readonly<ExportJob>) => ({ ExportDescription: describe(job) }));

export async function handle(input: { Name: string; ExportId: string }, { app, caller }: OperationContext) {
  return answer(await app.exports.job(caller, input.Name, input.ExportId));
}
