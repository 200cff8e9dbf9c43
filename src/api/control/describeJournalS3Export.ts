import type { OperationContext } from '../types';

export function handle(input: { Name: string; ExportId: string }, { app, caller }: OperationContext) {
  return { ExportDescription: app.exports.describe(caller, input.Name, input.ExportId) };
}
