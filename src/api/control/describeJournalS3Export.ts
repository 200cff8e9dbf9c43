import type { OperationContext } from '../types';
import type { ExportJob } from '../../exports/types';
import { describe } from '../../exports/service';
import { sharedPer } from '../sharedOutput';

const answer = sharedPer((job: Readonly<ExportJob>) => ({ ExportDescription: describe(job) }));

export function handle(input: { Name: string; ExportId: string }, { app, caller }: OperationContext) {
  return answer(app.exports.job(caller, input.Name, input.ExportId));
}
