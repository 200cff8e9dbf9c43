import type { OperationContext } from '../types';

export function handle(input: { ResourceArn: string; Tags: Record<string, string> }, { app, caller }: OperationContext): undefined {
  app.tags.tag(caller, input.ResourceArn, input.Tags);
  return undefined;
}
