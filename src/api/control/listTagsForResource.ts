import type { OperationContext } from '../types';

export async function handle(input: { ResourceArn: string }, { app, caller }: OperationContext) {
  return { Tags: await app.tags.list(caller, input.ResourceArn) };
}
