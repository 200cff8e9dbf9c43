import type { OperationContext } from '../types';

export async function handle(input: { ResourceArn: string; TagKeys: string[] }, { app, caller }: OperationContext): Promise<undefined> {
  await app.tags.untag(caller, input.ResourceArn, input.TagKeys);
  return undefined;
}
