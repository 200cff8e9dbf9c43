import type { OperationContext } from '../types';

export function handle(input: { ResourceArn: string }, { app, caller }: OperationContext) {
  return { Tags: app.tags.list(caller, input.ResourceArn) };
}
