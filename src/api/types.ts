/**
 * What an operation sees: its decoded, validated input and a context. No HTTP here: the protocol
 * layer (src/server) does the wire, operations do the work.
 */
import type { App } from '../app';

/** Who is calling: from the SigV4 credential scope when auth is on, else the server defaults. */
export interface Caller {
  accountId: string;
  region: string;
  accessKeyId?: string;
}

/** What the request log and metrics say of a request beyond its route; filled in as it is learnt. */
export interface RequestTrace {
  /** the session API's command (StartSession, ExecuteStatement, …) */
  command?: string;
  ledger?: string;
}

export interface OperationContext {
  caller: Caller;
  app: App;
  requestId: string;
  trace?: RequestTrace;
}

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'DELETE';

/** One control-plane (restJson1) operation: its binding and constraints live in model.ts. */
export interface ControlOperation<I = any, O = any> {
  name: string;
  handle(input: I, ctx: OperationContext): O | Promise<O>;
}
