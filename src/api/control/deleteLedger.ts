import type { OperationContext } from '../types';

export function handle(input: { Name: string }, { app, caller }: OperationContext): undefined {
  app.ledgers.delete(caller, input.Name);
  return undefined;
}
