import type { OperationContext } from '../types';

export async function handle(input: { Name: string }, { app, caller }: OperationContext): Promise<undefined> {
  await app.ledgers.delete(caller, input.Name);
  return undefined;
}
