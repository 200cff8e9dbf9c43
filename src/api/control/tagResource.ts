import type { OperationContext } from '../types';

export async function handle(input: { ResourceArn: string; Tags: Record<string, string> }, { app, caller }: OperationContext): Promise<undefined> {
  await app.tags.tag(caller, input.ResourceArn, input.Tags);
  return undefined;
}
