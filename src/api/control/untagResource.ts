import type { OperationContext } from '../types';

export function handle(input: { ResourceArn: string; TagKeys: string[] }, { app, caller }: OperationContext): undefined {
  app.tags.untag(caller, input.ResourceArn, input.TagKeys);
  return undefined;
}
